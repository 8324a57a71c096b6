/* output: writes to stdout and stderr, a line longer than 16 KiB, and a last line without a
 * newline, then exits with the code given as argv[1]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    printf("to stdout\n");
    fprintf(stderr, "to stderr\n");
    static char big[20000];
    memset(big, 'x', sizeof big - 1);
    printf("%s\n", big);
    printf("argc=%d argv0=%s\n", argc, argv[0]);
    const char *foo = getenv("FOO");
    printf("FOO=%s\n", foo ? foo : "(unset)");
    printf("no newline");
    return argc > 1 ? atoi(argv[1]) : 0;
}
