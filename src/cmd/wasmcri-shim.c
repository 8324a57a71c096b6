/* wasmcri-shim - supervises one wasm instance: `wasmcri-shim CONTAINER_DIR`, spawned by
 * wasmcrid in its own session. Everything it does is in src/runtime/shim.c. */
#include <stdio.h>
#include <unistd.h>

#include "runtime/shim.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: wasmcri-shim CONTAINER_DIR (started by wasmcrid)\n", stderr);
        return 2;
    }
    /* Nothing of the daemon's beyond stdio belongs to the instance. */
    close_range(3, ~0u, 0);
    return rt_shim_run(argv[1]);
}
