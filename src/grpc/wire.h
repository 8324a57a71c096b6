/* wire.h - small gRPC wire helpers shared by the server and the client (internal to grpc/). */
#ifndef WASMCRI_GRPC_WIRE_H
#define WASMCRI_GRPC_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* The 5-byte prefix of a length-prefixed message: compressed flag, big-endian length. */
#define GRPC_PREFIX_BYTES 5
void grpc_prefix_write(uint8_t prefix[GRPC_PREFIX_BYTES], uint32_t length);
uint32_t grpc_prefix_length(const uint8_t prefix[GRPC_PREFIX_BYTES]);

/* grpc-message is percent-encoded: bytes outside 0x20..0x7e and '%' become %XX.
 * Both return a malloc'd NUL-terminated string, or NULL on OOM. */
char *grpc_percent_encode(const char *text);
char *grpc_percent_decode(const char *text, size_t length);

#endif
