/* log.h - the daemon's log lines on stderr: "<RFC3339 time> <level> <message>".
 * The level is set once at start-up by wasmcrid (cri_log_set_level). */
#ifndef WASMCRI_CRI_LOG_H
#define WASMCRI_CRI_LOG_H

#include "cri/config.h"

void cri_log_set_level(cri_log_level level);
bool cri_log_enabled(cri_log_level level);
void cri_log(cri_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define cri_log_error(...) cri_log(CRI_LOG_ERROR, __VA_ARGS__)
#define cri_log_warn(...) cri_log(CRI_LOG_WARN, __VA_ARGS__)
#define cri_log_info(...) cri_log(CRI_LOG_INFO, __VA_ARGS__)
#define cri_log_debug(...) cri_log(CRI_LOG_DEBUG, __VA_ARGS__)

#endif
