/* config_file.c - crictl's pod and container config files (JSON or YAML, as crictl reads
 * them: proto field names in snake_case, camelCase accepted too) turned into CRI messages by
 * walking the message descriptors, so every field of the schema is understood. */
#include "crictl/config_file.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/cleanup.h"
#include "util/file.h"

/* ---- the arena that owns a built message ------------------------------------------- */

void *crictl_arena_alloc(crictl_arena *arena, size_t size)
{
    if (arena->count == arena->capacity) {
        size_t capacity = arena->capacity ? 2 * arena->capacity : 32;
        void **bigger = realloc(arena->blocks, capacity * sizeof *bigger);
        if (bigger == NULL)
            return NULL;
        arena->blocks = bigger;
        arena->capacity = capacity;
    }
    void *block = calloc(1, size ? size : 1);
    if (block != NULL)
        arena->blocks[arena->count++] = block;
    return block;
}

char *crictl_arena_strdup(crictl_arena *arena, const char *text)
{
    size_t length = strlen(text);
    char *copy = crictl_arena_alloc(arena, length + 1);
    if (copy)
        memcpy(copy, text, length + 1);
    return copy;
}

void crictl_arena_free(crictl_arena *arena)
{
    for (size_t i = 0; i < arena->count; i++)
        free(arena->blocks[i]);
    free(arena->blocks);
    *arena = (crictl_arena){ 0 };
}

/* ---- YAML -> JSON ------------------------------------------------------------------- */

/* A plain YAML scalar typed as YAML 1.1 core would: null, bool, integer, float or string. */
static json_t *yaml_scalar(const yaml_node_t *node)
{
    const char *text = (const char *)node->data.scalar.value;
    if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return json_string(text);
    if (text[0] == 0 || strcmp(text, "~") == 0 || strcmp(text, "null") == 0)
        return json_null();
    if (strcmp(text, "true") == 0 || strcmp(text, "True") == 0)
        return json_true();
    if (strcmp(text, "false") == 0 || strcmp(text, "False") == 0)
        return json_false();
    char *end = NULL;
    errno = 0;
    long long integer = strtoll(text, &end, 10);
    if (errno == 0 && *end == 0 && (isdigit((unsigned char)text[0]) || text[0] == '-'))
        return json_integer(integer);
    double real = strtod(text, &end);
    if (*end == 0 && (isdigit((unsigned char)text[0]) || text[0] == '-' || text[0] == '.'))
        return json_real(real);
    return json_string(text);
}

static json_t *yaml_to_json(yaml_document_t *doc, yaml_node_t *node, int depth)
{
    if (node == NULL || depth > 64)
        return NULL;
    switch (node->type) {
    case YAML_SCALAR_NODE:
        return yaml_scalar(node);
    case YAML_SEQUENCE_NODE: {
        json_t *array = json_array();
        for (yaml_node_item_t *item = node->data.sequence.items.start;
             item < node->data.sequence.items.top; item++) {
            json_t *value = yaml_to_json(doc, yaml_document_get_node(doc, *item), depth + 1);
            if (value == NULL) {
                json_decref(array);
                return NULL;
            }
            json_array_append_new(array, value);
        }
        return array;
    }
    case YAML_MAPPING_NODE: {
        json_t *object = json_object();
        for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
             pair < node->data.mapping.pairs.top; pair++) {
            yaml_node_t *key = yaml_document_get_node(doc, pair->key);
            json_t *value = yaml_to_json(doc, yaml_document_get_node(doc, pair->value), depth + 1);
            if (key == NULL || key->type != YAML_SCALAR_NODE || value == NULL) {
                json_decref(value);
                json_decref(object);
                return NULL;
            }
            json_object_set_new(object, (const char *)key->data.scalar.value, value);
        }
        return object;
    }
    default:
        return NULL;
    }
}

static int parse_yaml(const char *path, const uint8_t *text, size_t length, json_t **out,
                      wc_error *err)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser))
        return wc_error_set(err, WC_ERESOURCE, "yaml: out of memory");
    yaml_parser_set_input_string(&parser, text, length);
    if (!yaml_parser_load(&parser, &doc)) {
        wc_error_set(err, WC_EINVAL, "%s: %s at line %zu", path,
                     parser.problem ? parser.problem : "invalid YAML",
                     parser.problem_mark.line + 1);
        yaml_parser_delete(&parser);
        return -1;
    }
    *out = yaml_to_json(&doc, yaml_document_get_root_node(&doc), 0);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (*out == NULL)
        return wc_error_set(err, WC_EINVAL, "%s: empty or unsupported YAML", path);
    return 0;
}

