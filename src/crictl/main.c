/* main.c - wasmcrictl's global flags (crictl's: -r -i -t -D -c), crictl.yaml, and the command
 * table built from commands.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "crictl/commands.h"

#define CRICTL_ENTRY(name, aliases, summary) {#name, aliases, crictl_cmd_##name, summary},
static const crictl_command commands[] = {CRICTL_COMMANDS(CRICTL_ENTRY)};
#undef CRICTL_ENTRY

static void usage(FILE *out)
{
    fprintf(out,
            "NAME:\n   wasmcrictl - client for CRI (crictl-compatible, for wasmcri)\n\n"
            "USAGE:\n   wasmcrictl [global options] command [command options] [arguments...]\n\n"
            "COMMANDS:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        char names[96];
        snprintf(names, sizeof names, "%s%s%s", commands[i].name,
                 commands[i].aliases[0] != '\0' ? ", " : "", commands[i].aliases);
        for (char *c = names; *c != '\0'; c++)
            if (*c == ',' && c[1] != ' ')
                *c = ' ';
        fprintf(out, "   %-20s %s\n", names, commands[i].summary);
    }
    fprintf(out,
            "\nGLOBAL OPTIONS:\n"
            "   --config value, -c value            Location of the client config file "
            "(default: /etc/crictl.yaml) [$CRI_CONFIG_FILE]\n"
            "   --debug, -D                         Enable debug mode\n"
            "   --image-endpoint value, -i value    Endpoint of CRI image manager service "
            "[$IMAGE_SERVICE_ENDPOINT]\n"
            "   --runtime-endpoint value, -r value  Endpoint of CRI container runtime service "
            "(default: " CRICTL_DEFAULT_ENDPOINT ") [$CONTAINER_RUNTIME_ENDPOINT]\n"
            "   --timeout value, -t value           Timeout of connecting to the server "
            "(default: 2s)\n"
            "   --help, -h                          show help\n");
}

static const crictl_command *find_command(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
        size_t n = strlen(name);
        for (const char *a = commands[i].aliases; *a != '\0';) {
            const char *end = strchr(a, ',');
            size_t len = end != NULL ? (size_t)(end - a) : strlen(a);
            if (len == n && strncmp(a, name, n) == 0)
                return &commands[i];
            if (end == NULL)
                break;
            a = end + 1;
            while (*a == ' ')
                a++;
        }
    }
    return NULL;
}

/* "2", "2s", "500ms", "1m" -> milliseconds. */
static int parse_timeout(const char *text, int *ms, wc_error *err)
{
    char *end;
    double value = strtod(text, &end);
    double factor = 1000;
    if (strcmp(end, "ms") == 0)
        factor = 1;
    else if (strcmp(end, "m") == 0)
        factor = 60000;
    else if (strcmp(end, "h") == 0)
        factor = 3600000;
    else if (*end != '\0' && strcmp(end, "s") != 0)
        end = NULL;
    if (end == NULL || end == text || value < 0 || value * factor > 86400000.0)
        return wc_error_set(err, WC_EINVAL, "invalid timeout \"%s\" (e.g. 2s, 500ms)", text);
    *ms = (int)(value * factor);
    return 0;
}

static int set_string(char **slot, const char *value)
{
    char *copy = strdup(value);
    if (copy == NULL)
        return -1;
    free(*slot);
    *slot = copy;
    return 0;
}

/* crictl.yaml: runtime-endpoint, image-endpoint, timeout, debug (others ignored). A missing
 * default file is fine; a missing --config file is not. */
