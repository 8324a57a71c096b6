/* cgroup.c - CPU limits through cgroup v2 or v1; see cgroup.h. */
#include "runtime/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"

/* Writes text to ROOT/wasmcri[/ID]/FILE. */
static int write_knob(const rt_cgroups *cgroups, const char *id, const char *file,
                      const char *text, wc_error *err)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/wasmcri%s%s/%s", cgroups->root, id ? "/" : "",
                         id ? id : "", file) >= sizeof path)
        return wc_error_set(err, WC_EINVAL, "cgroup path too long");
    cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return wc_error_set_errno(err, errno, "cgroup %s", path);
    size_t length = strlen(text);
    if (write(fd, text, length) != (ssize_t)length)
        return wc_error_set_errno(err, errno, "cgroup %s: write '%s'", path, text);
    return 0;
}

static bool has_word(const char *list, const char *word)
{
    size_t length = strlen(word);
    for (const char *p = list; (p = strstr(p, word)) != NULL; p += length) {
        bool starts = p == list || p[-1] == ',' || p[-1] == ' ';
        bool ends = p[length] == 0 || p[length] == ',' || p[length] == ' ' || p[length] == '\n';
        if (starts && ends)
            return true;
    }
    return false;
}

static bool v2_offers_cpu(const char *mount)
{
    char path[4096], line[512] = "";
    if ((size_t)snprintf(path, sizeof path, "%s/cgroup.controllers", mount) >= sizeof path)
        return false;
    cleanup_fclose FILE *file = fopen(path, "re");
    return file && fgets(line, sizeof line, file) && has_word(line, "cpu");
}

void rt_cgroups_detect(rt_cgroups *cgroups)
{
    *cgroups = (rt_cgroups){ 0 };
    cleanup_fclose FILE *mounts = fopen("/proc/self/mountinfo", "re");
    if (mounts == NULL)
        return;
    char line[4096], v1[4096] = "";
    while (fgets(line, sizeof line, mounts)) {
        /* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ... - FSTYPE SOURCE SUPER_OPTIONS */
        char mount_point[4096];
        if (sscanf(line, "%*s %*s %*s %*s %4095s", mount_point) != 1)
            continue;
        const char *separator = strstr(line, " - ");
        if (separator == NULL)
            continue;
        char fstype[64], source[256], options[1024] = "";
        if (sscanf(separator + 3, "%63s %255s %1023s", fstype, source, options) < 2)
            continue;
        if (strcmp(fstype, "cgroup2") == 0 && v2_offers_cpu(mount_point)) {
            cgroups->root = strdup(mount_point);
            cgroups->version = 2;
            break;
        }
        if (strcmp(fstype, "cgroup") == 0 && has_word(options, "cpu") && v1[0] == 0)
            snprintf(v1, sizeof v1, "%s", mount_point);
    }
    if (cgroups->root == NULL && v1[0]) {
        cgroups->root = strdup(v1);
        cgroups->version = 1;
    }
    if (cgroups->root == NULL)
        return;
    /* The parent of every instance cgroup; v2 needs the controller enabled down to it. */
    char path[4096];
    wc_error err = { 0 };
    if ((size_t)snprintf(path, sizeof path, "%s/wasmcri", cgroups->root) >= sizeof path) {
        rt_cgroups_free(cgroups);
        return;
    }
    if ((mkdir(path, 0755) < 0 && errno != EEXIST)
        || (cgroups->version == 2
            && (write_knob(cgroups, NULL, "../cgroup.subtree_control", "+cpu", &err) < 0
                || write_knob(cgroups, NULL, "cgroup.subtree_control", "+cpu", &err) < 0)))
        rt_cgroups_free(cgroups); /* not ours to use (no privileges, not delegated) */
}

void rt_cgroups_free(rt_cgroups *cgroups)
{
    free(cgroups->root);
    *cgroups = (rt_cgroups){ 0 };
}

bool rt_cpu_limits_set(const rt_cpu_limits *limits)
{
    return limits->quota_us > 0 || limits->shares > 0;
}

static int apply(const rt_cgroups *cgroups, const char *id, const rt_cpu_limits *limits,
                 wc_error *err)
{
    int64_t period = limits->period_us > 0 ? limits->period_us : 100000;
    char text[64];
    if (cgroups->version == 2) {
        if (limits->quota_us > 0)
            snprintf(text, sizeof text, "%lld %lld", (long long)limits->quota_us,
                     (long long)period);
        else
            snprintf(text, sizeof text, "max %lld", (long long)period);
        if (write_knob(cgroups, id, "cpu.max", text, err) < 0)
            return -1;
        if (limits->shares > 0) {
            /* The conversion kubelet and runc use: shares [2, 262144] -> weight [1, 10000]. */
            int64_t shares = limits->shares < 2 ? 2 : limits->shares > 262144 ? 262144 : limits->shares;
            snprintf(text, sizeof text, "%lld", (long long)(1 + ((shares - 2) * 9999) / 262142));
            return write_knob(cgroups, id, "cpu.weight", text, err);
        }
        return 0;
    }
    snprintf(text, sizeof text, "%lld", (long long)period);
    if (write_knob(cgroups, id, "cpu.cfs_period_us", text, err) < 0)
        return -1;
    snprintf(text, sizeof text, "%lld", limits->quota_us > 0 ? (long long)limits->quota_us : -1LL);
    if (write_knob(cgroups, id, "cpu.cfs_quota_us", text, err) < 0)
        return -1;
    if (limits->shares > 0) {
        snprintf(text, sizeof text, "%lld", (long long)limits->shares);
        return write_knob(cgroups, id, "cpu.shares", text, err);
    }
    return 0;
}

int rt_cgroup_place(const rt_cgroups *cgroups, const char *id, pid_t pid,
                    const rt_cpu_limits *limits, wc_error *err)
{
    if (cgroups->root == NULL)
        return wc_error_set(err, WC_EUNIMPLEMENTED, "no usable cpu cgroup hierarchy");
    char path[4096], text[32];
    if ((size_t)snprintf(path, sizeof path, "%s/wasmcri/%s", cgroups->root, id) >= sizeof path)
        return wc_error_set(err, WC_EINVAL, "cgroup path too long");
    if (mkdir(path, 0755) < 0 && errno != EEXIST)
        return wc_error_set_errno(err, errno, "cgroup %s", path);
    snprintf(text, sizeof text, "%d", (int)pid);
    if (apply(cgroups, id, limits, err) < 0 || write_knob(cgroups, id, "cgroup.procs", text, err) < 0) {
        rmdir(path);
        return -1;
    }
    return 0;
}

int rt_cgroup_update(const rt_cgroups *cgroups, const char *id, const rt_cpu_limits *limits,
                     wc_error *err)
{
    if (cgroups->root == NULL)
        return wc_error_set(err, WC_EUNIMPLEMENTED, "no usable cpu cgroup hierarchy");
    return apply(cgroups, id, limits, err);
}

void rt_cgroup_remove(const rt_cgroups *cgroups, const char *id)
{
    if (cgroups->root == NULL)
        return;
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/wasmcri/%s", cgroups->root, id) < sizeof path)
        rmdir(path);
}
