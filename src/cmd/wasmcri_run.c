/* wasmcri run - placeholder until its owner lands it. */
#include <stdio.h>

#include "cmd/commands.h"

int wasmcri_run_command(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("wasmcri run: not built yet\n", stderr);
    return 2;
}