int crictl_load_file(const char *path, json_t **out, wc_error *err)
{
    cleanup_free uint8_t *text = NULL;
    size_t length = 0;
    if (wc_read_file(path, &text, &length, err) < 0)
        return -1;
    const char *p = (const char *)text;
    while (*p && isspace((unsigned char)*p))
        p++;
    if (*p == '{') {
        json_error_t json_err;
        *out = json_loadb((const char *)text, length, 0, &json_err);
        if (*out == NULL)
            return wc_error_set(err, WC_EINVAL, "%s: line %d: %s", path, json_err.line,
                                json_err.text);
        return 0;
    }
    return parse_yaml(path, text, length, out, err);
}

/* ---- JSON -> message ---------------------------------------------------------------- */

/* "log_directory" matches "log_directory", "logDirectory" and "LogDirectory". */
static bool name_matches(const char *field, const char *key)
{
    for (; *field && *key; field++, key++) {
        if (*field == '_' && *key != '_') {
            field++;
            if (*field == 0 || toupper((unsigned char)*field) != *key)
                return false;
            continue;
        }
        if (tolower((unsigned char)*key) != *field)
            return false;
    }
    return *field == 0 && *key == 0;
}

static const ProtobufCFieldDescriptor *find_field(const ProtobufCMessageDescriptor *descriptor,
                                                  const char *key)
{
    for (unsigned i = 0; i < descriptor->n_fields; i++)
        if (name_matches(descriptor->fields[i].name, key))
            return &descriptor->fields[i];
    return NULL;
}

static int build_message(crictl_arena *arena, const ProtobufCMessageDescriptor *descriptor,
                         json_t *json, const char *where, ProtobufCMessage **out, wc_error *err);

static bool json_to_int(json_t *value, long long *out)
{
    if (json_is_integer(value)) {
        *out = json_integer_value(value);
        return true;
    }
    if (json_is_real(value)) {
        *out = (long long)json_real_value(value);
        return true;
    }
    if (json_is_string(value)) {
        char *end = NULL;
        *out = strtoll(json_string_value(value), &end, 10);
        return *end == 0 && end != json_string_value(value);
    }
    return false;
}

/* Stores one value of the field's type at slot. */
static int store_value(crictl_arena *arena, const ProtobufCFieldDescriptor *field, json_t *value,
                       void *slot, const char *where, wc_error *err)
{
    long long number = 0;
    switch (field->type) {
    case PROTOBUF_C_TYPE_STRING: {
        if (!json_is_string(value))
            return wc_error_set(err, WC_EINVAL, "%s.%s: a string is expected", where,
                                field->name);
        char *copy = crictl_arena_strdup(arena, json_string_value(value));
        if (copy == NULL)
            return wc_error_set(err, WC_ERESOURCE, "out of memory");
        *(char **)slot = copy;
        return 0;
    }
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(value))
            return wc_error_set(err, WC_EINVAL, "%s.%s: true or false is expected", where,
                                field->name);
        *(protobuf_c_boolean *)slot = json_is_true(value);
        return 0;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *e = field->descriptor;
        if (json_is_string(value)) {
            const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value_by_name(
                e, json_string_value(value));
            if (v == NULL)
                return wc_error_set(err, WC_EINVAL, "%s.%s: unknown value %s", where,
                                    field->name, json_string_value(value));
            *(int *)slot = v->value;
            return 0;
        }
        if (!json_to_int(value, &number))
            return wc_error_set(err, WC_EINVAL, "%s.%s: an enum name or number is expected",
                                where, field->name);
        *(int *)slot = (int)number;
        return 0;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        char inner[256];
        snprintf(inner, sizeof inner, "%s.%s", where, field->name);
        return build_message(arena, field->descriptor, value, inner, (ProtobufCMessage **)slot,
                             err);
    }
    case PROTOBUF_C_TYPE_BYTES: {
        if (!json_is_string(value))
            return wc_error_set(err, WC_EINVAL, "%s.%s: a string is expected", where,
                                field->name);
        ProtobufCBinaryData *bytes = slot;
        bytes->len = strlen(json_string_value(value));
        bytes->data = (uint8_t *)crictl_arena_strdup(arena, json_string_value(value));
        return bytes->data ? 0 : wc_error_set(err, WC_ERESOURCE, "out of memory");
    }
    default:
        break;
    }
    if (!json_to_int(value, &number))
        return wc_error_set(err, WC_EINVAL, "%s.%s: a number is expected", where, field->name);
    switch (field->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32: *(int32_t *)slot = (int32_t)number; break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32: *(uint32_t *)slot = (uint32_t)number; break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64: *(int64_t *)slot = (int64_t)number; break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: *(uint64_t *)slot = (uint64_t)number; break;
    case PROTOBUF_C_TYPE_FLOAT: *(float *)slot = (float)json_number_value(value); break;
    case PROTOBUF_C_TYPE_DOUBLE: *(double *)slot = json_number_value(value); break;
    default:
        return wc_error_set(err, WC_EINVAL, "%s.%s: unsupported field type", where, field->name);
    }
    return 0;
}

