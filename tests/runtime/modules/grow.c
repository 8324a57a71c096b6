/* grow: takes linear memory 1 MiB at a time until the cap refuses it, then traps like a Rust
 * program whose allocation failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Kept reachable, so the compiler cannot drop the allocations. */
char *volatile blocks[4096];

int main(void)
{
    for (int mib = 1; mib < 4096; mib++) {
        char *block = malloc(1 << 20);
        if (block == NULL) {
            printf("allocation %d failed\n", mib);
            fflush(stdout);
            __builtin_trap();
        }
        memset(block, 1, 1 << 20);
        blocks[mib] = block;
    }
    return 0;
}
