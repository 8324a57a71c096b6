/* log_writer.c - CRI log records with batched writev; see log_writer.h. */
#include "runtime/log_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

struct rt_log_writer {
    char *path; /* NULL: discard */
    int fd;
    /* Bytes of an unfinished line per stream, at most RT_LOG_MAX_LINE. */
    char pending[2][RT_LOG_MAX_LINE];
    size_t pending_length[2];
};

static const char *const stream_names[2] = { "stdout", "stderr" };

size_t rt_log_format_time(long long seconds, long nanoseconds, char *out, size_t size)
{
    time_t t = (time_t)seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t used = strftime(out, size, "%Y-%m-%dT%H:%M:%S", &tm);
    if (nanoseconds > 0 && used + 11 < size) {
        char fraction[32];
        snprintf(fraction, sizeof fraction, ".%09ld", nanoseconds);
        size_t length = strlen(fraction);
        while (fraction[length - 1] == '0')
            length--;
        memcpy(out + used, fraction, length);
        used += length;
    }
    if (used + 2 <= size) {
        out[used++] = 'Z';
        out[used] = 0;
    }
    return used;
}

static int open_log(rt_log_writer *writer, wc_error *err)
{
    if (writer->path == NULL)
        return 0;
    writer->fd = open(writer->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (writer->fd < 0)
        return wc_error_set_errno(err, errno, "open log %s", writer->path);
    return 0;
}

int rt_log_writer_open(const char *path, rt_log_writer **out, wc_error *err)
{
    rt_log_writer *writer = calloc(1, sizeof *writer);
    if (writer == NULL)
        return wc_error_set(err, WC_ERESOURCE, "log writer: out of memory");
    writer->fd = -1;
    if (path != NULL && (writer->path = strdup(path)) == NULL) {
        free(writer);
        return wc_error_set(err, WC_ERESOURCE, "log writer: out of memory");
    }
    if (open_log(writer, err) < 0) {
        rt_log_writer_free(writer);
        return -1;
    }
    *out = writer;
    return 0;
}

int rt_log_writer_reopen(rt_log_writer *writer, wc_error *err)
{
    if (writer->fd >= 0)
        close(writer->fd);
    writer->fd = -1;
    return open_log(writer, err);
}

/* Writes all iovecs, continuing after short writes. */
static int write_all(rt_log_writer *writer, struct iovec *iov, int count, wc_error *err)
{
    while (count > 0) {
        ssize_t n = writev(writer->fd, iov, count);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return wc_error_set_errno(err, errno, "write log %s", writer->path);
        }
        while (count > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++;
            count--;
        }
        if (count > 0) {
            iov->iov_base = (char *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
    return 0;
}

/* One batch of records: up to 64 pieces (prefix, text, newline) per writev. */
typedef struct batch {
    struct iovec iov[192];
    int count;
    char prefix[64][64];
    int records;
    char stamp[48];
    size_t stamp_length;
} batch;

static int batch_flush(rt_log_writer *writer, batch *b, wc_error *err)
{
    int rc = b->count > 0 ? write_all(writer, b->iov, b->count, err) : 0;
    b->count = 0;
    b->records = 0;
    return rc;
}

/* Queues one record; the text must stay valid until the batch is flushed. */
static int batch_add(rt_log_writer *writer, batch *b, rt_log_stream stream, bool partial,
                     const char *text, size_t length, wc_error *err)
{
    if (b->records == 64 && batch_flush(writer, b, err) < 0)
        return -1;
    char *prefix = b->prefix[b->records++];
    int prefix_length = snprintf(prefix, 64, "%s %s %c ", b->stamp, stream_names[stream],
                                 partial ? 'P' : 'F');
    b->iov[b->count++] = (struct iovec){ prefix, (size_t)prefix_length };
    if (length > 0)
        b->iov[b->count++] = (struct iovec){ (void *)text, length };
    b->iov[b->count++] = (struct iovec){ "\n", 1 };
    return 0;
}

static void batch_init(batch *b)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    b->count = 0;
    b->records = 0;
    b->stamp_length = rt_log_format_time(now.tv_sec, now.tv_nsec, b->stamp, sizeof b->stamp);
}

int rt_log_writer_feed(rt_log_writer *writer, rt_log_stream stream, const char *data,
                       size_t length, wc_error *err)
{
    if (writer->fd < 0)
        return 0;
    batch b;
    batch_init(&b);
    char *pending = writer->pending[stream];
    size_t *pending_length = &writer->pending_length[stream];
    while (length > 0) {
        const char *newline = memchr(data, '\n', length);
        size_t line = newline ? (size_t)(newline - data) : length;
        if (*pending_length > 0) {
            /* Complete the stored start of a line first; it must be written before the batch's
             * buffers are reused, so flush right away. */
            size_t room = RT_LOG_MAX_LINE - *pending_length;
            size_t take = line < room ? line : room;
            memcpy(pending + *pending_length, data, take);
            *pending_length += take;
            data += take;
            length -= take;
            line -= take;
            bool full = *pending_length == RT_LOG_MAX_LINE;
            if (line == 0 && newline != NULL && !full) {
                data++;
                length--;
                if (batch_add(writer, &b, stream, false, pending, *pending_length, err) < 0
                    || batch_flush(writer, &b, err) < 0)
                    return -1;
                *pending_length = 0;
            } else if (full) {
                if (batch_add(writer, &b, stream, true, pending, *pending_length, err) < 0
                    || batch_flush(writer, &b, err) < 0)
                    return -1;
                *pending_length = 0;
            }
            continue;
        }
        if (line >= RT_LOG_MAX_LINE) {
            if (batch_add(writer, &b, stream, true, data, RT_LOG_MAX_LINE, err) < 0)
                return -1;
            data += RT_LOG_MAX_LINE;
            length -= RT_LOG_MAX_LINE;
            continue;
        }
        if (newline == NULL) {
            memcpy(pending, data, length);
            *pending_length = length;
            break;
        }
        if (batch_add(writer, &b, stream, false, data, line, err) < 0)
            return -1;
        data += line + 1;
        length -= line + 1;
    }
    return batch_flush(writer, &b, err);
}

int rt_log_writer_flush(rt_log_writer *writer, rt_log_stream stream, wc_error *err)
{
    if (writer->fd < 0 || writer->pending_length[stream] == 0)
        return 0;
    batch b;
    batch_init(&b);
    if (batch_add(writer, &b, stream, false, writer->pending[stream],
                  writer->pending_length[stream], err) < 0)
        return -1;
    writer->pending_length[stream] = 0;
    return batch_flush(writer, &b, err);
}

void rt_log_writer_free(rt_log_writer *writer)
{
    if (writer == NULL)
        return;
    if (writer->fd >= 0)
        close(writer->fd);
    free(writer->path);
    free(writer);
}