static size_t value_size(const ProtobufCFieldDescriptor *field)
{
    switch (field->type) {
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE: return sizeof(void *);
    case PROTOBUF_C_TYPE_BYTES: return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
    case PROTOBUF_C_TYPE_DOUBLE: return 8;
    case PROTOBUF_C_TYPE_BOOL: return sizeof(protobuf_c_boolean);
    default: return 4;
    }
}

/* A map field is a repeated message of { key = 1, value = 2 }: a JSON object fills it. */
static bool is_map_field(const ProtobufCFieldDescriptor *field)
{
    if (field->label != PROTOBUF_C_LABEL_REPEATED || field->type != PROTOBUF_C_TYPE_MESSAGE)
        return false;
    const ProtobufCMessageDescriptor *entry = field->descriptor;
    return entry->n_fields == 2 && strcmp(entry->fields[0].name, "key") == 0
        && strcmp(entry->fields[1].name, "value") == 0;
}

static int store_field(crictl_arena *arena, ProtobufCMessage *message,
                       const ProtobufCFieldDescriptor *field, json_t *value, const char *where,
                       wc_error *err)
{
    char *base = (char *)message;
    if (json_is_null(value))
        return 0;
    if (field->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t *count = (size_t *)(base + field->quantifier_offset);
        void **array = (void **)(base + field->offset);
        if (is_map_field(field) && json_is_object(value)) {
            const ProtobufCMessageDescriptor *entry_descriptor = field->descriptor;
            size_t n = json_object_size(value);
            ProtobufCMessage **entries = crictl_arena_alloc(arena, n * sizeof *entries);
            if (entries == NULL)
                return wc_error_set(err, WC_ERESOURCE, "out of memory");
            const char *key;
            json_t *item;
            size_t i = 0;
            json_object_foreach(value, key, item) {
                ProtobufCMessage *entry = crictl_arena_alloc(arena, entry_descriptor->sizeof_message);
                if (entry == NULL)
                    return wc_error_set(err, WC_ERESOURCE, "out of memory");
                protobuf_c_message_init(entry_descriptor, entry);
                char **slots = (char **)((char *)entry + entry_descriptor->fields[0].offset);
                slots[0] = crictl_arena_strdup(arena, key);
                char **value_slot = (char **)((char *)entry + entry_descriptor->fields[1].offset);
                if (!json_is_string(item))
                    return wc_error_set(err, WC_EINVAL, "%s.%s.%s: a string is expected", where,
                                        field->name, key);
                *value_slot = crictl_arena_strdup(arena, json_string_value(item));
                entries[i++] = entry;
            }
            *count = i;
            *array = entries;
            return 0;
        }
        if (!json_is_array(value))
            return wc_error_set(err, WC_EINVAL, "%s.%s: a list is expected", where, field->name);
        size_t n = json_array_size(value);
        size_t size = value_size(field);
        char *items = crictl_arena_alloc(arena, n * size);
        if (items == NULL)
            return wc_error_set(err, WC_ERESOURCE, "out of memory");
        for (size_t i = 0; i < n; i++)
            if (store_value(arena, field, json_array_get(value, i), items + i * size, where,
                            err) < 0)
                return -1;
        *count = n;
        *array = items;
        return 0;
    }
    return store_value(arena, field, value, base + field->offset, where, err);
}

static int build_message(crictl_arena *arena, const ProtobufCMessageDescriptor *descriptor,
                         json_t *json, const char *where, ProtobufCMessage **out, wc_error *err)
{
    if (!json_is_object(json))
        return wc_error_set(err, WC_EINVAL, "%s: an object is expected", where);
    ProtobufCMessage *message = crictl_arena_alloc(arena, descriptor->sizeof_message);
    if (message == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    protobuf_c_message_init(descriptor, message);
    const char *key;
    json_t *value;
    json_object_foreach(json, key, value) {
        const ProtobufCFieldDescriptor *field = find_field(descriptor, key);
        if (field == NULL)
            continue; /* as Go's json.Unmarshal: unknown keys are ignored */
        if (store_field(arena, message, field, value, where, err) < 0)
            return -1;
    }
    *out = message;
    return 0;
}

int crictl_json_to_message(crictl_arena *arena, json_t *json,
                           const ProtobufCMessageDescriptor *descriptor, const char *what,
                           ProtobufCMessage **out, wc_error *err)
{
    return build_message(arena, descriptor, json, what, out, err);
}

int crictl_load_message(crictl_arena *arena, const char *path,
                        const ProtobufCMessageDescriptor *descriptor, ProtobufCMessage **out,
                        wc_error *err)
{
    json_t *json = NULL;
    if (crictl_load_file(path, &json, err) < 0)
        return -1;
    int rc = build_message(arena, descriptor, json, path, out, err);
    json_decref(json);
    return rc;
}
