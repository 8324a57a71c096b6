/* sleeper: prints a line each second until stopped (a small long-running instance). */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    for (int i = 0;; i++) {
        printf("tick %d\n", i);
        fflush(stdout);
        sleep(1);
    }
}
