/* trap: divides by zero at once (an instance that traps on start). */
#include <stdio.h>

volatile int zero;

int main(void)
{
    printf("about to trap\n");
    fflush(stdout);
    return 10 / zero;
}
