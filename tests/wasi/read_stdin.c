/* fd_read on stdin until end of file: prints what came and how much. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    char buf[4096];
    size_t total = 0;
    ssize_t n;
    while ((n = read(0, buf + total, sizeof buf - 1 - total)) > 0)
        total += (size_t)n;
    if (n < 0) {
        perror("read");
        return 1;
    }
    buf[total] = '\0';
    printf("read %zu bytes: %s\n", total, buf);
    return 0;
}
