/* exit_status.c - the exit record; see exit_status.h. */
#include "runtime/exit_status.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "runtime/record.h"

int64_t rt_now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

static int write_status(const char *path, rt_exit_status *status, bool durable, wc_error *err)
{
    if (status->reason[0] == 0)
        snprintf(status->reason, sizeof status->reason, "%s",
                 status->exit_code == 0 ? "Completed" : "Error");
    if (status->finished_ns == 0)
        status->finished_ns = rt_now_ns();
    rt_record record = { 0 };
    rt_record_add_int(&record, "exit_code", status->exit_code);
    rt_record_add_int(&record, "finished", status->finished_ns);
    rt_record_add_string(&record, "reason", status->reason);
    rt_record_add_string(&record, "message", status->message);
    int rc = rt_record_write(&record, path, durable, err);
    rt_record_free(&record);
    return rc;
}

int rt_exit_status_write(const char *path, rt_exit_status *status, wc_error *err)
{
    return write_status(path, status, true, err);
}

int rt_exit_status_write_nosync(const char *path, rt_exit_status *status, wc_error *err)
{
    return write_status(path, status, false, err);
}

static int visit_exit(const char *key, size_t count, char **fields, void *data, wc_error *err)
{
    rt_exit_status *status = data;
    const char *value = count > 0 ? fields[0] : "";
    int64_t number = 0;
    if (strcmp(key, "exit_code") == 0 || strcmp(key, "finished") == 0) {
        if (!rt_record_parse_int(value, &number))
            return wc_error_set(err, WC_EMALFORMED, "bad %s '%s'", key, value);
        if (key[0] == 'e')
            status->exit_code = (int)number;
        else
            status->finished_ns = number;
    } else if (strcmp(key, "reason") == 0) {
        snprintf(status->reason, sizeof status->reason, "%s", value);
    } else if (strcmp(key, "message") == 0) {
        snprintf(status->message, sizeof status->message, "%s", value);
    }
    return 0;
}

int rt_exit_status_read(const char *path, rt_exit_status *out, wc_error *err)
{
    *out = (rt_exit_status){ 0 };
    return rt_record_read(path, visit_exit, out, err);
}
