/* record.c - escaped, tab-separated text records; see record.h. */
#include "runtime/record.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/file.h"

static void append(rt_record *record, const char *data, size_t length)
{
    if (record->failed)
        return;
    if (record->length + length + 1 > record->capacity) {
        size_t capacity = record->capacity ? record->capacity : 256;
        while (record->length + length + 1 > capacity)
            capacity *= 2;
        char *bigger = realloc(record->text, capacity);
        if (bigger == NULL) {
            record->failed = true;
            return;
        }
        record->text = bigger;
        record->capacity = capacity;
    }
    memcpy(record->text + record->length, data, length);
    record->length += length;
    record->text[record->length] = 0;
}

static void append_escaped(rt_record *record, const char *value)
{
    for (const char *p = value; *p; p++) {
        switch (*p) {
        case '\\': append(record, "\\\\", 2); break;
        case '\t': append(record, "\\t", 2); break;
        case '\n': append(record, "\\n", 2); break;
        default: append(record, p, 1); break;
        }
    }
}

void rt_record_add(rt_record *record, const char *key, size_t field_count,
                   const char *const *fields)
{
    append_escaped(record, key);
    for (size_t i = 0; i < field_count; i++) {
        append(record, "\t", 1);
        append_escaped(record, fields[i] ? fields[i] : "");
    }
    append(record, "\n", 1);
}

void rt_record_add_string(rt_record *record, const char *key, const char *value)
{
    rt_record_add(record, key, 1, &value);
}

void rt_record_add_int(rt_record *record, const char *key, int64_t value)
{
    char text[32];
    snprintf(text, sizeof text, "%" PRId64, value);
    const char *field = text;
    rt_record_add(record, key, 1, &field);
}

int rt_record_write(const rt_record *record, const char *path, bool durable, wc_error *err)
{
    if (record->failed)
        return wc_error_set(err, WC_ERESOURCE, "write %s: out of memory", path);
    if (durable)
        return wc_write_file_atomic(path, record->text ? record->text : "", record->length, 0600,
                                    err);
    /* Not durable: still atomic for readers (rename), without the fsync cost on the hot path. */
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return wc_error_set(err, WC_EINVAL, "path too long: %s", path);
    cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return wc_error_set_errno(err, errno, "create %s", tmp);
    size_t done = 0;
    while (done < record->length) {
        ssize_t n = write(fd, record->text + done, record->length - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int saved = errno;
            unlink(tmp);
            return wc_error_set_errno(err, saved, "write %s", tmp);
        }
        done += (size_t)n;
    }
    if (rename(tmp, path) < 0) {
        int saved = errno;
        unlink(tmp);
        return wc_error_set_errno(err, saved, "rename %s", path);
    }
    return 0;
}

void rt_record_free(rt_record *record)
{
    free(record->text);
    *record = (rt_record){ 0 };
}

/* Unescapes in place. */
static void unescape(char *text)
{
    char *out = text;
    for (char *p = text; *p; p++) {
        if (*p == '\\' && p[1]) {
            p++;
            *out++ = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p;
        } else {
            *out++ = *p;
        }
    }
    *out = 0;
}

int rt_record_parse(char *text, rt_record_visitor visit, void *data, wc_error *err)
{
    char *line = text;
    size_t field_capacity = 8;
    cleanup_free char **fields = malloc(field_capacity * sizeof *fields);
    if (fields == NULL)
        return wc_error_set(err, WC_ERESOURCE, "record: out of memory");
    while (*line) {
        char *end = strchr(line, '\n');
        if (end == NULL)
            return wc_error_set(err, WC_EMALFORMED, "record: truncated line");
        *end = 0;
        size_t count = 0;
        char *key = line;
        char *tab = strchr(line, '\t');
        while (tab != NULL) {
            *tab = 0;
            if (count == field_capacity) {
                char **bigger = realloc(fields, 2 * field_capacity * sizeof *fields);
                if (bigger == NULL)
                    return wc_error_set(err, WC_ERESOURCE, "record: out of memory");
                fields = bigger;
                field_capacity *= 2;
            }
            fields[count++] = tab + 1;
            tab = strchr(tab + 1, '\t');
        }
        unescape(key);
        for (size_t i = 0; i < count; i++)
            unescape(fields[i]);
        if (visit(key, count, fields, data, err) < 0)
            return -1;
        line = end + 1;
    }
    return 0;
}

int rt_record_read(const char *path, rt_record_visitor visit, void *data, wc_error *err)
{
    cleanup_free uint8_t *bytes = NULL;
    size_t length = 0;
    if (wc_read_file(path, &bytes, &length, err) < 0)
        return -1;
    if (rt_record_parse((char *)bytes, visit, data, err) < 0)
        return wc_error_prefix(err, "%s", path);
    return 0;
}

bool rt_record_parse_int(const char *text, int64_t *out)
{
    if (text == NULL || *text == 0)
        return false;
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (errno != 0 || *end != 0)
        return false;
    *out = value;
    return true;
}
