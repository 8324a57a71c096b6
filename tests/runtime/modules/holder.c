/* holder: holds as many MiB of linear memory as /ctl/target asks, the test's dial for
 * UpdateContainerResources. Every 20 ms it reads the file ("MIB TAG"); when it changes it
 * takes 1 MiB blocks until it holds MIB (never freeing any), then prints "holding MIB TAG".
 * A refused allocation prints "refused at MIB" and traps, as a Rust program's would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Kept reachable, so the compiler cannot drop the allocations. */
char *volatile blocks[4096];

int main(void)
{
    char last[64] = "";
    int held = 0;
    for (;;) {
        char line[64] = "";
        FILE *file = fopen("/ctl/target", "r");
        if (file) {
            if (!fgets(line, sizeof line, file))
                line[0] = 0;
            fclose(file);
        }
        if (line[0] && strcmp(line, last) != 0) {
            strcpy(last, line);
            int want = atoi(line);
            while (held < want && held < 4095) {
                char *block = malloc(1 << 20);
                if (block == NULL) {
                    printf("refused at %d MiB\n", held);
                    fflush(stdout);
                    __builtin_trap();
                }
                memset(block, 1, 1 << 20);
                blocks[held++] = block;
            }
            printf("holding %d %s", held, strchr(line, ' ') ? strchr(line, ' ') + 1 : "\n");
            fflush(stdout);
        }
        struct timespec pause = { 0, 20000000 };
        nanosleep(&pause, NULL);
    }
}
