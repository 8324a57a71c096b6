/* wasmcri-shim - supervises one wasm instance. wasmcrid spawns it ahead of need, in its own
 * session, and sends it the container's directory and spec over stdin; `wasmcri-shim DIR`
 * runs DIR/spec (for debugging). Everything it does is in src/runtime/shim.c. */
#include <stdio.h>
#include <unistd.h>

#include "runtime/shim.h"

int main(int argc, char **argv)
{
    if (argc > 2) {
        fputs("usage: wasmcri-shim [CONTAINER_DIR] (started by wasmcrid)\n", stderr);
        return 2;
    }
    /* Nothing of the daemon's beyond stdio belongs to the instance. */
    close_range(3, ~0u, 0);
    return argc == 2 ? rt_shim_run(argv[1]) : rt_shim_run_stdin();
}
