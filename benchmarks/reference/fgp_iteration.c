/* The machine's reference for one TV dual iteration: a plain C loop doing the same fused passes
 * over memory as InverseKit's 2-D isotropic FGP step (x computed one row ahead from the
 * extrapolated dual r, then the projected dual step and the extrapolation on the row behind),
 * single-threaded. Prints seconds per iteration for float32 and float64.
 * Usage: fgp_iteration ROWS COLS ITERATIONS */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFINE_ITERATION(T, SQRT, NAME)                                                              \
static void primal_row_##NAME(const T* y, const T* a, const T* ap, const T* l, long n, T* x) {    \
    x[0] = y[0] + a[0] - ap[0] + l[0];                                                            \
    for (long k = 1; k < n; k++) x[k] = y[k] + a[k] - ap[k] + l[k] - l[k - 1];                    \
}                                                                                                  \
static T dual_row_##NAME(const T* xc, const T* xn, T* q0, T* q1, T* r0, T* r1, long n, T lam,     \
                         T tau, T beta) {                                                          \
    T acc = 0;                                                                                     \
    for (long k = 0; k < n; k++) {                                                                 \
        T g1 = k + 1 < n ? xc[k + 1] - xc[k] : 0;                                                  \
        T v0 = r0[k] + tau * (xn[k] - xc[k]), v1 = r1[k] + tau * g1;                               \
        T len = SQRT(v0 * v0 + v1 * v1);                                                           \
        T m = len > lam ? len : lam;                                                               \
        T s = lam / (m > (T)1e-30 ? m : (T)1e-30);                                                 \
        v0 *= s; v1 *= s;                                                                          \
        T o0 = q0[k], o1 = q1[k];                                                                  \
        acc += (v0 - r0[k]) * (v0 - o0) + (v1 - r1[k]) * (v1 - o1);                                \
        r0[k] = v0 + beta * (v0 - o0); r1[k] = v1 + beta * (v1 - o1);                              \
        q0[k] = v0; q1[k] = v1;                                                                    \
    }                                                                                              \
    return acc;                                                                                    \
}                                                                                                  \
static double iterate_##NAME(long rows, long cols, int iterations) {                              \
    long n = rows * cols;                                                                          \
    T *y = malloc(n * sizeof(T)), *q = calloc(2 * n, sizeof(T)), *r = calloc(2 * n, sizeof(T));   \
    T *ring = malloc(2 * cols * sizeof(T)), *zero = calloc(cols, sizeof(T));                       \
    for (long i = 0; i < n; i++) y[i] = (T)((i * 2654435761u) % 1000) / 1000;                      \
    struct timespec t0, t1;                                                                        \
    volatile T sink = 0;                                                                           \
    clock_gettime(CLOCK_MONOTONIC, &t0);                                                           \
    for (int it = 0; it < iterations; it++) {                                                      \
        T *cur = ring, *nxt = ring + cols;                                                         \
        primal_row_##NAME(y, r, zero, r + n, cols, cur);                                           \
        T acc = 0;                                                                                 \
        for (long i = 0; i < rows; i++) {                                                          \
            T* next = cur;                                                                         \
            if (i + 1 < rows) {                                                                    \
                primal_row_##NAME(y + (i + 1) * cols, r + (i + 1) * cols, r + i * cols,             \
                                  r + n + (i + 1) * cols, cols, nxt);                              \
                next = nxt;                                                                        \
            }                                                                                      \
            acc += dual_row_##NAME(cur, next, q + i * cols, q + n + i * cols, r + i * cols,        \
                                   r + n + i * cols, cols, (T)0.1, (T)0.125, (T)0.5);              \
            T* t = cur; cur = nxt; nxt = t;                                                        \
        }                                                                                          \
        sink += acc;                                                                               \
    }                                                                                              \
    clock_gettime(CLOCK_MONOTONIC, &t1);                                                           \
    free(y); free(q); free(r); free(ring); free(zero);                                             \
    return ((t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec)) / iterations;              \
}

DEFINE_ITERATION(float, sqrtf, f32)
DEFINE_ITERATION(double, sqrt, f64)

int main(int argc, char** argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s ROWS COLS ITERATIONS\n", argv[0]);
        return 2;
    }
    long rows = atol(argv[1]), cols = atol(argv[2]);
    int iterations = atoi(argv[3]);
    if (rows < 2 || cols < 2 || iterations < 1) {
        fprintf(stderr, "ROWS, COLS >= 2 and ITERATIONS >= 1 required\n");
        return 2;
    }
    printf("float32 %.9f\n", iterate_f32(rows, cols, iterations));
    printf("float64 %.9f\n", iterate_f64(rows, cols, iterations));
    return 0;
}
