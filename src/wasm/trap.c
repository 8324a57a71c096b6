/* trap.c - trap kinds, their spec texts, and the helpers host functions use to trap. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wasm/runtime.h"

const char *wasm_trap_kind_text(wasm_trap_kind kind)
{
    switch (kind) {
    case WASM_TRAP_NONE: return "no trap";
    case WASM_TRAP_UNREACHABLE: return "unreachable";
    case WASM_TRAP_INT_DIV_BY_ZERO: return "integer divide by zero";
    case WASM_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WASM_TRAP_MEMORY_OOB: return "out of bounds memory access";
    case WASM_TRAP_TABLE_OOB: return "out of bounds table access";
    case WASM_TRAP_UNDEFINED_ELEMENT: return "undefined element";
    case WASM_TRAP_UNINITIALIZED_ELEMENT: return "uninitialized element";
    case WASM_TRAP_INDIRECT_CALL_MISMATCH: return "indirect call type mismatch";
    case WASM_TRAP_STACK_EXHAUSTED: return "call stack exhausted";
    case WASM_TRAP_INTERRUPTED: return "interrupted";
    case WASM_TRAP_HOST: return "host function failed";
    case WASM_TRAP_EXIT: return "exit";
    }
    return "unknown trap";
}

int wasm_trap_set(wasm_trap *trap, wasm_trap_kind kind)
{
    if (trap == NULL)
        return -1;
    trap->kind = kind;
    trap->exit_code = 0;
    snprintf(trap->message, sizeof(trap->message), "%s", wasm_trap_kind_text(kind));
    trap->function[0] = '\0';
    return -1;
}

int wasm_trap_exit(wasm_trap *trap, int exit_code)
{
    wasm_trap_set(trap, WASM_TRAP_EXIT);
    if (trap != NULL)
        trap->exit_code = exit_code;
    return -1;
}

int wasm_trap_host(wasm_trap *trap, const char *fmt, ...)
{
    wasm_trap_set(trap, WASM_TRAP_HOST);
    if (trap == NULL)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(trap->message, sizeof(trap->message), fmt, ap);
    va_end(ap);
    return -1;
}

void wasm_trap_locate(wasm_trap *trap, const wasm_func *func)
{
    if (trap == NULL || func == NULL || trap->function[0] != '\0')
        return;
    if (func->is_host) {
        snprintf(trap->function, sizeof(trap->function), "host function");
        return;
    }
    const wasm_module *module = func->instance->module;
    if (module->func_names != NULL && module->func_names[func->index].data != NULL) {
        wasm_name name = module->func_names[func->index];
        int length = name.length > sizeof(trap->function) - 1 ? (int)sizeof(trap->function) - 1
                                                               : (int)name.length;
        snprintf(trap->function, sizeof(trap->function), "%.*s", length, name.data);
    } else {
        snprintf(trap->function, sizeof(trap->function), "func[%u]", func->index);
    }
}
