/* wasmcri - the engine alone, like `wasmtime run`: run a module, run spec tests, validate. */
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"

static void usage(FILE *out)
{
    fputs("usage: wasmcri run [--dir HOST[::GUEST]] [--dir-ro HOST[::GUEST]] [--env K=V]\n"
          "                   [--tcplisten ADDR:PORT] [--max-memory BYTES] [--timeout SECONDS]\n"
          "                   MODULE.wasm [ARGS...]\n"
          "       wasmcri spectest FILE.wast...\n"
          "       wasmcri validate MODULE.wasm...\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *command = argv[1];
    if (strcmp(command, "run") == 0)
        return wasmcri_run_command(argc - 1, argv + 1);
    if (strcmp(command, "spectest") == 0)
        return wasmcri_spectest_command(argc - 1, argv + 1);
    if (strcmp(command, "validate") == 0)
        return wasmcri_validate_command(argc - 1, argv + 1);
    if (strcmp(command, "-h") == 0 || strcmp(command, "--help") == 0 || strcmp(command, "help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "wasmcri: unknown command '%s'\n", command);
    usage(stderr);
    return 2;
}
