/* output.c - crictl's output formats: protobuf messages as JSON (as Go's jsonpb prints them
 * with EmitDefaults) and that JSON as YAML (sorted keys, as sigs.k8s.io/yaml prints it). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crictl/crictl.h"

int crictl_format_parse(const char *text, crictl_format *out, wc_error *err)
{
    if (strcmp(text, "json") == 0)
        *out = CRICTL_JSON;
    else if (strcmp(text, "yaml") == 0)
        *out = CRICTL_YAML;
    else if (strcmp(text, "table") == 0)
        *out = CRICTL_TABLE;
    else
        return wc_error_set(err, WC_EINVAL, "unsupported output format \"%s\" (json, yaml, table)",
                            text);
    return 0;
}

/* "repo_tags" -> "repoTags", as protoc's json_name does. */
static void json_name(const char *name, char *out, size_t size)
{
    size_t j = 0;
    bool upper = false;
    for (const char *c = name; *c != '\0' && j + 1 < size; c++) {
        if (*c == '_') {
            upper = true;
            continue;
        }
        out[j++] = upper ? (char)toupper((unsigned char)*c) : *c;
        upper = false;
    }
    out[j] = '\0';
}

static json_t *base64(const uint8_t *data, size_t length)
{
    static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc((length + 2) / 3 * 4 + 1);
    if (out == NULL)
        return json_null();
    size_t j = 0;
    for (size_t i = 0; i < length; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16;
        if (i + 1 < length)
            v |= (uint32_t)data[i + 1] << 8;
        if (i + 2 < length)
            v |= data[i + 2];
        out[j++] = table[v >> 18 & 63];
        out[j++] = table[v >> 12 & 63];
        out[j++] = i + 1 < length ? table[v >> 6 & 63] : '=';
        out[j++] = i + 2 < length ? table[v & 63] : '=';
    }
    out[j] = '\0';
    json_t *value = json_string(out);
    free(out);
    return value;
}

static json_t *scalar_json(const ProtobufCFieldDescriptor *field, const void *slot)
{
    char text[32];
    switch (field->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32: return json_integer(*(const int32_t *)slot);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32: return json_integer(*(const uint32_t *)slot);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        snprintf(text, sizeof text, "%" PRId64, *(const int64_t *)slot);
        return json_string(text);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        snprintf(text, sizeof text, "%" PRIu64, *(const uint64_t *)slot);
        return json_string(text);
    case PROTOBUF_C_TYPE_FLOAT: return json_real(*(const float *)slot);
    case PROTOBUF_C_TYPE_DOUBLE: return json_real(*(const double *)slot);
    case PROTOBUF_C_TYPE_BOOL: return json_boolean(*(const protobuf_c_boolean *)slot);
    case PROTOBUF_C_TYPE_ENUM: {
        int value = *(const int *)slot;
        const ProtobufCEnumValue *named =
            protobuf_c_enum_descriptor_get_value(field->descriptor, value);
        return named != NULL ? json_string(named->name) : json_integer(value);
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)slot;
        return json_string(s != NULL ? s : "");
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = slot;
        return base64(b->data, b->len);
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *m = *(ProtobufCMessage *const *)slot;
        return m != NULL ? crictl_message_json(m) : json_null();
    }
    }
    return json_null();
}

static size_t scalar_size(const ProtobufCFieldDescriptor *field)
{
    switch (field->type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: return 8;
    case PROTOBUF_C_TYPE_DOUBLE: return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM: return sizeof(int);
    case PROTOBUF_C_TYPE_STRING: return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(ProtobufCMessage *);
    default: return 4;
    }
}

/* protoc-c turns map<K,V> into repeated XxxEntry {key = 1; value = 2}. */
static bool is_map_entry(const ProtobufCMessageDescriptor *d)
{
    size_t n = strlen(d->name);
    return n > 5 && strcmp(d->name + n - 5, "Entry") == 0 && d->n_fields == 2
           && strcmp(d->fields[0].name, "key") == 0 && strcmp(d->fields[1].name, "value") == 0;
}

json_t *crictl_message_json(const ProtobufCMessage *message)
{
    const ProtobufCMessageDescriptor *d = message->descriptor;
    json_t *object = json_object();
    const char *base = (const char *)message;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &d->fields[i];
        char name[128];
        json_name(field->name, name, sizeof name);
        json_t *value;
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + field->quantifier_offset);
            const char *array = *(char *const *)(base + field->offset);
            bool map = field->type == PROTOBUF_C_TYPE_MESSAGE && is_map_entry(field->descriptor);
            value = map ? json_object() : json_array();
            for (size_t k = 0; k < n; k++) {
                const void *slot = array + k * scalar_size(field);
                if (map) {
                    const ProtobufCMessage *entry = *(ProtobufCMessage *const *)slot;
                    const ProtobufCMessageDescriptor *ed = entry->descriptor;
                    const char *key = *(char *const *)((const char *)entry + ed->fields[0].offset);
                    json_object_set_new(value, key != NULL ? key : "",
                                        scalar_json(&ed->fields[1],
                                                    (const char *)entry + ed->fields[1].offset));
                } else {
                    json_array_append_new(value, scalar_json(field, slot));
                }
            }
        } else {
            value = scalar_json(field, base + field->offset);
        }
        json_object_set_new(object, name, value);
    }
    return object;
}

