/* log.c - timestamped log lines on stderr, filtered by the level wasmcrid sets at start-up. */
#include "cri/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

/* The daemon's one process-wide setting: written once before the loop starts. */
static cri_log_level current_level = CRI_LOG_INFO;

void cri_log_set_level(cri_log_level level)
{
    current_level = level;
}

bool cri_log_enabled(cri_log_level level)
{
    return level <= current_level;
}

void cri_log(cri_log_level level, const char *fmt, ...)
{
    if (!cri_log_enabled(level))
        return;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s.%06ldZ %s %s\n", stamp, now.tv_nsec / 1000, cri_log_level_name(level), line);
}
