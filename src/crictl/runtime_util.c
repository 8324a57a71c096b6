/* runtime_util.c - shared helpers of the pod and container commands; see runtime_util.h. */
#include "crictl/runtime_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void crictl_table_init(crictl_table *table, size_t columns)
{
    *table = (crictl_table){ .columns = columns };
}

void crictl_table_row(crictl_table *table, const char *const *cells)
{
    char **bigger = realloc(table->cells, (table->rows + 1) * table->columns * sizeof *bigger);
    if (bigger == NULL)
        return;
    table->cells = bigger;
    for (size_t i = 0; i < table->columns; i++)
        bigger[table->rows * table->columns + i] = strdup(cells[i] ? cells[i] : "");
    table->rows++;
}

void crictl_table_print(crictl_table *table)
{
    size_t widths[16] = { 0 };
    for (size_t r = 0; r < table->rows; r++)
        for (size_t c = 0; c < table->columns && c < 16; c++) {
            const char *cell = table->cells[r * table->columns + c];
            size_t length = cell ? strlen(cell) : 0;
            if (length + 3 > widths[c])
                widths[c] = length + 3;
        }
    for (size_t r = 0; r < table->rows; r++) {
        for (size_t c = 0; c < table->columns; c++) {
            const char *cell = table->cells[r * table->columns + c];
            cell = cell ? cell : "";
            if (c + 1 == table->columns) {
                printf("%s", cell);
            } else {
                size_t width = widths[c] < 20 ? 20 : widths[c];
                printf("%-*s", (int)width, cell);
            }
        }
        putchar('\n');
    }
}

void crictl_table_free(crictl_table *table)
{
    for (size_t i = 0; i < table->rows * table->columns; i++)
        free(table->cells[i]);
    free(table->cells);
    *table = (crictl_table){ 0 };
}

void crictl_ago(int64_t unix_ns, char *out, size_t size)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t seconds = ((int64_t)now.tv_sec * 1000000000 + now.tv_nsec - unix_ns) / 1000000000;
    int64_t minutes = seconds / 60, hours = minutes / 60, days = hours / 24;
    /* go-units HumanDuration */
    if (seconds < 1)
        snprintf(out, size, "Less than a second ago");
    else if (seconds == 1)
        snprintf(out, size, "1 second ago");
    else if (seconds < 60)
        snprintf(out, size, "%lld seconds ago", (long long)seconds);
    else if (minutes == 1)
        snprintf(out, size, "About a minute ago");
    else if (minutes < 60)
        snprintf(out, size, "%lld minutes ago", (long long)minutes);
    else if (hours == 1)
        snprintf(out, size, "About an hour ago");
    else if (hours < 48)
        snprintf(out, size, "%lld hours ago", (long long)hours);
    else if (days < 14)
        snprintf(out, size, "%lld days ago", (long long)days);
    else if (days < 60)
        snprintf(out, size, "%lld weeks ago", (long long)(days / 7));
    else if (days < 730)
        snprintf(out, size, "%lld months ago", (long long)(days / 30));
    else
        snprintf(out, size, "%lld years ago", (long long)(days / 365));
}

void crictl_human_size(uint64_t bytes, int precision, char *out, size_t size)
{
    static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
    double value = (double)bytes;
    size_t unit = 0;
    while (value >= 1000 && unit + 1 < sizeof units / sizeof units[0]) {
        value /= 1000;
        unit++;
    }
    snprintf(out, size, "%.*g%s", precision, value, units[unit]);
}

const char *crictl_short_id(const char *id, bool no_trunc, char out[14])
{
    if (no_trunc)
        return id;
    snprintf(out, 14, "%s", id);
    return out;
}

const char *crictl_container_state_name(int state)
{
    switch (state) {
    case RUNTIME__V1__CONTAINER_STATE__CONTAINER_CREATED: return "Created";
    case RUNTIME__V1__CONTAINER_STATE__CONTAINER_RUNNING: return "Running";
    case RUNTIME__V1__CONTAINER_STATE__CONTAINER_EXITED: return "Exited";
    default: return "Unknown";
    }
}

const char *crictl_pod_state_name(int state)
{
    return state == RUNTIME__V1__POD_SANDBOX_STATE__SANDBOX_READY ? "Ready" : "NotReady";
}

int crictl_print_status(const ProtobufCMessage *status, size_t n_info,
                        crictl_map_entry *const *info, crictl_format format)
{
    json_t *out = json_object();
    json_object_set_new(out, "status", status ? crictl_message_json(status) : json_null());
    if (n_info > 0)
        crictl_add_info(out, n_info, info);
    int rc = crictl_print_json(out, format == CRICTL_TABLE ? CRICTL_JSON : format) < 0 ? 1 : 0;
    json_decref(out);
    return rc;
}

int crictl_add_label(crictl_arena *arena, const ProtobufCMessageDescriptor *descriptor,
                     crictl_map_entry ***labels, size_t *count, const char *text, wc_error *err)
{
    const char *eq = strchr(text, '=');
    if (eq == NULL)
        return wc_error_set(err, WC_EINVAL, "--label %s: expected key=value", text);
    crictl_map_entry *entry = crictl_arena_alloc(arena, descriptor->sizeof_message);
    crictl_map_entry **bigger = crictl_arena_alloc(arena, (*count + 1) * sizeof *bigger);
    if (entry == NULL || bigger == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    protobuf_c_message_init(descriptor, entry);
    entry->key = crictl_arena_alloc(arena, (size_t)(eq - text) + 1);
    if (entry->key == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    memcpy(entry->key, text, (size_t)(eq - text));
    entry->value = (char *)eq + 1;
    if (*count)
        memcpy(bigger, *labels, *count * sizeof *bigger);
    bigger[(*count)++] = entry;
    *labels = bigger;
    return 0;
}
