/* frontend_check - checks the engine's front end (decode + validate) in-process.
 *
 *   frontend_check spec FILE.json...   wast2json scripts: every module (and the modules of
 *                                      assert_unlinkable/uninstantiable/trap forms) must
 *                                      validate; every assert_invalid must fail as invalid with
 *                                      the expected text; every binary assert_malformed must fail
 *                                      as malformed with it. One PASS/FAIL line per file.
 *   frontend_check introspect          imports, exports, custom and name sections of a built
 *                                      module (wasm_module_new: this one needs the back end).
 *   frontend_check valid FILE.wasm...  real modules that must decode and validate.
 *   frontend_check hostile FILE.wasm...  builds hostile modules (huge counts, 100k locals, deep
 *                                      nesting) and mutates the given ones (every truncation,
 *                                      byte flips): each must end in a clean error or success.
 *
 * Apart from `introspect`, it calls only the front end (decode + validate). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/file.h"
#include "wasm/module.h"

static int load(const uint8_t *bytes, size_t length, wc_error *err)
{
    wasm_module module;
    memset(&module, 0, sizeof module);
    int rc = wasm_decode(&module, bytes, length, err);
    if (rc == 0)
        rc = wasm_validate(&module, err);
    wasm_decoded_free(&module);
    return rc;
}

static int load_file(const char *dir, const char *name, wc_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", name[0] == '/' ? "" : dir, name);
    uint8_t *bytes = NULL;
    size_t length = 0;
    if (wc_read_file(path, &bytes, &length, err) < 0)
        return -2;
    int rc = load(bytes, length, err);
    free(bytes);
    return rc;
}

/* Returns the number of failed checks; counts checks and not-applicable ones. */
static int check_script(const char *json_path, int *checks, int *not_applicable)
{
    json_error_t jerr;
    json_t *root = json_load_file(json_path, JSON_ALLOW_NUL, &jerr);
    if (root == NULL) {
        printf("  %s: cannot parse: %s\n", json_path, jerr.text);
        return 1;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", json_path);
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    else
        strcpy(dir, ".");

    int failed = 0;
    json_t *commands = json_object_get(root, "commands");
    size_t i;
    json_t *cmd;
    json_array_foreach(commands, i, cmd) {
        const char *type = json_string_value(json_object_get(cmd, "type"));
        const char *file = json_string_value(json_object_get(cmd, "filename"));
        const char *text = json_string_value(json_object_get(cmd, "text"));
        const char *module_type = json_string_value(json_object_get(cmd, "module_type"));
        int line = (int)json_integer_value(json_object_get(cmd, "line"));
        if (type == NULL || file == NULL)
            continue;
        wc_error err = { 0 };
        bool must_pass = strcmp(type, "module") == 0 || strcmp(type, "assert_unlinkable") == 0
                         || strcmp(type, "assert_uninstantiable") == 0;
        bool invalid = strcmp(type, "assert_invalid") == 0;
        bool malformed = strcmp(type, "assert_malformed") == 0;
        if (!must_pass && !invalid && !malformed)
            continue;
        if (module_type != NULL && strcmp(module_type, "binary") != 0) {
            (*not_applicable)++; /* text-format-only cases: nothing for a binary decoder */
            continue;
        }
        (*checks)++;
        int rc = load_file(dir, file, &err);
        if (rc == -2) {
            printf("  line %d: %s: %s\n", line, file, err.message);
            failed++;
        } else if (must_pass && rc < 0) {
            printf("  line %d: %s: expected valid, got: %s\n", line, file, err.message);
            failed++;
        } else if (!must_pass && rc == 0) {
            printf("  line %d: %s: expected \"%s\", but it validated\n", line, file, text);
            failed++;
        } else if (!must_pass) {
            wc_code want = invalid ? WC_EINVALIDMODULE : WC_EMALFORMED;
            if (err.code != want || text == NULL || strstr(err.message, text) == NULL) {
                printf("  line %d: %s: expected %s \"%s\", got %s \"%s\"\n", line, file,
                       wc_code_name(want), text ? text : "", wc_code_name(err.code), err.message);
                failed++;
            }
        }
    }
    json_decref(root);
    return failed;
}

static int spec(int argc, char **argv)
{
    int total_failed = 0;
    for (int i = 0; i < argc; i++) {
        int checks = 0, na = 0;
        int failed = check_script(argv[i], &checks, &na);
        const char *base = strrchr(argv[i], '/');
        base = base ? base + 1 : argv[i];
        if (failed == 0)
            printf("PASS %s (%d checks, %d text-only not applicable)\n", base, checks, na);
        else
            printf("FAIL %s: %d of %d checks failed\n", base, failed, checks);
        total_failed += failed != 0;
    }
    return total_failed ? 1 : 0;
}

/* ---- hostile input ------------------------------------------------------------------- */

typedef struct buf {
    uint8_t *data;
    size_t length, cap;
} buf;

static void put(buf *b, const void *data, size_t n)
{
    if (b->length + n > b->cap) {
        b->cap = (b->length + n) * 2;
        b->data = realloc(b->data, b->cap);
        if (b->data == NULL)
            abort();
    }
    memcpy(b->data + b->length, data, n);
    b->length += n;
}

static void put_byte(buf *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put_u32(buf *b, uint32_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        put_byte(b, byte | (v ? 0x80 : 0));
    } while (v);
}

static void put_section(buf *module, uint8_t id, const buf *content)
{
    put_byte(module, id);
    put_u32(module, (uint32_t)content->length);
    put(module, content->data, content->length);
}

/* A module with one () -> () function whose body is given. */
static buf module_with_body(const buf *locals_and_code)
{
    buf m = { 0 }, s = { 0 };
    put(&m, "\0asm\1\0\0\0", 8);
    put(&s, "\x01\x60\x00\x00", 4);
    put_section(&m, 1, &s);
    s.length = 0;
    put(&s, "\x01\x00", 2);
    put_section(&m, 3, &s);
    s.length = 0;
    put_u32(&s, 1);
    put_u32(&s, (uint32_t)locals_and_code->length);
    put(&s, locals_and_code->data, locals_and_code->length);
    put_section(&m, 10, &s);
    free(s.data);
    return m;
}

/* Type 0 is () -> (i32 x wide_results); type 1 is () -> (). Function 0 has type 0 and body
 * `unreachable end`; function 1 has type `second_type` and the given body. */
static buf module_with_wide_type(uint32_t wide_results, uint8_t second_type, const buf *body)
{
    buf m = { 0 }, s = { 0 };
    put(&m, "\0asm\1\0\0\0", 8);
    put(&s, "\x02\x60\x00", 3);
    put_u32(&s, wide_results);
    for (uint32_t i = 0; i < wide_results; i++)
        put_byte(&s, 0x7f);
    put(&s, "\x60\x00\x00", 3);
    put_section(&m, 1, &s);
    s.length = 0;
    put(&s, "\x02\x00", 2);
    put_byte(&s, second_type);
    put_section(&m, 3, &s);
    s.length = 0;
    put_u32(&s, 2);
    put(&s, "\x03\x00\x00\x0b", 4);
    put_u32(&s, (uint32_t)body->length);
    put(&s, body->data, body->length);
    put_section(&m, 10, &s);
    free(s.data);
    return m;
}

static int expect(const char *name, const buf *m, bool want_ok, wc_code want_code,
                  const char *want_text)
{
    wc_error err = { 0 };
    int rc = load(m->data, m->length, &err);
    bool ok = want_ok ? rc == 0
                      : rc < 0 && err.code == want_code && strstr(err.message, want_text);
    if (ok)
        printf("PASS hostile %s\n", name);
    else
        printf("FAIL hostile %s: got %s \"%s\"\n", name, rc == 0 ? "success" : wc_code_name(err.code),
               rc == 0 ? "" : err.message);
    return ok ? 0 : 1;
}

static int hostile_builtins(void)
{
    int failed = 0;
    buf body = { 0 }, m;

    /* 100,000 locals in one group: over the bound, refused before any allocation. */
    put(&body, "\x01", 1);
    put_u32(&body, 100000);
    put(&body, "\x7f\x0b", 2);
    m = module_with_body(&body);
    failed += expect("100k-locals", &m, false, WC_EMALFORMED, "too many locals");
    free(m.data);

    /* Many groups summing past the bound. */
    body.length = 0;
    put_u32(&body, 20000);
    for (int i = 0; i < 20000; i++)
        put(&body, "\x03\x7e", 2);
    put_byte(&body, 0x0b);
    m = module_with_body(&body);
    failed += expect("60k-locals-in-groups", &m, false, WC_EMALFORMED, "too many locals");
    free(m.data);

    /* 40,000 locals: fine. */
    body.length = 0;
    put(&body, "\x01", 1);
    put_u32(&body, 40000);
    put(&body, "\x7c\x0b", 2);
    m = module_with_body(&body);
    failed += expect("40k-locals", &m, true, WC_OK, "");
    free(m.data);

    /* 200,000 nested blocks, properly closed: valid, and no recursion in the validator. */
    body.length = 0;
    put_byte(&body, 0x00);
    for (int i = 0; i < 200000; i++)
        put(&body, "\x02\x40", 2);
    for (int i = 0; i < 200000; i++)
        put_byte(&body, 0x0b);
    put_byte(&body, 0x0b);
    m = module_with_body(&body);
    failed += expect("deep-nesting", &m, true, WC_OK, "");
    free(m.data);

    /* Nested blocks never closed, at the end of the module. */
    body.length = 0;
    put_byte(&body, 0x00);
    for (int i = 0; i < 100000; i++)
        put(&body, "\x02\x40", 2);
    m = module_with_body(&body);
    failed += expect("deep-nesting-unclosed", &m, false, WC_EMALFORMED, "unexpected end");
    free(m.data);

    /* br_table with a huge claimed target count. */
    body.length = 0;
    put(&body, "\x00\x41\x00\x0e\xff\xff\xff\xff\x0f\x00\x0b", 11);
    m = module_with_body(&body);
    failed += expect("br_table-huge-count", &m, false, WC_EMALFORMED, "unexpected end");
    free(m.data);

    /* Huge counts in every vector section. */
    static const uint8_t sections[] = { 1, 2, 3, 4, 5, 6, 7, 9, 10, 11 };
    for (size_t i = 0; i < sizeof sections; i++) {
        buf mod = { 0 }, s = { 0 };
        put(&mod, "\0asm\1\0\0\0", 8);
        put(&s, "\xff\xff\xff\xff\x0f\x00\x00", 7);
        put_section(&mod, sections[i], &s);
        char name[64];
        snprintf(name, sizeof name, "huge-count-section-%u", sections[i]);
        wc_error err = { 0 };
        int rc = load(mod.data, mod.length, &err);
        if (rc < 0 && err.code == WC_EMALFORMED) {
            printf("PASS hostile %s\n", name);
        } else {
            printf("FAIL hostile %s: got %s\n", name, rc == 0 ? "success" : err.message);
            failed++;
        }
        free(mod.data);
        free(s.data);
    }

    /* 100,000 type entries of 1000 params each claimed, with only a few bytes. */
    {
        buf mod = { 0 }, s = { 0 };
        put(&mod, "\0asm\1\0\0\0", 8);
        put(&s, "\x01\x60\xff\xff\xff\xff\x0f", 7);
        put_section(&mod, 1, &s);
        failed += expect("huge-param-count", &mod, false, WC_EMALFORMED, "unexpected end");
        free(mod.data);
        free(s.data);
    }
    /* Function types beyond the JS API's 1000 parameters or results are refused. */
    body.length = 0;
    put(&body, "\x00\x00\x0b", 3);
    m = module_with_wide_type(1001, 1, &body);
    failed += expect("1001-results", &m, false, WC_ERESOURCE, "results");
    free(m.data);

    /* Calls pushing 1000 results each, 1100 times: the operand stack bound stops it. */
    body.length = 0;
    put_byte(&body, 0x00);
    for (int i = 0; i < 1100; i++)
        put(&body, "\x10\x00", 2);
    put_byte(&body, 0x0b);
    m = module_with_wide_type(1000, 1, &body);
    failed += expect("operand-stack-bound", &m, false, WC_ERESOURCE, "operand stack");
    free(m.data);

    /* br_table with 2,000,000 targets at a label of 1000 results: valid, and quick. */
    body.length = 0;
    put(&body, "\x00\x02\x00\x00\x0e", 5);
    put_u32(&body, 2000000);
    for (int i = 0; i < 2000000; i++)
        put_byte(&body, 0x00);
    put(&body, "\x00\x0b\x0b", 3);
    m = module_with_wide_type(1000, 0, &body);
    failed += expect("br_table-wide-label", &m, true, WC_OK, "");
    free(m.data);

    free(body.data);
    return failed;
}

/* Every truncation and a deterministic set of byte mutations of a real module: each load must
 * finish with success or a clean error (the sanitizers catch anything else). */
static int hostile_mutations(const char *path)
{
    wc_error err = { 0 };
    uint8_t *bytes = NULL;
    size_t length = 0;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (wc_read_file(path, &bytes, &length, &err) < 0) {
        printf("FAIL mutate %s: %s\n", base, err.message);
        return 1;
    }
    int bad = 0;
    /* Large modules get fewer rounds: each load of a megabyte module validates all of it. */
    bool large = length > 100000;
    size_t truncations = large ? 150 : 4000;
    int rounds = large ? 150 : 3000;
    size_t step = length > truncations ? length / truncations : 1;
    for (size_t n = 0; n < length; n += step) {
        if (load(bytes, n, &err) == 0 && n < length) {
            /* A truncated module can still be a valid one (at a section boundary). */
        } else if (err.message[0] == '\0') {
            bad++;
        }
    }
    uint8_t *copy = malloc(length ? length : 1);
    uint32_t seed = 12345;
    for (int round = 0; round < rounds && length > 8; round++) {
        memcpy(copy, bytes, length);
        for (int k = 0; k < 1 + round % 4; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = 8 + (seed >> 8) % (length - 8);
            seed = seed * 1103515245u + 12345u;
            copy[at] = (round & 1) ? (uint8_t)(seed >> 16) : copy[at] ^ (uint8_t)(1u << (seed % 8));
        }
        err.message[0] = '\0';
        if (load(copy, length, &err) < 0 && err.message[0] == '\0')
            bad++;
    }
    free(copy);
    free(bytes);
    if (bad)
        printf("FAIL mutate %s: %d loads failed without a message\n", base, bad);
    else
        printf("PASS mutate %s\n", base);
    return bad ? 1 : 0;
}

/* ---- introspection and the name section ------------------------------------------- */

static int check(bool ok, const char *name, const char *why)
{
    printf(ok ? "PASS introspect %s\n" : "FAIL introspect %s: %s\n", name, why);
    return ok ? 0 : 1;
}

static void put_name(buf *b, const char *s)
{
    put_u32(b, (uint32_t)strlen(s));
    put(b, s, strlen(s));
}

/* (import "env" "f" (func (param i32) (result i64))), table, memory and global imports, one
 * function exported as "run", a custom section "hello" and a name section naming function 1. */
static buf introspect_module(bool good_names)
{
    buf m = { 0 }, s = { 0 };
    put(&m, "\0asm\1\0\0\0", 8);
    put(&s, "\x02\x60\x01\x7f\x01\x7e\x60\x00\x00", 9);
    put_section(&m, 1, &s);
    s.length = 0;
    put_u32(&s, 4);
    put_name(&s, "env"); put_name(&s, "f"); put(&s, "\x00\x00", 2);
    put_name(&s, "env"); put_name(&s, "t"); put(&s, "\x01\x70\x01\x01\x02", 5);
    put_name(&s, "env"); put_name(&s, "m"); put(&s, "\x02\x00\x01", 3);
    put_name(&s, "env"); put_name(&s, "g"); put(&s, "\x03\x7f\x00", 3);
    put_section(&m, 2, &s);
    s.length = 0;
    put(&s, "\x01\x01", 2);
    put_section(&m, 3, &s);
    s.length = 0;
    put_u32(&s, 4);
    put_name(&s, "run"); put(&s, "\x00\x01", 2);
    put_name(&s, "tab"); put(&s, "\x01\x00", 2);
    put_name(&s, "mem"); put(&s, "\x02\x00", 2);
    put_name(&s, "g"); put(&s, "\x03\x00", 2);
    put_section(&m, 7, &s);
    s.length = 0;
    put(&s, "\x01\x02\x00\x0b", 4);
    put_section(&m, 10, &s);
    s.length = 0;
    put_name(&s, "hello");
    put(&s, "world", 5);
    put_section(&m, 0, &s);
    s.length = 0;
    put_name(&s, "name");
    buf sub = { 0 };
    put_u32(&sub, good_names ? 1 : 3); /* a bad one claims three names and has one */
    put_u32(&sub, 1);
    put_name(&sub, "main");
    put_byte(&s, 1);
    put_u32(&s, (uint32_t)sub.length);
    put(&s, sub.data, sub.length);
    put_section(&m, 0, &s);
    free(sub.data);
    free(s.data);
    return m;
}

static int introspect(void)
{
    int failed = 0;
    wc_error err = { 0 };
    buf bytes = introspect_module(true);
    wasm_module *m = NULL;
    if (wasm_module_new(bytes.data, bytes.length, &m, &err) < 0) {
        printf("FAIL introspect load: %s\n", err.message);
        free(bytes.data);
        return 1;
    }
    free(bytes.data); /* the module keeps its own copy */
    failed += check(wasm_module_import_count(m) == 4, "import-count", "not 4");
    wasm_import_info imp;
    wasm_module_import(m, 0, &imp);
    failed += check(wasm_name_equal(imp.module, WASM_NAME("env"))
                    && wasm_name_equal(imp.name, WASM_NAME("f")) && imp.type.kind == WASM_EXTERN_FUNC
                    && imp.type.of.func->param_count == 1 && imp.type.of.func->params[0] == WASM_I32
                    && imp.type.of.func->result_count == 1 && imp.type.of.func->results[0] == WASM_I64,
                    "import-func", "env.f is not (i32) -> (i64)");
    wasm_module_import(m, 1, &imp);
    failed += check(imp.type.kind == WASM_EXTERN_TABLE && imp.type.of.table.element == WASM_FUNCREF
                    && imp.type.of.table.limits.min == 1 && imp.type.of.table.limits.has_max
                    && imp.type.of.table.limits.max == 2, "import-table", "wrong table type");
    wasm_module_import(m, 2, &imp);
    failed += check(imp.type.kind == WASM_EXTERN_MEMORY && imp.type.of.memory.limits.min == 1
                    && !imp.type.of.memory.limits.has_max, "import-memory", "wrong memory type");
    wasm_module_import(m, 3, &imp);
    failed += check(imp.type.kind == WASM_EXTERN_GLOBAL && imp.type.of.global.type == WASM_I32
                    && !imp.type.of.global.mutable_, "import-global", "wrong global type");
    failed += check(wasm_module_export_count(m) == 4, "export-count", "not 4");
    wasm_export_info exp;
    wasm_module_export(m, 0, &exp);
    failed += check(wasm_name_equal(exp.name, wasm_name_from_cstr("run"))
                    && exp.type.kind == WASM_EXTERN_FUNC && exp.type.of.func->param_count == 0
                    && exp.type.of.func->result_count == 0, "export-func", "run is not () -> ()");
    wasm_module_export(m, 2, &exp);
    failed += check(exp.type.kind == WASM_EXTERN_MEMORY, "export-memory", "mem is not a memory");
    const uint8_t *data = NULL;
    size_t length = 0;
    failed += check(wasm_module_custom_section(m, WASM_NAME("hello"), &data, &length)
                    && length == 5 && memcmp(data, "world", 5) == 0, "custom-section",
                    "hello does not hold world");
    failed += check(!wasm_module_custom_section(m, WASM_NAME("absent"), &data, &length),
                    "custom-section-absent", "found a section that is not there");
    failed += check(m->func_names != NULL && m->func_names[0].length == 0
                    && wasm_name_equal(m->func_names[1], WASM_NAME("main")), "name-section",
                    "function 1 is not named main");
    failed += check(m->func_declared[1] && !m->func_declared[0], "declared-refs",
                    "only the exported function is declared");
    wasm_module_free(m);

    bytes = introspect_module(false);
    m = NULL;
    int rc = wasm_module_new(bytes.data, bytes.length, &m, &err);
    failed += check(rc == 0 && m->func_names == NULL, "bad-name-section-ignored",
                    rc < 0 ? err.message : "names were kept");
    wasm_module_free(m);
    failed += check(wasm_module_validate_bytes(bytes.data, bytes.length, &err) == 0,
                    "validate-bytes", err.message);
    bytes.data[8] = 0x0d; /* a section id that does not exist */
    rc = wasm_module_validate_bytes(bytes.data, bytes.length, &err);
    failed += check(rc < 0 && err.code == WC_EMALFORMED
                    && strstr(err.message, "malformed section id") != NULL,
                    "validate-bytes-malformed", rc < 0 ? err.message : "validated");
    free(bytes.data);
    return failed;
}

/* Real modules that must decode and validate. */
static int valid_files(int argc, char **argv)
{
    int failed = 0;
    for (int i = 0; i < argc; i++) {
        wc_error err = { 0 };
        const char *base = strrchr(argv[i], '/');
        base = base ? base + 1 : argv[i];
        int rc = load_file(".", argv[i], &err);
        if (rc == 0) {
            printf("PASS valid %s\n", base);
        } else {
            printf("FAIL valid %s: %s\n", base, err.message);
            failed++;
        }
    }
    return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "introspect") == 0)
        return introspect() ? 1 : 0;
    if (argc >= 2 && strcmp(argv[1], "valid") == 0)
        return valid_files(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "spec") == 0)
        return spec(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "hostile") == 0) {
        int failed = hostile_builtins();
        for (int i = 2; i < argc; i++)
            failed += hostile_mutations(argv[i]);
        return failed ? 1 : 0;
    }
    fputs("usage: frontend_check spec FILE.json... | introspect | valid FILE.wasm... |"
          " hostile [FILE.wasm...]\n", stderr);
    return 2;
}
