/* proc_exit: exits with argv[1]; with "return" returns from main instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 2)
        return 3;
    printf("exiting with %s\n", argv[1]);
    fflush(stdout);
    if (strcmp(argv[1], "return") == 0)
        return 0;
    exit(atoi(argv[1]));
}
