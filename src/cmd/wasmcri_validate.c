/* wasmcri validate - decode and validate modules, report the first error of each. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/commands.h"
#include "util/cleanup.h"
#include "util/file.h"
#include "wasm/wasm.h"

int wasmcri_validate_command(int argc, char **argv)
{
    if (argc < 2) {
        fputs("usage: wasmcri validate MODULE.wasm...\n", stderr);
        return 2;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        wc_error err = { 0 };
        cleanup_free uint8_t *bytes = NULL;
        size_t length = 0;
        if (wc_read_file(argv[i], &bytes, &length, &err) < 0
            || wasm_module_validate_bytes(bytes, length, &err) < 0) {
            fprintf(stderr, "%s: %s\n", argv[i], err.message);
            status = 1;
            continue;
        }
        printf("%s: valid\n", argv[i]);
    }
    return status;
}
