/* config.c - defaults, the YAML config file (libyaml document API) and the daemon's flags. */
#include "cri/config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/cleanup.h"

static void free_strings(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

static void free_registry(cri_registry_config *registry)
{
    free(registry->host);
    free_strings(registry->mirrors, registry->n_mirrors);
    memset(registry, 0, sizeof *registry);
}

static int set_string(char **slot, const char *value, wc_error *err)
{
    char *copy = strdup(value);
    if (copy == NULL)
        return wc_error_set(err, WC_ERESOURCE, "config: out of memory");
    free(*slot);
    *slot = copy;
    return 0;
}

static int append_string(char ***list, size_t *n, const char *value, wc_error *err)
{
    char **grown = realloc(*list, (*n + 1) * sizeof **list);
    if (grown == NULL)
        return wc_error_set(err, WC_ERESOURCE, "config: out of memory");
    *list = grown;
    grown[*n] = strdup(value);
    if (grown[*n] == NULL)
        return wc_error_set(err, WC_ERESOURCE, "config: out of memory");
    (*n)++;
    return 0;
}

int cri_config_init(cri_config *config, wc_error *err)
{
    memset(config, 0, sizeof *config);
    config->log_level = CRI_LOG_INFO;
    if (set_string(&config->listen, CRI_DEFAULT_LISTEN, err) < 0
        || set_string(&config->root, CRI_DEFAULT_ROOT, err) < 0
        || set_string(&config->state, CRI_DEFAULT_STATE, err) < 0
        || append_string(&config->wasm_handlers, &config->n_wasm_handlers, "wasm", err) < 0) {
        cri_config_free(config);
        return -1;
    }
    return 0;
}

void cri_config_free(cri_config *config)
{
    free(config->listen);
    free(config->root);
    free(config->state);
    free(config->config_file);
    free_strings(config->wasm_handlers, config->n_wasm_handlers);
    for (size_t i = 0; i < config->n_registries; i++)
        free_registry(&config->registries[i]);
    free(config->registries);
    memset(config, 0, sizeof *config);
}

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int cri_log_level_parse(const char *name, cri_log_level *out, wc_error *err)
{
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        if (strcasecmp(name, level_names[i]) == 0) {
            *out = (cri_log_level)i;
            return 0;
        }
    }
    if (strcasecmp(name, "warning") == 0) {
        *out = CRI_LOG_WARN;
        return 0;
    }
    return wc_error_set(err, WC_EINVAL, "log level \"%s\": want error, warn, info or debug", name);
}

const char *cri_log_level_name(cri_log_level level)
{
    return (unsigned)level < 4 ? level_names[level] : "unknown";
}

/* "268435456", "256Mi", "1Gi", "512Ki", "64M" (decimal units too). */
static int parse_size(const char *text, uint64_t *out, wc_error *err)
{
    errno = 0;
    char *end = NULL;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || end == text || text[0] == '-')
        return wc_error_set(err, WC_EINVAL, "size \"%s\": not a number", text);
    static const struct { const char *suffix; uint64_t factor; } units[] = {
        {"", 1}, {"Ki", 1ULL << 10}, {"Mi", 1ULL << 20}, {"Gi", 1ULL << 30},
        {"K", 1000ULL}, {"M", 1000000ULL}, {"G", 1000000000ULL},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].suffix) == 0) {
            if (value > UINT64_MAX / units[i].factor)
                return wc_error_set(err, WC_EINVAL, "size \"%s\": too large", text);
            *out = value * units[i].factor;
            return 0;
        }
    }
    return wc_error_set(err, WC_EINVAL, "size \"%s\": unknown unit (use Ki, Mi, Gi)", text);
}

