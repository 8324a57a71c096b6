/* bench/common/stats.h - the timing clock and the summary statistics every benchmark reports,
 * defined once so that their figures mean the same thing.
 *
 * For N samples sorted ascending, s[1] <= ... <= s[N] (1-based):
 *   min    = s[1]
 *   median = s[(N+1)/2] for odd N; (s[N/2] + s[N/2+1]) / 2 for even N
 *   p99    = s[ceil(0.99 * N)]   (nearest rank: the smallest sample with at least 99% of all
 *            samples at or below it; for N <= 100 that is the maximum)
 */
#ifndef BENCH_COMMON_STATS_H
#define BENCH_COMMON_STATS_H

#include <stddef.h>

typedef struct bench_stats {
    double min;
    double median;
    double p99;
} bench_stats;

/* Milliseconds on CLOCK_MONOTONIC (not wall time, which steps when the clock is set). */
double bench_now_ms(void);

/* Sorts samples[0..n) ascending in place and fills *out as defined above; n must be >= 1. */
void bench_stats_of(double *samples, size_t n, bench_stats *out);

#endif
