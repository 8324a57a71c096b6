/* process.c - what /proc says about a shim: its start time (to tell a pid reused by another
 * process) and its CPU time and resident memory (container stats). */
#include "runtime/runtime_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "runtime/exit_status.h"
#include "util/cleanup.h"

/* Fields 14 (utime), 15 (stime) and 22 (starttime) of /proc/PID/stat. */
static int read_stat(pid_t pid, uint64_t *utime, uint64_t *stime, uint64_t *starttime)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    cleanup_fclose FILE *file = fopen(path, "re");
    if (file == NULL)
        return -1;
    char line[1024];
    if (fgets(line, sizeof line, file) == NULL)
        return -1;
    /* The command name may hold spaces and parentheses: fields resume after the last ')'. */
    char *p = strrchr(line, ')');
    if (p == NULL)
        return -1;
    p += 2; /* field 3 */
    uint64_t values[20] = { 0 };
    int field = 3;
    char *save = NULL;
    for (char *token = strtok_r(p, " ", &save); token && field <= 22;
         token = strtok_r(NULL, " ", &save), field++) {
        if (field >= 14)
            values[field - 14] = strtoull(token, NULL, 10);
    }
    if (field <= 22)
        return -1;
    *utime = values[0];
    *stime = values[1];
    *starttime = values[22 - 14];
    return 0;
}

int rt_process_start_time(pid_t pid, uint64_t *out)
{
    uint64_t utime, stime;
    return read_stat(pid, &utime, &stime, out);
}

int rt_process_usage(pid_t pid, rt_usage *out, wc_error *err)
{
    uint64_t utime = 0, stime = 0, starttime = 0;
    if (read_stat(pid, &utime, &stime, &starttime) < 0)
        return 0; /* exited meanwhile: no usage */
    long ticks = sysconf(_SC_CLK_TCK);
    out->cpu_ns = (utime + stime) * (1000000000ull / (uint64_t)(ticks > 0 ? ticks : 100));
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
    cleanup_fclose FILE *file = fopen(path, "re");
    uint64_t size = 0, resident = 0;
    if (file != NULL && fscanf(file, "%" SCNu64 " %" SCNu64, &size, &resident) == 2)
        out->rss_bytes = resident * (uint64_t)sysconf(_SC_PAGESIZE);
    (void)err;
    return 0;
}
