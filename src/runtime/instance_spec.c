/* instance_spec.c - the shim's input file; see instance_spec.h. */
#include "runtime/instance_spec.h"

#include <stdlib.h>
#include <string.h>

#include "runtime/record.h"

static int push_string(char ***array, size_t *count, const char *value)
{
    char *copy = strdup(value);
    char **bigger = copy ? realloc(*array, (*count + 2) * sizeof **array) : NULL;
    if (bigger == NULL) {
        free(copy);
        return -1;
    }
    bigger[(*count)++] = copy;
    bigger[*count] = NULL; /* kept NULL-terminated for exec-style consumers */
    *array = bigger;
    return 0;
}

int rt_instance_spec_add_arg(rt_instance_spec *spec, const char *arg)
{
    return push_string(&spec->argv, &spec->argc, arg);
}

int rt_instance_spec_add_env(rt_instance_spec *spec, const char *key_value)
{
    return push_string(&spec->env, &spec->env_count, key_value);
}

int rt_instance_spec_add_preopen(rt_instance_spec *spec, const char *guest_path,
                                 const char *host_path, bool read_only)
{
    rt_preopen *bigger = realloc(spec->preopens, (spec->preopen_count + 1) * sizeof *bigger);
    if (bigger == NULL)
        return -1;
    spec->preopens = bigger;
    rt_preopen *p = &bigger[spec->preopen_count];
    p->guest_path = strdup(guest_path);
    p->host_path = strdup(host_path);
    p->read_only = read_only;
    spec->preopen_count++;
    return p->guest_path && p->host_path ? 0 : -1;
}

static void spec_record(const rt_instance_spec *spec, rt_record *record)
{
    rt_record_add_string(record, "module", spec->module_path);
    for (size_t i = 0; i < spec->argc; i++)
        rt_record_add_string(record, "arg", spec->argv[i]);
    for (size_t i = 0; i < spec->env_count; i++)
        rt_record_add_string(record, "env", spec->env[i]);
    for (size_t i = 0; i < spec->preopen_count; i++) {
        const rt_preopen *p = &spec->preopens[i];
        const char *fields[3] = { p->guest_path, p->host_path, p->read_only ? "ro" : "rw" };
        rt_record_add(record, "preopen", 3, fields);
    }
    if (spec->working_dir)
        rt_record_add_string(record, "cwd", spec->working_dir);
    if (spec->log_path)
        rt_record_add_string(record, "log", spec->log_path);
    rt_record_add_int(record, "max_memory_pages", spec->max_memory_pages);
}

int rt_instance_spec_format(const rt_instance_spec *spec, char **text, size_t *length,
                            wc_error *err)
{
    rt_record record = { 0 };
    spec_record(spec, &record);
    if (record.failed || record.text == NULL) {
        rt_record_free(&record);
        return wc_error_set(err, WC_ERESOURCE, "instance spec: out of memory");
    }
    *text = record.text;
    *length = record.length;
    return 0;
}

static int replace(char **slot, const char *value)
{
    free(*slot);
    *slot = strdup(value);
    return *slot ? 0 : -1;
}

static int visit_spec(const char *key, size_t count, char **fields, void *data, wc_error *err)
{
    rt_instance_spec *spec = data;
    int rc = 0;
    if (count < 1)
        return wc_error_set(err, WC_EMALFORMED, "entry %s has no value", key);
    if (strcmp(key, "module") == 0)
        rc = replace(&spec->module_path, fields[0]);
    else if (strcmp(key, "arg") == 0)
        rc = rt_instance_spec_add_arg(spec, fields[0]);
    else if (strcmp(key, "env") == 0)
        rc = rt_instance_spec_add_env(spec, fields[0]);
    else if (strcmp(key, "preopen") == 0) {
        if (count < 3)
            return wc_error_set(err, WC_EMALFORMED, "preopen needs 3 fields");
        rc = rt_instance_spec_add_preopen(spec, fields[0], fields[1],
                                          strcmp(fields[2], "ro") == 0);
    } else if (strcmp(key, "cwd") == 0)
        rc = replace(&spec->working_dir, fields[0]);
    else if (strcmp(key, "log") == 0)
        rc = replace(&spec->log_path, fields[0]);
    else if (strcmp(key, "max_memory_pages") == 0) {
        int64_t pages = 0;
        if (!rt_record_parse_int(fields[0], &pages) || pages < 0 || pages > 65536)
            return wc_error_set(err, WC_EMALFORMED, "bad max_memory_pages %s", fields[0]);
        spec->max_memory_pages = (uint32_t)pages;
    }
    /* Unknown keys are skipped: a newer daemon may add some. */
    return rc < 0 ? wc_error_set(err, WC_ERESOURCE, "out of memory") : 0;
}

static int check_spec(rt_instance_spec *out, wc_error *err)
{
    if (out->module_path == NULL) {
        rt_instance_spec_clear(out);
        return wc_error_set(err, WC_EMALFORMED, "instance spec names no module");
    }
    return 0;
}

int rt_instance_spec_read(const char *path, rt_instance_spec *out, wc_error *err)
{
    *out = (rt_instance_spec){ 0 };
    if (rt_record_read(path, visit_spec, out, err) < 0) {
        rt_instance_spec_clear(out);
        return -1;
    }
    return check_spec(out, err);
}

int rt_instance_spec_parse(char *text, rt_instance_spec *out, wc_error *err)
{
    *out = (rt_instance_spec){ 0 };
    if (rt_record_parse(text, visit_spec, out, err) < 0) {
        rt_instance_spec_clear(out);
        return wc_error_prefix(err, "instance spec");
    }
    return check_spec(out, err);
}

void rt_instance_spec_clear(rt_instance_spec *spec)
{
    free(spec->module_path);
    for (size_t i = 0; i < spec->argc; i++)
        free(spec->argv[i]);
    free(spec->argv);
    for (size_t i = 0; i < spec->env_count; i++)
        free(spec->env[i]);
    free(spec->env);
    for (size_t i = 0; i < spec->preopen_count; i++) {
        free(spec->preopens[i].guest_path);
        free(spec->preopens[i].host_path);
    }
    free(spec->preopens);
    free(spec->working_dir);
    free(spec->log_path);
    *spec = (rt_instance_spec){ 0 };
}
