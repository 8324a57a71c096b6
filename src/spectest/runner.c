/* runner.c - runs the commands of a wast2json script in one store.
 *
 * The reference interpreter's rules: the current module is the last one instantiated by a
 * `module` command; actions without a module name address it; `register` makes an instance's
 * exports importable under a name. A failed `module` command leaves no current module, so what
 * follows fails visibly instead of silently running against an older module. */
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "spectest/internal.h"
#include "spectest/spectest.h"
#include "util/cleanup.h"
#include "util/file.h"

typedef struct named_instance {
    char *name;
    wasm_instance *instance;   /* NULL when its module command failed */
} named_instance;

typedef struct runner {
    const char *script;        /* the name failures are reported under */
    const char *dir;           /* where the script's module files are */
    const spectest_options *options;
    wasm_store *store;
    wasm_linker *linker;
    spectest_deadline deadline;
    /* Every module handed to instantiation stays alive until the store is gone: the store's
     * functions (even those of a failed instantiation, left in an imported table) use its code. */
    wasm_module **modules;
    size_t module_count, module_capacity;
    named_instance *named;
    size_t named_count, named_capacity;
    wasm_instance *current;
    spectest_counts counts;
    unsigned reported;
} runner;

/* What an action did: its results (typed), or the trap it ended in. */
typedef struct action_result {
    uint32_t count;
    wasm_valtype *types;
    wasm_value *values;
    bool trapped;
    wasm_trap trap;
    char description[512];
} action_result;

/* ---- reporting -------------------------------------------------------------------------- */