static int parse_bool(const char *text, bool *out, wc_error *err)
{
    if (strcmp(text, "true") == 0 || strcmp(text, "yes") == 0 || strcmp(text, "on") == 0) {
        *out = true;
        return 0;
    }
    if (strcmp(text, "false") == 0 || strcmp(text, "no") == 0 || strcmp(text, "off") == 0) {
        *out = false;
        return 0;
    }
    return wc_error_set(err, WC_EINVAL, "\"%s\" is not a boolean", text);
}

/* ---- YAML walking ------------------------------------------------------------------------ */

typedef struct yaml_walk {
    yaml_document_t *doc;
    const char *path;
} yaml_walk;

static const char *scalar(yaml_walk *walk, yaml_node_t *node, const char *key, wc_error *err)
{
    if (node == NULL || node->type != YAML_SCALAR_NODE) {
        wc_error_set(err, WC_EINVAL, "%s: %s: want a single value", walk->path, key);
        return NULL;
    }
    return (const char *)node->data.scalar.value;
}

static int string_list(yaml_walk *walk, yaml_node_t *node, const char *key, char ***list,
                       size_t *n, wc_error *err)
{
    free_strings(*list, *n);
    *list = NULL;
    *n = 0;
    if (node->type == YAML_SCALAR_NODE)
        return append_string(list, n, (const char *)node->data.scalar.value, err);
    if (node->type != YAML_SEQUENCE_NODE)
        return wc_error_set(err, WC_EINVAL, "%s: %s: want a list", walk->path, key);
    for (yaml_node_item_t *item = node->data.sequence.items.start;
         item < node->data.sequence.items.top; item++) {
        const char *value = scalar(walk, yaml_document_get_node(walk->doc, *item), key, err);
        if (value == NULL || append_string(list, n, value, err) < 0)
            return -1;
    }
    return 0;
}

static cri_registry_config *registry_slot(cri_config *config, const char *host, wc_error *err)
{
    for (size_t i = 0; i < config->n_registries; i++)
        if (strcmp(config->registries[i].host, host) == 0)
            return &config->registries[i];
    cri_registry_config *grown = realloc(config->registries,
                                         (config->n_registries + 1) * sizeof *grown);
    if (grown == NULL) {
        wc_error_set(err, WC_ERESOURCE, "config: out of memory");
        return NULL;
    }
    config->registries = grown;
    cri_registry_config *registry = &grown[config->n_registries];
    memset(registry, 0, sizeof *registry);
    registry->host = strdup(host);
    if (registry->host == NULL) {
        wc_error_set(err, WC_ERESOURCE, "config: out of memory");
        return NULL;
    }
    config->n_registries++;
    return registry;
}

static int load_registry(yaml_walk *walk, cri_config *config, const char *host,
                         yaml_node_t *node, wc_error *err)
{
    if (node->type != YAML_MAPPING_NODE)
        return wc_error_set(err, WC_EINVAL, "%s: registries: %s: want a mapping", walk->path, host);
    cri_registry_config *registry = registry_slot(config, host, err);
    if (registry == NULL)
        return -1;
    for (yaml_node_pair_t *pair = node->data.mapping.pairs.start;
         pair < node->data.mapping.pairs.top; pair++) {
        const char *key = scalar(walk, yaml_document_get_node(walk->doc, pair->key), "key", err);
        yaml_node_t *value = yaml_document_get_node(walk->doc, pair->value);
        if (key == NULL)
            return -1;
        if (strcmp(key, "mirrors") == 0 || strcmp(key, "endpoint") == 0) {
            if (string_list(walk, value, key, &registry->mirrors, &registry->n_mirrors, err) < 0)
                return -1;
            continue;
        }
        bool *flag = strcmp(key, "insecure") == 0      ? &registry->insecure
                     : strcmp(key, "no_fallback") == 0 ? &registry->no_fallback
                                                       : NULL;
        if (flag == NULL)
            return wc_error_set(err, WC_EINVAL, "%s: registries: %s: unknown key \"%s\"",
                                walk->path, host, key);
        const char *text = scalar(walk, value, key, err);
        if (text == NULL || parse_bool(text, flag, err) < 0)
            return wc_error_prefix(err, "%s: registries: %s: %s", walk->path, host, key);
    }
    return 0;
}

