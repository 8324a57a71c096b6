/* wasmcri spectest - placeholder until its owner lands it. */
#include <stdio.h>

#include "cmd/commands.h"

int wasmcri_spectest_command(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("wasmcri spectest: not built yet\n", stderr);
    return 2;
}
