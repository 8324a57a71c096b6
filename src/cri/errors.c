/* errors.c - the one place a wasmcri error code becomes a gRPC status code. */
#include "cri/service.h"

/* gRPC status codes, as numbered by the gRPC spec. */
enum {
    GRPC_OK = 0, GRPC_CANCELLED = 1, GRPC_UNKNOWN = 2, GRPC_INVALID_ARGUMENT = 3,
    GRPC_DEADLINE_EXCEEDED = 4, GRPC_NOT_FOUND = 5, GRPC_ALREADY_EXISTS = 6,
    GRPC_RESOURCE_EXHAUSTED = 8, GRPC_FAILED_PRECONDITION = 9, GRPC_UNIMPLEMENTED = 12,
    GRPC_INTERNAL = 13, GRPC_UNAVAILABLE = 14,
};

int cri_grpc_status(wc_code code)
{
    switch (code) {
    case WC_OK: return GRPC_OK;
    case WC_EINVAL:
    case WC_EMALFORMED:
    case WC_EINVALIDMODULE:
    case WC_EUNLINKABLE: return GRPC_INVALID_ARGUMENT;
    case WC_ENOTFOUND: return GRPC_NOT_FOUND;
    case WC_EEXIST: return GRPC_ALREADY_EXISTS;
    case WC_EPRECONDITION: return GRPC_FAILED_PRECONDITION;
    case WC_ERESOURCE: return GRPC_RESOURCE_EXHAUSTED;
    case WC_EUNAVAILABLE: return GRPC_UNAVAILABLE;
    case WC_EUNIMPLEMENTED: return GRPC_UNIMPLEMENTED;
    case WC_EDEADLINE: return GRPC_DEADLINE_EXCEEDED;
    case WC_ECANCELLED: return GRPC_CANCELLED;
    case WC_ETRAP: return GRPC_UNKNOWN;
    case WC_EIO:
    case WC_EINTERNAL: return GRPC_INTERNAL;
    }
    return GRPC_UNKNOWN;
}
