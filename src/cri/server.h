/* server.h - the CRI server as wasmcrid drives it: every v1 RPC routed to its handler over the
 * gRPC server, Version and Status answered here, the rest UNIMPLEMENTED until a service
 * registers its handlers (service.h). */
#ifndef WASMCRI_CRI_SERVER_H
#define WASMCRI_CRI_SERVER_H

#include <uv.h>

#include "cri/config.h"
#include "cri/service.h"
#include "util/error.h"

/* config must outlive the server. */
int cri_server_new(uv_loop_t *loop, const cri_config *config, cri_server **out, wc_error *err);
/* Listens on config->listen. */
int cri_server_listen(cri_server *server, wc_error *err);
/* GOAWAY, cancel open calls, remove the socket; done(data) when every call has ended. */
void cri_server_shutdown(cri_server *server, void (*done)(void *data), void *data);
void cri_server_free(cri_server *server);

/* version.c: registers Version and Status. */
int cri_version_register(cri_server *server, wc_error *err);

#endif
