/* error.c - filling and extending wc_error; see error.h. */
#include "util/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int wc_error_setv(wc_error *err, wc_code code, const char *fmt, va_list ap)
{
    if (err == NULL)
        return -1;
    err->code = code;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    return -1;
}

int wc_error_set(wc_error *err, wc_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    wc_error_setv(err, code, fmt, ap);
    va_end(ap);
    return -1;
}

int wc_error_set_errno(wc_error *err, int errnum, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    size_t used = strlen(err->message);
    snprintf(err->message + used, sizeof err->message - used, ": %s", strerror(errnum));
    switch (errnum) {
    case ENOENT: err->code = WC_ENOTFOUND; break;
    case EEXIST: err->code = WC_EEXIST; break;
    case EINVAL: err->code = WC_EINVAL; break;
    case ENOMEM: case ENOSPC: case EMFILE: case ENFILE: err->code = WC_ERESOURCE; break;
    case ECONNREFUSED: case EHOSTUNREACH: case ENETUNREACH: err->code = WC_EUNAVAILABLE; break;
    default: err->code = WC_EIO; break;
    }
    return -1;
}

int wc_error_prefix(wc_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    char prefix[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* Shift the old message right and put the prefix in front, truncating at the end. */
    size_t prefix_length = strnlen(prefix, sizeof prefix);
    size_t capacity = sizeof err->message;
    if (prefix_length + 2 >= capacity)
        prefix_length = capacity - 3;
    size_t old_length = strnlen(err->message, capacity - 1);
    size_t keep = old_length;
    if (prefix_length + 2 + keep >= capacity)
        keep = capacity - 1 - prefix_length - 2;
    memmove(err->message + prefix_length + 2, err->message, keep);
    memcpy(err->message, prefix, prefix_length);
    err->message[prefix_length] = ':';
    err->message[prefix_length + 1] = ' ';
    err->message[prefix_length + 2 + keep] = '\0';
    return -1;
}

void wc_error_clear(wc_error *err)
{
    if (err == NULL)
        return;
    err->code = WC_OK;
    err->message[0] = '\0';
}

const char *wc_code_name(wc_code code)
{
    switch (code) {
    case WC_OK: return "ok";
    case WC_EINTERNAL: return "internal error";
    case WC_EINVAL: return "invalid argument";
    case WC_ENOTFOUND: return "not found";
    case WC_EEXIST: return "already exists";
    case WC_EPRECONDITION: return "failed precondition";
    case WC_ERESOURCE: return "resource exhausted";
    case WC_EUNAVAILABLE: return "unavailable";
    case WC_EIO: return "i/o error";
    case WC_EUNIMPLEMENTED: return "unimplemented";
    case WC_EMALFORMED: return "malformed module";
    case WC_EINVALIDMODULE: return "invalid module";
    case WC_EUNLINKABLE: return "unlinkable";
    case WC_ETRAP: return "trap";
    case WC_EDEADLINE: return "deadline exceeded";
    case WC_ECANCELLED: return "cancelled";
    }
    return "unknown error";
}
