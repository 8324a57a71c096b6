/* cgroup.h - CPU limits of instances through cgroups: the v2 `cpu` controller where the
 * unified hierarchy offers it, else the v1 `cpu` hierarchy; nothing (and no error for the
 * start) where neither can be used, e.g. without privileges.
 *
 * Each limited instance's shim goes into ROOT/wasmcri/<container id> before it receives its
 * instance, so the module never runs unlimited. */
#ifndef WASMCRI_RUNTIME_CGROUP_H
#define WASMCRI_RUNTIME_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

typedef struct rt_cpu_limits {
    int64_t quota_us;   /* CFS quota per period; <= 0: no quota */
    int64_t period_us;  /* 0: 100000 */
    int64_t shares;     /* relative weight as CRI gives it (cgroup v1 shares); 0: default */
} rt_cpu_limits;

typedef struct rt_cgroups {
    char *root;         /* the cpu hierarchy's mount point, or NULL when unusable */
    int version;        /* 1 or 2 */
} rt_cgroups;

/* Finds a usable cpu hierarchy (reads /proc/self/mountinfo); leaves root NULL when none. */
void rt_cgroups_detect(rt_cgroups *cgroups);
void rt_cgroups_free(rt_cgroups *cgroups);
bool rt_cpu_limits_set(const rt_cpu_limits *limits);

/* Creates the instance's cgroup with the limits and moves pid into it. */
int rt_cgroup_place(const rt_cgroups *cgroups, const char *id, pid_t pid,
                    const rt_cpu_limits *limits, wc_error *err);
/* Changes the limits of an existing instance cgroup. */
int rt_cgroup_update(const rt_cgroups *cgroups, const char *id, const rt_cpu_limits *limits,
                     wc_error *err);
/* Removes the (empty) instance cgroup; nothing when there is none. */
void rt_cgroup_remove(const rt_cgroups *cgroups, const char *id);

#endif
