/* bench/common/stats.c - see stats.h for the definitions. */
#include "stats.h"

#include <stdlib.h>
#include <time.h>

double bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void bench_stats_of(double *samples, size_t n, bench_stats *out)
{
    qsort(samples, n, sizeof *samples, compare_double);
    out->min = samples[0];
    out->median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
    /* ceil(0.99 * n) in integers (99n/100 rounded up), so no floating-point rounding at exact
     * multiples of 100; as a 0-based index, one less. */
    size_t rank = (99 * n + 99) / 100;
    out->p99 = samples[rank - 1];
}