static int load_key(yaml_walk *walk, cri_config *config, const char *key, yaml_node_t *value,
                    wc_error *err)
{
    if (strcmp(key, "wasm_handlers") == 0)
        return string_list(walk, value, key, &config->wasm_handlers, &config->n_wasm_handlers, err);
    if (strcmp(key, "registries") == 0) {
        if (value->type != YAML_MAPPING_NODE)
            return wc_error_set(err, WC_EINVAL, "%s: registries: want a mapping of hosts",
                                walk->path);
        for (yaml_node_pair_t *pair = value->data.mapping.pairs.start;
             pair < value->data.mapping.pairs.top; pair++) {
            const char *host = scalar(walk, yaml_document_get_node(walk->doc, pair->key),
                                      "registries", err);
            if (host == NULL
                || load_registry(walk, config, host,
                                 yaml_document_get_node(walk->doc, pair->value), err) < 0)
                return -1;
        }
        return 0;
    }
    const char *text = scalar(walk, value, key, err);
    if (text == NULL)
        return -1;
    if (strcmp(key, "listen") == 0)
        return set_string(&config->listen, text, err);
    if (strcmp(key, "root") == 0)
        return set_string(&config->root, text, err);
    if (strcmp(key, "state") == 0)
        return set_string(&config->state, text, err);
    if (strcmp(key, "log_level") == 0)
        return cri_log_level_parse(text, &config->log_level, err) < 0
                   ? wc_error_prefix(err, "%s", walk->path) : 0;
    if (strcmp(key, "max_memory_per_instance") == 0)
        return parse_size(text, &config->max_memory_per_instance, err) < 0
                   ? wc_error_prefix(err, "%s: %s", walk->path, key) : 0;
    return wc_error_set(err, WC_EINVAL, "%s: unknown key \"%s\"", walk->path, key);
}

int cri_config_load_file(cri_config *config, const char *path, wc_error *err)
{
    cleanup_fclose FILE *file = fopen(path, "r");
    if (file == NULL)
        return wc_error_set_errno(err, errno, "config %s", path);
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser))
        return wc_error_set(err, WC_ERESOURCE, "config %s: out of memory", path);
    yaml_parser_set_input_file(&parser, file);
    if (!yaml_parser_load(&parser, &doc)) {
        wc_error_set(err, WC_EINVAL, "config %s: line %zu: %s", path,
                     parser.problem_mark.line + 1,
                     parser.problem != NULL ? parser.problem : "invalid YAML");
        yaml_parser_delete(&parser);
        return -1;
    }
    yaml_walk walk = {.doc = &doc, .path = path};
    int rc = 0;
    yaml_node_t *top = yaml_document_get_root_node(&doc);
    if (top != NULL && top->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *pair = top->data.mapping.pairs.start;
             rc == 0 && pair < top->data.mapping.pairs.top; pair++) {
            const char *key = scalar(&walk, yaml_document_get_node(&doc, pair->key), "key", err);
            rc = key == NULL ? -1
                             : load_key(&walk, config, key,
                                        yaml_document_get_node(&doc, pair->value), err);
        }
    } else if (top != NULL && !(top->type == YAML_SCALAR_NODE && top->data.scalar.length == 0)) {
        rc = wc_error_set(err, WC_EINVAL, "config %s: want a mapping at the top", path);
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc == 0)
        rc = set_string(&config->config_file, path, err);
    return rc;
}

/* ---- flags --------------------------------------------------------------------------------- */

static const char usage[] =
    "usage: wasmcrid [--config FILE] [--listen SOCKET] [--root DIR] [--state DIR]\n"
    "                [--log-level error|warn|info|debug]";

