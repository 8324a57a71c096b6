/* status.c - gRPC status names and the percent-encoding of grpc-message. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grpc/server.h"
#include "grpc/wire.h"

const char *grpc_status_name(int code)
{
    /* As grpc-go prints them in "rpc error: code = NotFound desc = ...". */
    static const char *const names[] = {
        "OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound",
        "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
        "Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable", "DataLoss",
        "Unauthenticated",
    };
    if (code < 0 || (size_t)code >= sizeof names / sizeof names[0])
        return "Unknown";
    return names[code];
}

void grpc_prefix_write(uint8_t prefix[GRPC_PREFIX_BYTES], uint32_t length)
{
    prefix[0] = 0;
    prefix[1] = (uint8_t)(length >> 24);
    prefix[2] = (uint8_t)(length >> 16);
    prefix[3] = (uint8_t)(length >> 8);
    prefix[4] = (uint8_t)length;
}

uint32_t grpc_prefix_length(const uint8_t prefix[GRPC_PREFIX_BYTES])
{
    return (uint32_t)prefix[1] << 24 | (uint32_t)prefix[2] << 16 | (uint32_t)prefix[3] << 8
           | prefix[4];
}

char *grpc_percent_encode(const char *text)
{
    size_t length = strlen(text);
    char *out = malloc(length * 3 + 1);
    if (out == NULL)
        return NULL;
    char *p = out;
    for (const unsigned char *c = (const unsigned char *)text; *c != '\0'; c++) {
        if (*c >= 0x20 && *c <= 0x7e && *c != '%') {
            *p++ = (char)*c;
        } else {
            snprintf(p, 4, "%%%02X", *c);
            p += 3;
        }
    }
    *p = '\0';
    return out;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *grpc_percent_decode(const char *text, size_t length)
{
    char *out = malloc(length + 1);
    if (out == NULL)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < length; i++) {
        int high, low;
        if (text[i] == '%' && i + 2 < length && (high = hex_value(text[i + 1])) >= 0
            && (low = hex_value(text[i + 2])) >= 0) {
            out[j++] = (char)(high << 4 | low);
            i += 2;
        } else {
            out[j++] = text[i];
        }
    }
    out[j] = '\0';
    return out;
}