void crictl_add_info(json_t *object, size_t n_info, crictl_map_entry *const *info)
{
    for (size_t i = 0; i < n_info; i++) {
        json_t *parsed = json_loads(info[i]->value, JSON_DECODE_ANY, NULL);
        json_object_set_new(object, info[i]->key,
                            parsed != NULL ? parsed : json_string(info[i]->value));
    }
}

/* ---- YAML ------------------------------------------------------------------------------------- */

static bool plain_safe(const char *s)
{
    if (s[0] == '\0' || isspace((unsigned char)s[0]) || isspace((unsigned char)s[strlen(s) - 1]))
        return false;
    if (strchr("-?:,[]{}#&*!|>'\"%@`~", s[0]) != NULL)
        return false;
    static const char *const reserved[] = {"true", "false", "null", "yes", "no", "on", "off",
                                           "y", "n", "True", "False", "Null", "NULL", "~"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcmp(s, reserved[i]) == 0)
            return false;
    char *end;
    strtod(s, &end);
    if (*end == '\0')
        return false; /* would read back as a number */
    for (const char *c = s; *c != '\0'; c++) {
        if ((unsigned char)*c < 0x20 || *c == '\x7f')
            return false;
        if ((c[0] == ':' && (c[1] == ' ' || c[1] == '\0')) || (c[0] == ' ' && c[1] == '#'))
            return false;
    }
    return true;
}

static void yaml_string(FILE *out, const char *s)
{
    if (plain_safe(s)) {
        fputs(s, out);
        return;
    }
    json_t *quoted = json_string(s);
    char *text = json_dumps(quoted, JSON_ENCODE_ANY);
    fputs(text != NULL ? text : "\"\"", out);
    free(text);
    json_decref(quoted);
}

static void yaml_scalar(FILE *out, json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_STRING: yaml_string(out, json_string_value(value)); break;
    case JSON_INTEGER: fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(value)); break;
    case JSON_REAL: fprintf(out, "%.17g", json_real_value(value)); break;
    case JSON_TRUE: fputs("true", out); break;
    case JSON_FALSE: fputs("false", out); break;
    case JSON_NULL: fputs("null", out); break;
    case JSON_OBJECT: fputs("{}", out); break;
    case JSON_ARRAY: fputs("[]", out); break;
    }
}

static bool is_collection(json_t *value)
{
    return (json_is_object(value) && json_object_size(value) > 0)
           || (json_is_array(value) && json_array_size(value) > 0);
}

static int compare_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void yaml_value(FILE *out, json_t *value, int indent, bool first_inline);

/* Writes the entries of a non-empty object; the first one continues the current line when
 * first_inline (inside "- "). */
static void yaml_object(FILE *out, json_t *object, int indent, bool first_inline)
{
    size_t n = json_object_size(object);
    const char **keys = malloc(n * sizeof *keys);
    if (keys == NULL)
        return;
    size_t i = 0;
    const char *key;
    json_t *value;
    json_object_foreach(object, key, value) keys[i++] = key;
    qsort(keys, n, sizeof *keys, compare_keys);
    for (i = 0; i < n; i++) {
        if (!(first_inline && i == 0))
            fprintf(out, "%*s", indent, "");
        yaml_string(out, keys[i]);
        fputc(':', out);
        value = json_object_get(object, keys[i]);
        if (is_collection(value)) {
            fputc('\n', out);
            /* Lists sit at the key's indentation, as go-yaml writes them. */
            yaml_value(out, value, json_is_array(value) ? indent : indent + 2, false);
        } else {
            fputc(' ', out);
            yaml_scalar(out, value);
            fputc('\n', out);
        }
    }
    free(keys);
}

static void yaml_value(FILE *out, json_t *value, int indent, bool first_inline)
{
    if (json_is_object(value) && json_object_size(value) > 0) {
        yaml_object(out, value, indent, first_inline);
    } else if (json_is_array(value) && json_array_size(value) > 0) {
        size_t i;
        json_t *item;
        json_array_foreach(value, i, item) {
            if (!(first_inline && i == 0))
                fprintf(out, "%*s", indent, "");
            fputs("- ", out);
            if (is_collection(item)) {
                yaml_value(out, item, indent + 2, true);
            } else {
                yaml_scalar(out, item);
                fputc('\n', out);
            }
        }
    } else {
        if (!first_inline)
            fprintf(out, "%*s", indent, "");
        yaml_scalar(out, value);
        fputc('\n', out);
    }
}

int crictl_print_json(json_t *value, crictl_format format)
{
    if (format == CRICTL_YAML) {
        yaml_value(stdout, value, 0, false);
        return 0;
    }
    char *text = json_dumps(value, JSON_INDENT(2) | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
    if (text == NULL)
        return -1;
    puts(text);
    free(text);
    return 0;
}
