/* log_writer.h - the CRI container log format, written by the shim:
 *   <RFC3339Nano timestamp> <stdout|stderr> <F|P> <text>\n
 * A line longer than RT_LOG_MAX_LINE is cut into partial (P) records ending with a full (F) one,
 * as kubelet expects. Output without a trailing newline waits for more bytes until flushed. */
#ifndef WASMCRI_RUNTIME_LOG_WRITER_H
#define WASMCRI_RUNTIME_LOG_WRITER_H

#include <stddef.h>

#include "util/error.h"

#define RT_LOG_MAX_LINE (16 * 1024)

typedef enum rt_log_stream {
    RT_LOG_STDOUT = 0,
    RT_LOG_STDERR = 1,
} rt_log_stream;

typedef struct rt_log_writer rt_log_writer;

/* Opens (creates, appends to) path; a NULL path discards everything. */
int rt_log_writer_open(const char *path, rt_log_writer **out, wc_error *err);
/* Closes and opens the path again: after a rotation (ReopenContainerLog). */
int rt_log_writer_reopen(rt_log_writer *writer, wc_error *err);
/* Adds bytes a stream produced; every complete line is written at once. */
int rt_log_writer_feed(rt_log_writer *writer, rt_log_stream stream, const char *data,
                       size_t length, wc_error *err);
/* Writes what is pending on the stream (a last line without newline) as a full record. */
int rt_log_writer_flush(rt_log_writer *writer, rt_log_stream stream, wc_error *err);
void rt_log_writer_free(rt_log_writer *writer);

/* Formats a CLOCK_REALTIME time as RFC3339Nano in UTC (Go's format: trailing zeros of the
 * fraction dropped). Returns the length written. */
size_t rt_log_format_time(long long seconds, long nanoseconds, char *out, size_t size);

#endif
