/* The machine's reference for the vector work of one Chambolle-Pock iteration on two terms
 * (a data term on an n-element image and a gradient term on 2n elements), without the operators
 * and proxes: a plain C loop doing the same passes over the same buffers as the library's loop,
 * single-threaded:
 *   image0 = y0 + sigma k0          (n)      the first term's dual argument
 *   image1 = y1 + sigma k1          (2n)     the second term's
 *   sum    = a0 + a1                (n)      the adjoint images added
 *   x      = x_prev - tau sum       (n)      the primal step
 *   xbar   = 2 x - x_prev           (n)      the extrapolation
 * Prints seconds per iteration. Usage: pdhg_passes N ITERATIONS */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void combine(const double* a, double alpha, const double* b, double* out, long n) {
    for (long i = 0; i < n; i++) out[i] = a[i] + alpha * b[i];
}

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: pdhg_passes N ITERATIONS\n");
        return 2;
    }
    long n = atol(argv[1]);
    int iterations = atoi(argv[2]);
    double *y0 = calloc(n, 8), *k0 = calloc(n, 8), *image0 = calloc(n, 8);
    double *y1 = calloc(2 * n, 8), *k1 = calloc(2 * n, 8), *image1 = calloc(2 * n, 8);
    double *a0 = calloc(n, 8), *a1 = calloc(n, 8), *sum = calloc(n, 8);
    double *x = calloc(n, 8), *previous = calloc(n, 8), *xbar = calloc(n, 8);
    for (long i = 0; i < n; i++) { k0[i] = (double)(i % 7); a0[i] = (double)(i % 5); a1[i] = 1; }
    for (long i = 0; i < 2 * n; i++) k1[i] = (double)(i % 3);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int it = 0; it < iterations; it++) {
        combine(y0, 0.5, k0, image0, n);
        combine(y1, 0.5, k1, image1, 2 * n);
        combine(a0, 1.0, a1, sum, n);
        double* t = previous; previous = x; x = t;
        combine(previous, -0.1, sum, x, n);
        for (long i = 0; i < n; i++) xbar[i] = 2 * x[i] - previous[i];
        /* Keep the compiler from hoisting the passes out of the loop. */
        y0[it % n] += image0[(it * 7) % n] * 1e-300;
        y1[it % n] += image1[(it * 5) % n] * 1e-300;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("seconds_per_iteration %.9g\n", seconds / iterations);
    printf("checksum %.3g\n", xbar[n / 2] + sum[1]);
    return 0;
}
