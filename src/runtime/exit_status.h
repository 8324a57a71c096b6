/* exit_status.h - how an instance ended, recorded durably in its directory by the shim (or by
 * the daemon when the shim was killed), so it survives a daemon restart. */
#ifndef WASMCRI_RUNTIME_EXIT_STATUS_H
#define WASMCRI_RUNTIME_EXIT_STATUS_H

#include <stdint.h>

#include "util/error.h"

typedef struct rt_exit_status {
    int exit_code;
    int64_t finished_ns;   /* CLOCK_REALTIME */
    char reason[32];       /* Completed, Error, OOMKilled */
    char message[512];     /* the trap text, or why the module could not run */
} rt_exit_status;

/* Fills reason from exit_code (Completed for 0, Error otherwise) and finished_ns from now when
 * they are empty, then writes the record atomically and durably. */
int rt_exit_status_write(const char *path, rt_exit_status *status, wc_error *err);
/* The same, atomic but without waiting for the disk: for the daemon's event loop, which then
 * has the fsync done on its thread pool. */
int rt_exit_status_write_nosync(const char *path, rt_exit_status *status, wc_error *err);
/* WC_ENOTFOUND when there is no record yet. */
int rt_exit_status_read(const char *path, rt_exit_status *out, wc_error *err);

int64_t rt_now_ns(void);

#endif
