/* isatty() through fd_fdstat_get: true for a terminal, false for /dev/null and pipes. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    printf("stdin %d stdout %d\n", isatty(0), isatty(1));
    return 0;
}
