/* error.h - the error object every fallible function in wasmcri fills.
 *
 * A function that can fail returns 0 on success or -1 on failure, and on failure fills the
 * caller's wc_error with a code (what kind of failure, mapped once to a gRPC status at the CRI
 * edge) and a message that names the thing ("pull hello: GET http://x/h.wasm: HTTP 404").
 * Callers add context on the way up with wc_error_prefix(). No allocation: the message lives in
 * the object, so an error can be reported even when memory is exhausted. */
#ifndef WASMCRI_UTIL_ERROR_H
#define WASMCRI_UTIL_ERROR_H

#include <stdarg.h>

typedef enum wc_code {
    WC_OK = 0,
    WC_EINTERNAL,       /* a bug or an unexpected system failure */
    WC_EINVAL,          /* the caller's input is wrong */
    WC_ENOTFOUND,
    WC_EEXIST,
    WC_EPRECONDITION,   /* the object is in the wrong state for this */
    WC_ERESOURCE,       /* a limit was hit: memory, size, count */
    WC_EUNAVAILABLE,    /* a peer or service could not be reached */
    WC_EIO,             /* reading or writing failed */
    WC_EUNIMPLEMENTED,
    WC_EMALFORMED,      /* wasm: the binary does not decode */
    WC_EINVALIDMODULE,  /* wasm: the module does not validate */
    WC_EUNLINKABLE,     /* wasm: imports do not match */
    WC_ETRAP,           /* wasm: execution trapped */
    WC_EDEADLINE,       /* a deadline passed */
    WC_ECANCELLED,
} wc_code;

typedef struct wc_error {
    wc_code code;
    char message[1024];
} wc_error;

/* Fills err (when not NULL) and returns -1, so failures read `return wc_error_set(...)`. */
int wc_error_set(wc_error *err, wc_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int wc_error_setv(wc_error *err, wc_code code, const char *fmt, va_list ap);
/* Like wc_error_set, with ": strerror(errnum)" appended. */
int wc_error_set_errno(wc_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepends "context: " to the message, keeping the code; returns -1. */
int wc_error_prefix(wc_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void wc_error_clear(wc_error *err);
/* The stable name of a code ("not found"), for logs. */
const char *wc_code_name(wc_code code);

#endif