static void fail(runner *r, json_int_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail(runner *r, json_int_t line, const char *fmt, ...)
{
    r->counts.failed++;
    FILE *report = r->options->report;
    if (report == NULL)
        return;
    unsigned max = r->options->max_reported;
    if (max != 0 && r->reported >= max) {
        if (r->reported == max)
            fprintf(report, "%s: more failures not shown (-v shows all)\n", r->script);
        r->reported++;
        return;
    }
    r->reported++;
    fprintf(report, "%s:%" JSON_INTEGER_FORMAT ": ", r->script, line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(report, fmt, ap);
    va_end(ap);
    fputc('\n', report);
}

/* A wasm name for messages: printable ASCII and UTF-8 as is, control bytes escaped. */
static void quote_name(const char *data, size_t length, char *buffer, size_t size)
{
    size_t used = 0;
    for (size_t i = 0; i < length && used + 6 < size; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
            used += (size_t)snprintf(buffer + used, size - used, "\\x%02x", c);
        else
            buffer[used++] = (char)c;
    }
    buffer[used] = '\0';
}

/* The reference interpreter's rule is "starts with"; containing it is accepted too, so an
 * engine may add context in front ("func[3]: unreachable"). */
static bool text_matches(const char *actual, const char *expected)
{
    return strncmp(actual, expected, strlen(expected)) == 0 || strstr(actual, expected) != NULL;
}

static bool trap_text_matches(const wasm_trap *trap, const char *expected)
{
    return text_matches(trap->message, expected);
}

static const char *trap_text(const wasm_trap *trap)
{
    if (trap->kind == WASM_TRAP_INTERRUPTED)
        return "interrupted: the command ran past its deadline";
    return trap->message;
}

/* ---- bookkeeping ------------------------------------------------------------------------ */

static int keep_module(runner *r, wasm_module *module, wc_error *err)
{
    if (r->module_count == r->module_capacity) {
        size_t capacity = r->module_capacity ? r->module_capacity * 2 : 16;
        wasm_module **bigger = realloc(r->modules, capacity * sizeof *bigger);
        if (bigger == NULL) {
            wasm_module_free(module);
            return wc_error_set(err, WC_ERESOURCE, "out of memory");
        }
        r->modules = bigger;
        r->module_capacity = capacity;
    }
    r->modules[r->module_count++] = module;
    return 0;
}

static named_instance *find_named(runner *r, const char *name)
{
    for (size_t i = 0; i < r->named_count; i++) {
        if (strcmp(r->named[i].name, name) == 0)
            return &r->named[i];
    }
    return NULL;
}

static int set_named(runner *r, const char *name, wasm_instance *instance, wc_error *err)
{
    named_instance *existing = find_named(r, name);
    if (existing != NULL) {
        existing->instance = instance;
        return 0;
    }
    if (r->named_count == r->named_capacity) {
        size_t capacity = r->named_capacity ? r->named_capacity * 2 : 8;
        named_instance *bigger = realloc(r->named, capacity * sizeof *bigger);
        if (bigger == NULL)
            return wc_error_set(err, WC_ERESOURCE, "out of memory");
        r->named = bigger;
        r->named_capacity = capacity;
    }
    char *copy = strdup(name);
    if (copy == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    r->named[r->named_count++] = (named_instance){ .name = copy, .instance = instance };
    return 0;
}

/* The instance an action or register names, or the current one. */
static wasm_instance *lookup_instance(runner *r, const char *name, wc_error *err)
{
    if (name == NULL) {
        if (r->current == NULL)
            wc_error_set(err, WC_EPRECONDITION, "no current module (the last module failed)");
        return r->current;
    }
    named_instance *named = find_named(r, name);
    if (named == NULL) {
        wc_error_set(err, WC_ENOTFOUND, "unknown module %s", name);
        return NULL;
    }
    if (named->instance == NULL)
        wc_error_set(err, WC_EPRECONDITION, "module %s failed to instantiate", name);
    return named->instance;
}

/* ---- modules ---------------------------------------------------------------------------- */

static bool is_text_module(json_t *command)
{
    const char *type = json_string_value(json_object_get(command, "module_type"));
    const char *filename = json_string_value(json_object_get(command, "filename"));
    if (type != NULL && strcmp(type, "text") == 0)
        return true;
    size_t length = filename != NULL ? strlen(filename) : 0;
    return length > 4 && strcmp(filename + length - 4, ".wat") == 0;
}

/* Reads the command's module file and decodes it. Returns 0, -1 with err from the engine
 * (*engine_error true), or -1 when the file itself is missing. */
static int decode_module(runner *r, json_t *command, wasm_module **module, bool *engine_error,
                         wc_error *err)
{
    *engine_error = false;
    const char *filename = json_string_value(json_object_get(command, "filename"));
    if (filename == NULL)
        return wc_error_set(err, WC_EINVAL, "command without a filename");
    cleanup_free char *path = malloc(strlen(r->dir) + strlen(filename) + 2);
    if (path == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    sprintf(path, "%s/%s", r->dir, filename);
    cleanup_free uint8_t *bytes = NULL;
    size_t length = 0;
    if (wc_read_file(path, &bytes, &length, err) < 0)
        return -1;
    *engine_error = true;
    return wasm_module_new(bytes, length, module, err);
}

static int instantiate(runner *r, wasm_module *module, wasm_instance **instance,
                       wasm_trap *trap, wc_error *err)
{
    memset(trap, 0, sizeof *trap);
    spectest_deadline_arm(&r->deadline);
    int rc = wasm_linker_instantiate(r->linker, module, instance, trap, err);
    spectest_deadline_disarm(&r->deadline);
    if (rc < 0 && err->code == WC_ETRAP && trap->kind == WASM_TRAP_INTERRUPTED)
        wc_error_set(err, WC_ETRAP, "%s", trap_text(trap));
    return rc;
}

static void run_module(runner *r, json_t *command, json_int_t line)
{
    const char *name = json_string_value(json_object_get(command, "name"));
    r->current = NULL;
    wc_error err = { 0 };
    if (name != NULL && set_named(r, name, NULL, &err) < 0) {
        fail(r, line, "module: %s", err.message);
        return;
    }
    wasm_module *module = NULL;
    bool engine_error;
    if (decode_module(r, command, &module, &engine_error, &err) < 0) {
        fail(r, line, "module%s%s: %s (%s)", name ? " " : "", name ? name : "", err.message,
             wc_code_name(err.code));
        return;
    }
    if (keep_module(r, module, &err) < 0) {
        fail(r, line, "module: %s", err.message);
        return;
    }
    wasm_instance *instance = NULL;
    wasm_trap trap;
    if (instantiate(r, module, &instance, &trap, &err) < 0) {
        fail(r, line, "module%s%s: instantiation failed: %s (%s)", name ? " " : "",
             name ? name : "", err.message, wc_code_name(err.code));
        return;
    }
    r->current = instance;
    if (name != NULL)
        set_named(r, name, instance, &err); /* cannot fail: the entry exists */
    r->counts.passed++;
}

static void run_register(runner *r, json_t *command, json_int_t line)
{
    const char *name = json_string_value(json_object_get(command, "name"));
    json_t *as = json_object_get(command, "as");
    wc_error err = { 0 };
    if (!json_is_string(as)) {
        fail(r, line, "register without \"as\"");
        return;
    }
    wasm_instance *instance = lookup_instance(r, name, &err);
    if (instance == NULL) {
        fail(r, line, "register %s: %s", json_string_value(as), err.message);
        return;
    }
    wasm_name module_name = { json_string_value(as), (uint32_t)json_string_length(as) };
    if (wasm_linker_define_instance(r->linker, module_name, instance, &err) < 0) {
        fail(r, line, "register %s: %s", json_string_value(as), err.message);
        return;
    }
    r->counts.passed++;
}

/* assert_malformed / assert_invalid: decoding must fail with this code. */
static void run_assert_rejected(runner *r, json_t *command, json_int_t line, const char *what,
                                wc_code wanted)
{
    if (is_text_module(command)) {
        r->counts.not_applicable++;
        return;
    }
    const char *text = json_string_value(json_object_get(command, "text"));
    wasm_module *module = NULL;
    bool engine_error;
    wc_error err = { 0 };
    if (decode_module(r, command, &module, &engine_error, &err) == 0) {
        wasm_module_free(module);
        fail(r, line, "%s \"%s\": the module was accepted", what, text ? text : "");
        return;
    }
    if (!engine_error || err.code != wanted) {
        fail(r, line, "%s \"%s\": got %s: %s", what, text ? text : "", wc_code_name(err.code),
             err.message);
        return;
    }
    if (r->options->check_messages && text != NULL && !text_matches(err.message, text)) {
        fail(r, line, "%s \"%s\": message was \"%s\"", what, text, err.message);
        return;
    }
    r->counts.passed++;
}

/* assert_unlinkable / assert_uninstantiable: the module is valid but instantiation fails. */
static void run_assert_instantiation_fails(runner *r, json_t *command, json_int_t line,
                                           const char *what, wc_code wanted)
{
    if (is_text_module(command)) {
        r->counts.not_applicable++;
        return;
    }
    const char *text = json_string_value(json_object_get(command, "text"));
    if (text == NULL)
        text = "";
    wasm_module *module = NULL;
    bool engine_error;
    wc_error err = { 0 };
    if (decode_module(r, command, &module, &engine_error, &err) < 0) {
        fail(r, line, "%s \"%s\": the module did not load: %s: %s", what, text,
             wc_code_name(err.code), err.message);
        return;
    }
    if (keep_module(r, module, &err) < 0) {
        fail(r, line, "%s: %s", what, err.message);
        return;
    }
    wasm_instance *instance = NULL;
    wasm_trap trap;
    if (instantiate(r, module, &instance, &trap, &err) == 0) {
        fail(r, line, "%s \"%s\": the module instantiated", what, text);
        return;
    }
    if (err.code != wanted) {
        fail(r, line, "%s \"%s\": got %s: %s", what, text, wc_code_name(err.code), err.message);
        return;
    }
    if (wanted == WC_EUNLINKABLE && r->options->check_messages
        && !text_matches(err.message, text)) {
        fail(r, line, "%s \"%s\": message was \"%s\"", what, text, err.message);
        return;
    }
    if (wanted == WC_ETRAP && !trap_text_matches(&trap, text)) {
        fail(r, line, "%s \"%s\": trapped with \"%s\"", what, text, trap_text(&trap));
        return;
    }
    r->counts.passed++;
}

/* ---- actions ---------------------------------------------------------------------------- */

static void free_action_result(action_result *result)
{
    free(result->types);
    free(result->values);
    result->types = NULL;
    result->values = NULL;
}

static int allocate_results(action_result *result, uint32_t count, wc_error *err)
{
    result->count = count;
    /* At least one slot each, so a function without results still gets valid pointers. */
    result->types = calloc(count ? count : 1, sizeof *result->types);
    result->values = calloc(count ? count : 1, sizeof *result->values);
    if (result->types == NULL || result->values == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    return 0;
}

/* Parses an action's arguments and appends them to the description: "(i32:1, i32:2)". */
static int parse_args(json_t *args_json, wasm_value **args_out, wasm_valtype **types_out,
                      action_result *result, wc_error *err)
{
    size_t count = json_array_size(args_json);
    cleanup_free wasm_value *args = calloc(count ? count : 1, sizeof *args);
    cleanup_free wasm_valtype *types = calloc(count ? count : 1, sizeof *types);
    if (args == NULL || types == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    size_t used = strlen(result->description);
    size_t size = sizeof result->description;
    for (size_t i = 0; i < count; i++) {
        if (spectest_parse_value(json_array_get(args_json, i), &types[i], &args[i], err) < 0)
            return wc_error_prefix(err, "argument %zu", i);
        char text[160];
        spectest_format_value(types[i], args[i], SPECTEST_LANES_NONE, text, sizeof text);
        if (used < size)
            used += (size_t)snprintf(result->description + used, size - used, "%s%s",
                                     i ? ", " : "", text);
    }
    if (used < size)
        snprintf(result->description + used, size - used, ")");
    *args_out = steal_pointer(&args);
    *types_out = steal_pointer(&types);
    return 0;
}

static int invoke(runner *r, wasm_func *func, const wasm_value *args,
                  const wasm_valtype *arg_types, size_t arg_count, action_result *result,
                  wc_error *err)
{
    const wasm_functype *type = wasm_func_type(func);
    if (arg_count != type->param_count)
        return wc_error_set(err, WC_EINVAL, "%zu arguments given, the function takes %" PRIu32,
                            arg_count, type->param_count);
    for (size_t i = 0; i < arg_count; i++) {
        if (arg_types[i] != type->params[i])
            return wc_error_set(err, WC_EINVAL, "argument %zu is %s, the function takes %s", i,
                                spectest_valtype_name(arg_types[i]),
                                spectest_valtype_name(type->params[i]));
    }
    if (allocate_results(result, type->result_count, err) < 0)
        return -1;
    for (uint32_t i = 0; i < type->result_count; i++)
        result->types[i] = type->results[i];
    memset(&result->trap, 0, sizeof result->trap);
    spectest_deadline_arm(&r->deadline);
    int rc = wasm_func_call(r->store, func, args, result->values, &result->trap);
    spectest_deadline_disarm(&r->deadline);
    result->trapped = rc < 0;
    return 0;
}

/* Runs an invoke or get. Returns 0 when it ran (result->trapped says whether it trapped),
 * -1 when it could not be run at all (unknown module or export, bad arguments). */
static int run_action(runner *r, json_t *action, action_result *result, wc_error *err)
{
    memset(result, 0, sizeof *result);
    const char *type = json_string_value(json_object_get(action, "type"));
    const char *module_name = json_string_value(json_object_get(action, "module"));
    json_t *field = json_object_get(action, "field");
    if (type == NULL || !json_is_string(field))
        return wc_error_set(err, WC_EINVAL, "malformed action");
    char quoted[200];
    quote_name(json_string_value(field), json_string_length(field), quoted, sizeof quoted);
    snprintf(result->description, sizeof result->description, "%s %s%s\"%s\"%s", type,
             module_name ? module_name : "", module_name ? " " : "", quoted,
             strcmp(type, "invoke") == 0 ? "(" : "");
    bool is_invoke = strcmp(type, "invoke") == 0;
    cleanup_free wasm_value *args = NULL;
    cleanup_free wasm_valtype *arg_types = NULL;
    json_t *args_json = json_object_get(action, "args");
    if (is_invoke && parse_args(args_json, &args, &arg_types, result, err) < 0)
        return -1;

    wasm_instance *instance = lookup_instance(r, module_name, err);
    if (instance == NULL)
        return -1;
    wasm_name name = { json_string_value(field), (uint32_t)json_string_length(field) };
    wasm_extern ext;
    if (!wasm_instance_export(instance, name, &ext))
        return wc_error_set(err, WC_ENOTFOUND, "no export \"%s\"", quoted);

    if (is_invoke) {
        if (ext.kind != WASM_EXTERN_FUNC)
            return wc_error_set(err, WC_EINVAL, "export \"%s\" is not a function", quoted);
        return invoke(r, ext.of.func, args, arg_types, json_array_size(args_json), result, err);
    }
    if (strcmp(type, "get") == 0) {
        if (ext.kind != WASM_EXTERN_GLOBAL)
            return wc_error_set(err, WC_EINVAL, "export \"%s\" is not a global", quoted);
        if (allocate_results(result, 1, err) < 0)
            return -1;
        result->types[0] = wasm_global_type(ext.of.global).type;
        result->values[0] = wasm_global_get(ext.of.global);
        return 0;
    }
    return wc_error_set(err, WC_EINVAL, "unknown action type %s", type);
}

static void format_results(const action_result *result, const spectest_expected *like,
                           size_t like_count, char *buffer, size_t size)
{
    size_t used = 0;
    buffer[0] = '\0';
    for (uint32_t i = 0; i < result->count && used < size; i++) {
        char text[400];
        spectest_lanes lanes = i < like_count ? like[i].lanes : SPECTEST_LANES_NONE;
        spectest_format_value(result->types[i], result->values[i], lanes, text, sizeof text);
        used += (size_t)snprintf(buffer + used, size - used, "%s%s", i ? ", " : "", text);
    }
    if (result->count == 0)
        snprintf(buffer, size, "no results");
}

static void run_assert_return(runner *r, json_t *command, json_int_t line)
{
    wc_error err = { 0 };
    action_result result;
    if (run_action(r, json_object_get(command, "action"), &result, &err) < 0) {
        fail(r, line, "%s: %s", result.description, err.message);
        free_action_result(&result);
        return;
    }
    if (result.trapped) {
        fail(r, line, "%s: trapped: %s", result.description, trap_text(&result.trap));
        free_action_result(&result);
        return;
    }
    json_t *expected_json = json_object_get(command, "expected");
    size_t expected_count = json_array_size(expected_json);
    spectest_expected *expected = calloc(expected_count ? expected_count : 1, sizeof *expected);
    if (expected == NULL) {
        fail(r, line, "out of memory");
        free_action_result(&result);
        return;
    }
    bool ok = true;
    char message[1400] = "";
    for (size_t i = 0; i < expected_count && ok; i++) {
        if (spectest_parse_expected(json_array_get(expected_json, i), &expected[i], &err) < 0) {
            snprintf(message, sizeof message, "expected value %zu: %s", i, err.message);
            ok = false;
        }
    }
    if (ok && expected_count != result.count) {
        snprintf(message, sizeof message, "expected %zu results, got %" PRIu32, expected_count,
                 result.count);
        ok = false;
    }
    for (size_t i = 0; i < expected_count && ok; i++) {
        if (!spectest_value_matches(&expected[i], result.types[i], result.values[i])) {
            char want[400], got[900];
            spectest_format_expected(&expected[i], want, sizeof want);
            format_results(&result, expected, expected_count, got, sizeof got);
            snprintf(message, sizeof message, "result %zu: expected %s, got %s", i, want, got);
            ok = false;
        }
    }
    if (ok)
        r->counts.passed++;
    else
        fail(r, line, "%s: %s", result.description, message);
    free(expected);
    free_action_result(&result);
}

/* assert_trap and assert_exhaustion (which also names the trap kind it wants). */
static void run_assert_trap(runner *r, json_t *command, json_int_t line, bool exhaustion)
{
    const char *text = json_string_value(json_object_get(command, "text"));
    if (text == NULL)
        text = "";
    wc_error err = { 0 };
    action_result result;
    if (run_action(r, json_object_get(command, "action"), &result, &err) < 0) {
        fail(r, line, "%s: %s", result.description, err.message);
    } else if (!result.trapped) {
        char got[900];
        format_results(&result, NULL, 0, got, sizeof got);
        fail(r, line, "%s: expected trap \"%s\", got %s", result.description, text, got);
    } else if (exhaustion ? result.trap.kind != WASM_TRAP_STACK_EXHAUSTED
                          : !trap_text_matches(&result.trap, text)) {
        fail(r, line, "%s: expected trap \"%s\", got trap \"%s\"", result.description, text,
             trap_text(&result.trap));
    } else {
        r->counts.passed++;
    }
    free_action_result(&result);
}

static void run_plain_action(runner *r, json_t *command, json_int_t line)
{
    wc_error err = { 0 };
    action_result result;
    if (run_action(r, json_object_get(command, "action"), &result, &err) < 0)
        fail(r, line, "%s: %s", result.description, err.message);
    else if (result.trapped)
        fail(r, line, "%s: trapped: %s", result.description, trap_text(&result.trap));
    else
        r->counts.passed++;
    free_action_result(&result);
}

static void run_command(runner *r, json_t *command)
{
    const char *type = json_string_value(json_object_get(command, "type"));
    json_int_t line = json_integer_value(json_object_get(command, "line"));
    if (type == NULL)
        fail(r, line, "command without a type");
    else if (strcmp(type, "module") == 0)
        run_module(r, command, line);
    else if (strcmp(type, "register") == 0)
        run_register(r, command, line);
    else if (strcmp(type, "action") == 0)
        run_plain_action(r, command, line);
    else if (strcmp(type, "assert_return") == 0)
        run_assert_return(r, command, line);
    else if (strcmp(type, "assert_trap") == 0)
        run_assert_trap(r, command, line, false);
    else if (strcmp(type, "assert_exhaustion") == 0)
        run_assert_trap(r, command, line, true);
    else if (strcmp(type, "assert_malformed") == 0)
        run_assert_rejected(r, command, line, "assert_malformed", WC_EMALFORMED);
    else if (strcmp(type, "assert_invalid") == 0)
        run_assert_rejected(r, command, line, "assert_invalid", WC_EINVALIDMODULE);
    else if (strcmp(type, "assert_unlinkable") == 0)
        run_assert_instantiation_fails(r, command, line, "assert_unlinkable", WC_EUNLINKABLE);
    else if (strcmp(type, "assert_uninstantiable") == 0)
        run_assert_instantiation_fails(r, command, line, "assert_uninstantiable", WC_ETRAP);
    else
        fail(r, line, "unknown command type %s", type);
}

/* ---- a whole script --------------------------------------------------------------------- */

static void runner_destroy(runner *r)
{
    spectest_deadline_destroy(&r->deadline);
    if (r->linker != NULL)
        wasm_linker_free(r->linker);
    if (r->store != NULL)
        wasm_store_free(r->store);
    for (size_t i = 0; i < r->module_count; i++)
        wasm_module_free(r->modules[i]);
    free(r->modules);
    for (size_t i = 0; i < r->named_count; i++)
        free(r->named[i].name);
    free(r->named);
}

static int run_script(const char *json_path, const char *dir, const char *display,
                      const spectest_options *options, spectest_counts *counts, wc_error *err)
{
    json_error_t json_error;
    json_t *root = json_load_file(json_path, JSON_ALLOW_NUL, &json_error);
    if (root == NULL)
        return wc_error_set(err, WC_EINVAL, "%s:%d: %s", json_path, json_error.line,
                            json_error.text);
    json_t *commands = json_object_get(root, "commands");
    if (!json_is_array(commands)) {
        json_decref(root);
        return wc_error_set(err, WC_EINVAL, "%s: no \"commands\" array", json_path);
    }

    runner r = { .script = display, .dir = dir, .options = options };
    r.store = wasm_store_new(NULL);
    r.linker = r.store != NULL ? wasm_linker_new(r.store) : NULL;
    if (r.linker == NULL) {
        runner_destroy(&r);
        json_decref(root);
        return wc_error_set(err, WC_ERESOURCE, "cannot create a store: out of memory");
    }
    if (spectest_deadline_init(&r.deadline, r.store, options->command_timeout_ms, err) < 0
        || spectest_host_module_define(r.store, r.linker, options->host_output, err) < 0) {
        runner_destroy(&r);
        json_decref(root);
        return -1;
    }

    for (size_t i = 0; i < json_array_size(commands); i++)
        run_command(&r, json_array_get(commands, i));

    counts->passed += r.counts.passed;
    counts->failed += r.counts.failed;
    counts->not_applicable += r.counts.not_applicable;
    runner_destroy(&r);
    json_decref(root);
    return 0;
}

int spectest_run_json(const char *json_path, const spectest_options *options,
                      spectest_counts *counts, wc_error *err)
{
    cleanup_free char *copy = strdup(json_path);
    if (copy == NULL)
        return wc_error_set(err, WC_ERESOURCE, "out of memory");
    return run_script(json_path, dirname(copy), json_path, options, counts, err);
}

int spectest_run_wast(const char *wast_path, const spectest_options *options,
                      spectest_counts *counts, wc_error *err)
{
    cleanup_free char *dir = NULL;
    cleanup_free char *json_path = NULL;
    if (spectest_convert(wast_path, &dir, &json_path, err) < 0)
        return -1;
    int rc = run_script(json_path, dir, wast_path, options, counts, err);
    spectest_remove_dir(dir);
    return rc;
}