int cri_config_from_args(cri_config *config, int argc, char **argv, wc_error *err)
{
    enum { OPT_CONFIG = 1000, OPT_LISTEN, OPT_ROOT, OPT_STATE, OPT_LOG_LEVEL, OPT_HELP };
    static const struct option options[] = {
        {"config", required_argument, NULL, OPT_CONFIG},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"root", required_argument, NULL, OPT_ROOT},
        {"state", required_argument, NULL, OPT_STATE},
        {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    if (cri_config_init(config, err) < 0)
        return -1;
    /* Two passes: the file first, so flags override it wherever they appear. */
    const char *config_path = NULL;
    for (int pass = 0; pass < 2; pass++) {
        optind = 0; /* 0: a full re-initialisation of GNU getopt */
        opterr = 0;
        int opt;
        while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
            int rc = 0;
            if (opt == '?' || opt == ':') {
                rc = wc_error_set(err, WC_EINVAL, "unknown or incomplete flag \"%s\"\n%s",
                                  argv[optind - 1], usage);
            } else if (opt == OPT_HELP || opt == 'h') {
                rc = wc_error_set(err, WC_EINVAL, "%s", usage);
            } else if (pass == 0) {
                if (opt == OPT_CONFIG)
                    config_path = optarg;
            } else if (opt == OPT_LISTEN) {
                rc = set_string(&config->listen, optarg, err);
            } else if (opt == OPT_ROOT) {
                rc = set_string(&config->root, optarg, err);
            } else if (opt == OPT_STATE) {
                rc = set_string(&config->state, optarg, err);
            } else if (opt == OPT_LOG_LEVEL) {
                rc = cri_log_level_parse(optarg, &config->log_level, err);
            }
            if (rc < 0) {
                cri_config_free(config);
                return -1;
            }
        }
        if (pass == 0 && optind < argc) {
            wc_error_set(err, WC_EINVAL, "unexpected argument \"%s\"\n%s", argv[optind], usage);
            cri_config_free(config);
            return -1;
        }
        if (pass == 0 && config_path != NULL && cri_config_load_file(config, config_path, err) < 0) {
            cri_config_free(config);
            return -1;
        }
    }
    optind = 1;
    /* Accept the endpoint form clients use, "unix:///run/x.sock", as well as a path. */
    if (strncmp(config->listen, "unix://", 7) == 0)
        memmove(config->listen, config->listen + 7, strlen(config->listen + 7) + 1);
    return 0;
}

bool cri_config_is_wasm_handler(const cri_config *config, const char *handler)
{
    if (handler == NULL)
        return false;
    for (size_t i = 0; i < config->n_wasm_handlers; i++)
        if (strcmp(config->wasm_handlers[i], handler) == 0)
            return true;
    return false;
}

static json_t *string_array(char **list, size_t n)
{
    json_t *array = json_array();
    for (size_t i = 0; array != NULL && i < n; i++)
        json_array_append_new(array, json_string(list[i]));
    return array;
}

char *cri_config_to_json(const cri_config *config)
{
    json_t *registries = json_object();
    for (size_t i = 0; registries != NULL && i < config->n_registries; i++) {
        const cri_registry_config *r = &config->registries[i];
        json_object_set_new(registries, r->host,
                            json_pack("{s:b,s:o,s:b}", "insecure", r->insecure, "mirrors",
                                      string_array(r->mirrors, r->n_mirrors), "no_fallback",
                                      r->no_fallback));
    }
    json_t *root = json_pack("{s:s,s:s,s:s,s:s?,s:s,s:o,s:I,s:o}",
                             "listen", config->listen, "root", config->root,
                             "state", config->state, "config_file", config->config_file,
                             "log_level", cri_log_level_name(config->log_level),
                             "wasm_handlers",
                             string_array(config->wasm_handlers, config->n_wasm_handlers),
                             "max_memory_per_instance",
                             (json_int_t)config->max_memory_per_instance,
                             "registries", registries);
    if (root == NULL)
        return NULL;
    char *text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(root);
    return text;
}
