/* module.h - the decoded module: what the front end (decode.c, validate.c) hands the back end
 * (compile.c, the interpreter, instantiation). Internal to src/wasm.
 *
 * Index spaces follow the spec: imports come first in every space (functions, tables, memories,
 * globals). All pointers point into memory owned by the module (module->bytes is the module's
 * own copy of the binary; arrays are allocated by the decoder and freed by wasm_module_free). */
#ifndef WASMCRI_WASM_MODULE_H
#define WASMCRI_WASM_MODULE_H

#include "wasm/wasm.h"

/* A constant expression (global initialiser, segment offset, element item), as raw validated
 * bytes from the binary, ending with its `end` opcode. Wasm 2.0 allows t.const, ref.null,
 * ref.func and global.get (of an imported global). */
typedef struct wasm_const_expr {
    const uint8_t *code;
    uint32_t length;
} wasm_const_expr;

typedef struct wasm_import_desc {
    wasm_name module;
    wasm_name name;
    wasm_extern_kind kind;
    uint32_t index; /* the index the import occupies in its kind's space */
} wasm_import_desc;

typedef struct wasm_export_desc {
    wasm_name name;
    wasm_extern_kind kind;
    uint32_t index;
} wasm_export_desc;

typedef struct wasm_module_global {
    wasm_globaltype type;
    wasm_const_expr init; /* empty (length 0) for an imported global */
} wasm_module_global;

typedef enum wasm_segment_mode {
    WASM_SEGMENT_ACTIVE,
    WASM_SEGMENT_PASSIVE,
    WASM_SEGMENT_DECLARATIVE,
} wasm_segment_mode;

typedef struct wasm_module_elem {
    wasm_segment_mode mode;
    wasm_valtype type;          /* WASM_FUNCREF or WASM_EXTERNREF */
    uint32_t table;             /* active only */
    wasm_const_expr offset;     /* active only */
    uint32_t item_count;
    /* Exactly one of these is set: the function-index form, or the expression form. */
    uint32_t *func_indices;
    wasm_const_expr *exprs;
} wasm_module_elem;

typedef struct wasm_module_data {
    wasm_segment_mode mode;     /* ACTIVE or PASSIVE */
    uint32_t memory;            /* active only */
    wasm_const_expr offset;     /* active only */
    const uint8_t *bytes;
    uint32_t length;
} wasm_module_data;

typedef struct wasm_module_code {
    uint32_t local_count;       /* declared locals, parameters not included */
    wasm_valtype *local_types;  /* local_count entries, expanded from the compressed form */
    const uint8_t *body;        /* the instruction sequence after the locals, final `end` included */
    uint32_t body_length;
    uint32_t body_offset;       /* offset of body in module->bytes, for error messages */
} wasm_module_code;

typedef struct wasm_custom_section {
    wasm_name name;
    const uint8_t *data;
    uint32_t length;
} wasm_custom_section;

typedef struct wasm_compiled wasm_compiled; /* the back end's form of the code; see compile.h */

struct wasm_module {
    uint8_t *bytes;             /* owned copy of the binary */
    size_t length;

    uint32_t type_count;
    wasm_functype *types;       /* params/results arrays allocated by the decoder */

    uint32_t import_count;
    wasm_import_desc *imports;

    uint32_t func_count;        /* imported + defined */
    uint32_t func_import_count;
    uint32_t *func_types;       /* func_count type indices */

    uint32_t table_count;
    uint32_t table_import_count;
    wasm_tabletype *tables;

    uint32_t memory_count;
    uint32_t memory_import_count;
    wasm_memorytype *memories;

    uint32_t global_count;
    uint32_t global_import_count;
    wasm_module_global *globals;

    uint32_t export_count;
    wasm_export_desc *exports;

    bool has_start;
    uint32_t start;

    uint32_t elem_count;
    wasm_module_elem *elems;

    bool has_data_count;        /* the DataCount section was present */
    uint32_t data_count;
    wasm_module_data *datas;

    uint32_t code_count;        /* == func_count - func_import_count once validated */
    wasm_module_code *codes;

    /* Functions referenced outside function bodies (exports, element segments, global inits):
     * the only ones ref.func may name in a body (the spec's C.refs). func_count flags. */
    bool *func_declared;

    /* From the "name" custom section, when present and well formed: func_count entries,
     * {NULL, 0} where a function has no name. Used in trap messages. */
    wasm_name *func_names;

    uint32_t custom_count;
    wasm_custom_section *customs;

    wasm_compiled *compiled;    /* set by wasm_compile(); NULL after validate-only loads */
};

/* Front end: decode.c. Fills module from bytes (which it copies). On failure err is
 * WC_EMALFORMED with the spec's text and the module is left for wasm_module_free. */
int wasm_decode(wasm_module *module, const uint8_t *bytes, size_t length, wc_error *err);
/* Front end: decode.c. Frees what wasm_decode allocated (not module->compiled, not module
 * itself); wasm_module_free calls it. A type's results array lives in its params allocation. */
void wasm_decoded_free(wasm_module *module);
/* Front end: validate.c. WC_EINVALIDMODULE with the spec's text on failure. */
int wasm_validate(const wasm_module *module, wc_error *err);

/* Back end: compile.c. Sets module->compiled: every function's frame layout now, its body's
 * internal code lazily on first call (compile.h). wasm_compiled_free releases it. */
int wasm_compile(wasm_module *module, wc_error *err);
void wasm_compiled_free(wasm_compiled *compiled);

#endif