static int load_config_file(crictl_ctx *ctx, const char *path, bool required, wc_error *err)
{
    FILE *file = fopen(path, "r");
    if (file == NULL) {
        if (!required)
            return 0;
        return wc_error_set(err, WC_ENOTFOUND, "load config file %s: not found", path);
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    int rc = 0;
    if (!yaml_parser_initialize(&parser)) {
        fclose(file);
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    }
    yaml_parser_set_input_file(&parser, file);
    if (!yaml_parser_load(&parser, &doc)) {
        rc = wc_error_set(err, WC_EINVAL, "load config file %s: invalid YAML", path);
    } else {
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        for (yaml_node_pair_t *pair = root != NULL && root->type == YAML_MAPPING_NODE
                                          ? root->data.mapping.pairs.start : NULL;
             pair != NULL && pair < root->data.mapping.pairs.top && rc == 0; pair++) {
            yaml_node_t *key = yaml_document_get_node(&doc, pair->key);
            yaml_node_t *value = yaml_document_get_node(&doc, pair->value);
            if (key->type != YAML_SCALAR_NODE || value->type != YAML_SCALAR_NODE)
                continue;
            const char *k = (const char *)key->data.scalar.value;
            const char *v = (const char *)value->data.scalar.value;
            if (strcmp(k, "runtime-endpoint") == 0 && v[0] != '\0')
                rc = set_string(&ctx->runtime_endpoint, v);
            else if (strcmp(k, "image-endpoint") == 0 && v[0] != '\0')
                rc = set_string(&ctx->image_endpoint, v);
            else if (strcmp(k, "timeout") == 0)
                rc = parse_timeout(v, &ctx->timeout_ms, err);
            else if (strcmp(k, "debug") == 0)
                ctx->debug = strcmp(v, "true") == 0;
        }
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    fclose(file);
    return rc;
}

/* The value of a global flag: "--flag=v", "--flag v" or "-f v". */
static const char *flag_value(int argc, char **argv, int *i, const char *long_name,
                              const char *short_name)
{
    const char *arg = argv[*i];
    size_t n = strlen(long_name);
    if (strncmp(arg, long_name, n) == 0 && arg[n] == '=')
        return arg + n + 1;
    if (strcmp(arg, long_name) == 0 || (short_name != NULL && strcmp(arg, short_name) == 0)) {
        if (*i + 1 >= argc)
            return NULL;
        return argv[++*i];
    }
    return NULL;
}

int crictl_main(int argc, char **argv)
{
    crictl_ctx ctx = {.timeout_ms = 2000};
    wc_error err;
    /* Flags first (they win), then env, then the config file, then defaults. */
    const char *flag_runtime = NULL, *flag_image = NULL, *flag_timeout = NULL;
    const char *config_path = getenv("CRI_CONFIG_FILE");
    bool config_required = false, flag_debug = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *arg = argv[i];
        const char *value;
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(arg, "-D") == 0 || strcmp(arg, "--debug") == 0) {
            flag_debug = true;
        } else if (strcmp(arg, "-v") == 0 || strcmp(arg, "--version") == 0) {
            printf("wasmcrictl version %s\n", WASMCRI_VERSION);
            return 0;
        } else if ((value = flag_value(argc, argv, &i, "--runtime-endpoint", "-r")) != NULL) {
            flag_runtime = value;
        } else if ((value = flag_value(argc, argv, &i, "--image-endpoint", "-i")) != NULL) {
            flag_image = value;
        } else if ((value = flag_value(argc, argv, &i, "--timeout", "-t")) != NULL) {
            flag_timeout = value;
        } else if ((value = flag_value(argc, argv, &i, "--config", "-c")) != NULL) {
            config_path = value;
            config_required = true;
        } else {
            fprintf(stderr, "FATA[0000] flag provided but not defined or missing its value: %s\n",
                    arg);
            usage(stderr);
            return 1;
        }
    }
    if (i >= argc) {
        usage(stdout);
        return 0;
    }
    const crictl_command *command = find_command(argv[i]);
    if (command == NULL) {
        fprintf(stderr, "FATA[0000] no help topic for '%s'\n", argv[i]);
        return 1;
    }
    int rc = 1;
    if (load_config_file(&ctx, config_path != NULL ? config_path : "/etc/crictl.yaml",
                         config_required, &err) < 0) {
        crictl_fail(NULL, &err);
        goto out;
    }
    const char *env_runtime = getenv("CONTAINER_RUNTIME_ENDPOINT");
    const char *env_image = getenv("IMAGE_SERVICE_ENDPOINT");
    const char *runtime = flag_runtime != NULL ? flag_runtime
                          : env_runtime != NULL && env_runtime[0] != '\0' ? env_runtime
                          : ctx.runtime_endpoint != NULL ? ctx.runtime_endpoint
                                                         : CRICTL_DEFAULT_ENDPOINT;
    const char *image = flag_image != NULL ? flag_image
                        : env_image != NULL && env_image[0] != '\0' ? env_image
                                                                    : ctx.image_endpoint;
    if (set_string(&ctx.runtime_endpoint, runtime) < 0
        || (image != NULL && set_string(&ctx.image_endpoint, image) < 0)) {
        fprintf(stderr, "FATA[0000] out of memory\n");
        goto out;
    }
    if (flag_timeout != NULL && parse_timeout(flag_timeout, &ctx.timeout_ms, &err) < 0) {
        crictl_fail(NULL, &err);
        goto out;
    }
    if (flag_debug)
        ctx.debug = true;
    rc = command->handler(&ctx, argc - i, argv + i);
out:
    if (ctx.image != NULL && ctx.image != ctx.runtime)
        grpc_client_free(ctx.image);
    grpc_client_free(ctx.runtime);
    free(ctx.runtime_endpoint);
    free(ctx.image_endpoint);
    return rc;
}
