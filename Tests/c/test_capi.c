/* The C API against the built library: every exported function, its contracts and its error
 * paths, and concurrent use. Ends with "N passed, N failed". */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inversekit.h"

#include "expect.h"

static uint64_t rng_state = 12345;
static double uniform(void) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

static void test_versions_and_strings(void) {
    EXPECT(ik_abi_version() == IK_ABI_VERSION);
    EXPECT(ik_version_number() == IK_VERSION_NUMBER);
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", IK_VERSION_MAJOR, IK_VERSION_MINOR, IK_VERSION_PATCH);
    EXPECT(strcmp(ik_version_string(), expected) == 0);
    EXPECT(strcmp(ik_status_string(IK_OK), "ok") == 0);
    for (int s = IK_ERR_INTERNAL; s <= IK_ERR_NULL_POINTER; s++) {
        EXPECT(strcmp(ik_status_string(s), "unknown status") != 0);
    }
    EXPECT(strcmp(ik_status_string(-999), "unknown status") == 0);
    EXPECT(strcmp(ik_status_string(1), "unknown status") == 0);
    EXPECT(ik_last_error_message() != NULL);
}

static void test_options_and_info_init(void) {
    ik_tv_options o;
    memset(&o, 0xAB, sizeof o);
    ik_tv_options_init(&o);
    EXPECT(o.struct_size == sizeof(ik_tv_options));
    EXPECT(o.norm == IK_TV_ISOTROPIC && o.lambda == 0.1 && o.tolerance == 1e-4);
    EXPECT(o.max_iterations == 1000 && o.threads == 0 && o.check_interval == 10);
    EXPECT(isinf(o.lower) && o.lower < 0 && isinf(o.upper) && o.upper > 0);
    EXPECT(o.weights == NULL && o.warm_start == 0);
    ik_tv_info i;
    memset(&i, 0xAB, sizeof i);
    ik_tv_info_init(&i);
    EXPECT(i.struct_size == sizeof(ik_tv_info) && i.iterations == 0 && i.converged == 0);
    ik_tv_options_init(NULL);
    ik_tv_info_init(NULL);
}

static void test_dual_shape(void) {
    double data[60];
    int64_t shape3[3] = {3, 4, 5};
    ik_array y = make_array(data, 3, shape3, NULL, 64);
    int64_t out[IK_MAX_NDIM];
    int32_t nd = 0;
    EXPECT(ik_tv_dual_shape(&y, out, &nd) == IK_OK);
    EXPECT(nd == 4 && out[0] == 3 && out[1] == 3 && out[2] == 4 && out[3] == 5);
    EXPECT(strcmp(ik_last_error_message(), "") == 0);
    EXPECT_ERROR(ik_tv_dual_shape(NULL, out, &nd), IK_ERR_NULL_POINTER, "Invalid y");
    EXPECT_ERROR(ik_tv_dual_shape(&y, NULL, &nd), IK_ERR_NULL_POINTER, "out_shape");
    EXPECT_ERROR(ik_tv_dual_shape(&y, out, NULL), IK_ERR_NULL_POINTER, "out_ndim");
    y.ndim = 1;
    nd = 77;
    EXPECT_ERROR(ik_tv_dual_shape(&y, out, &nd), IK_ERR_SHAPE, "expected 2 or 3 dimensions, got 1");
    EXPECT(nd == 77);
}

/* div q for a contiguous 2-D dual (2, rows, cols). */
static double divergence_2d(const double* q, long rows, long cols, long i, long j) {
    long n = rows * cols, k = i * cols + j;
    double d = q[k] + q[n + k];
    if (i > 0) d -= q[k - cols];
    if (j > 0) d -= q[n + k - 1];
    return d;
}

static void test_denoise_2d_certificate(void) {
    enum { R = 37, C = 29 };
    static double y[R * C], x[R * C], q[2 * R * C], w[R * C];
    for (int k = 0; k < R * C; k++) {
        y[k] = ((k % C) < C / 2 ? 0.2 : 0.8) + 0.3 * (uniform() - 0.5);
        w[k] = 0.5 + uniform();
    }
    int64_t shape[2] = {R, C}, dshape[3] = {2, R, C};
    ik_array ya = make_array(y, 2, shape, NULL, 64), xa = make_array(x, 2, shape, NULL, 64);
    ik_array qa = make_array(q, 3, dshape, NULL, 64), wa = make_array(w, 2, shape, NULL, 64);
    ik_tv_options o;
    ik_tv_options_init(&o);
    o.lambda = 0.15;
    o.tolerance = 1e-8;
    o.max_iterations = 100000;
    o.lower = 0.1;
    o.upper = 0.9;
    o.weights = &wa;
    ik_tv_info info;
    ik_tv_info_init(&info);
    EXPECT(ik_tv_denoise(&ya, &xa, &qa, &o, &info) == IK_OK);
    EXPECT(info.converged == 1 && info.relative_gap <= 1e-8 && info.gap >= 0);
    EXPECT(fabs(info.gap - (info.primal - info.dual)) <= 1e-12 * info.primal);
    double worst = 0, excess = 0;
    for (long i = 0; i < R; i++) {
        for (long j = 0; j < C; j++) {
            long k = i * C + j;
            double z = y[k] + divergence_2d(q, R, C, i, j);
            z = z < o.lower ? o.lower : z > o.upper ? o.upper : z;
            worst = fmax(worst, fabs(z - x[k]));
            excess = fmax(excess, hypot(q[k], q[R * C + k]) - o.lambda * w[k]);
        }
    }
    EXPECT(worst <= 1e-12);
    EXPECT(excess <= 1e-12);
    /* The value function agrees with the certificate's primal. */
    double tv = -1, fid = 0;
    EXPECT(ik_tv_value(&xa, IK_TV_ISOTROPIC, &wa, &tv) == IK_OK);
    for (int k = 0; k < R * C; k++) fid += 0.5 * (x[k] - y[k]) * (x[k] - y[k]);
    EXPECT(fabs(fid + o.lambda * tv - info.primal) <= 1e-12 * info.primal);
    /* Warm start from the optimum stops at once. */
    o.warm_start = 1;
    ik_tv_info warm;
    ik_tv_info_init(&warm);
    EXPECT(ik_tv_denoise(&ya, &xa, &qa, &o, &warm) == IK_OK);
    EXPECT(warm.iterations == 0 && warm.converged == 1);
}

static void test_denoise_3d_float_strided_and_aliased(void) {
    enum { A = 6, B = 7, D = 8, N = A * B * D };
    static float y[N], x1[N], big[2 * N];
    for (int k = 0; k < N; k++) y[k] = (float)(((k % D) < D / 2 ? 0.3 : 0.7) + 0.2 * (uniform() - 0.5));
    int64_t shape[3] = {A, B, D};
    ik_array ya = make_array(y, 3, shape, NULL, 32), xa = make_array(x1, 3, shape, NULL, 32);
    ik_tv_options o;
    ik_tv_options_init(&o);
    o.norm = IK_TV_ANISOTROPIC;
    o.tolerance = 1e-6;
    o.max_iterations = 50000;
    o.threads = 2;
    ik_tv_info info;
    ik_tv_info_init(&info);
    EXPECT(ik_tv_denoise(&ya, &xa, NULL, &o, &info) == IK_OK && info.converged);
    /* Output with stride 2 along the last axis; the gaps stay untouched. */
    for (int k = 0; k < 2 * N; k++) big[k] = -1.0f;
    int64_t strides[3] = {2 * B * D, 2 * D, 2};
    ik_array sa = make_array(big, 3, shape, strides, 32);
    EXPECT(ik_tv_denoise(&ya, &sa, NULL, &o, NULL) == IK_OK);
    double diff = 0;
    int gaps_ok = 1;
    for (int k = 0; k < N; k++) {
        diff = fmax(diff, fabs(big[2 * k] - x1[k]));
        gaps_ok &= big[2 * k + 1] == -1.0f;
    }
    EXPECT(diff < 1e-3);
    EXPECT(gaps_ok);
    /* In place: x is y. */
    static float inplace[N];
    memcpy(inplace, y, sizeof y);
    ik_array ia = make_array(inplace, 3, shape, NULL, 32);
    EXPECT(ik_tv_denoise(&ia, &ia, NULL, &o, NULL) == IK_OK);
    diff = 0;
    for (int k = 0; k < N; k++) diff = fmax(diff, fabs(inplace[k] - x1[k]));
    EXPECT(diff < 1e-3);
}

static int all_equal(const double* a, double v, int n) {
    for (int k = 0; k < n; k++)
        if (a[k] != v) return 0;
    return 1;
}

static void test_denoise_errors(void) {
    enum { R = 5, C = 6, N = R * C };
    static double y[N], x[N], w[N], q[2 * N];
    for (int k = 0; k < N; k++) y[k] = uniform();
    for (int k = 0; k < N; k++) x[k] = 42.0;
    int64_t shape[2] = {R, C}, shape4[4] = {1, 1, R, C}, wrong[2] = {C, R}, dshape[3] = {2, R, C};
    ik_array ya = make_array(y, 2, shape, NULL, 64), xa = make_array(x, 2, shape, NULL, 64);
    ik_tv_options o;
    ik_tv_options_init(&o);
    ik_tv_info info;
    ik_tv_info_init(&info);

    EXPECT_ERROR(ik_tv_denoise(NULL, &xa, NULL, NULL, NULL), IK_ERR_NULL_POINTER, "Invalid y");
    EXPECT_ERROR(ik_tv_denoise(&ya, NULL, NULL, NULL, NULL), IK_ERR_NULL_POINTER, "Invalid x");
    ik_array bad = ya;
    bad.ndim = 0;
    EXPECT_ERROR(ik_tv_denoise(&bad, &xa, NULL, NULL, NULL), IK_ERR_SHAPE, "got 0");
    bad = make_array(y, 4, shape4, NULL, 64);
    EXPECT_ERROR(ik_tv_denoise(&bad, &xa, NULL, NULL, NULL), IK_ERR_SHAPE, "got 4");
    bad = ya;
    bad.dtype.code = IK_DTYPE_COMPLEX;
    bad.dtype.bits = 128;
    EXPECT_ERROR(ik_tv_denoise(&bad, &xa, NULL, NULL, NULL), IK_ERR_UNSUPPORTED_DTYPE, "complex128");
    bad = ya;
    bad.dtype.bits = 16;
    EXPECT_ERROR(ik_tv_denoise(&bad, &xa, NULL, NULL, NULL), IK_ERR_UNSUPPORTED_DTYPE, "Invalid y");
    bad = ya;
    bad.device.device_type = 2;
    EXPECT_ERROR(ik_tv_denoise(&bad, &xa, NULL, NULL, NULL), IK_ERR_UNSUPPORTED_DEVICE, "CPU");
    bad = make_array(x, 2, wrong, NULL, 64);
    EXPECT_ERROR(ik_tv_denoise(&ya, &bad, NULL, NULL, NULL), IK_ERR_SHAPE, "Invalid x");
    bad = make_array(x, 2, shape, NULL, 32);
    EXPECT_ERROR(ik_tv_denoise(&ya, &bad, NULL, NULL, NULL), IK_ERR_UNSUPPORTED_DTYPE, "Invalid x");
    int64_t zero_strides[2] = {0, 1};
    bad = make_array(x, 2, shape, zero_strides, 64);
    EXPECT_ERROR(ik_tv_denoise(&ya, &bad, NULL, NULL, NULL), IK_ERR_LAYOUT, "overlap");
    int64_t huge[2] = {INT64_C(1) << 40, INT64_C(1) << 40};
    bad = make_array(y, 2, huge, NULL, 64);
    EXPECT_ERROR(ik_tv_denoise(&bad, &xa, NULL, NULL, NULL), IK_ERR_OVERFLOW, "overflow");
    int64_t far[2] = {INT64_C(1) << 61, 1};
    bad = make_array(y, 2, shape, far, 64);
    EXPECT_ERROR(ik_tv_denoise(&bad, &xa, NULL, NULL, NULL), IK_ERR_OVERFLOW, "Invalid y");

    o.lambda = -1;
    EXPECT_ERROR(ik_tv_denoise(&ya, &xa, NULL, &o, NULL), IK_ERR_INVALID_ARGUMENT, "lambda");
    o.lambda = NAN;
    EXPECT_ERROR(ik_tv_denoise(&ya, &xa, NULL, &o, NULL), IK_ERR_NOT_FINITE, "lambda");
    ik_tv_options_init(&o);
    o.lower = 1;
    o.upper = 0;
    EXPECT_ERROR(ik_tv_denoise(&ya, &xa, NULL, &o, NULL), IK_ERR_INVALID_ARGUMENT, "lower");
    ik_tv_options_init(&o);
    o.max_iterations = 0;
    EXPECT_ERROR(ik_tv_denoise(&ya, &xa, NULL, &o, NULL), IK_ERR_INVALID_ARGUMENT, "max_iterations");
    ik_tv_options_init(&o);
    o.norm = 7;
    EXPECT_ERROR(ik_tv_denoise(&ya, &xa, NULL, &o, NULL), IK_ERR_INVALID_ARGUMENT, "norm");
    ik_tv_options_init(&o);
    o.struct_size = 8;
    EXPECT_ERROR(ik_tv_denoise(&ya, &xa, NULL, &o, NULL), IK_ERR_STRUCT_VERSION, "struct_size");
    ik_tv_options_init(&o);
    info.struct_size = 3;
    EXPECT_ERROR(ik_tv_denoise(&ya, &xa, NULL, &o, &info), IK_ERR_STRUCT_VERSION, "info");
    EXPECT(info.iterations == 0);
    ik_tv_info_init(&info);

    ik_array wa = make_array(w, 2, wrong, NULL, 64);
    o.weights = &wa;
    EXPECT_ERROR(ik_tv_denoise(&ya, &xa, NULL, &o, NULL), IK_ERR_SHAPE, "Invalid weights");
    for (int k = 0; k < N; k++) w[k] = 1;
    w[7] = -0.5;
    wa = make_array(w, 2, shape, NULL, 64);
    EXPECT_ERROR(ik_tv_denoise(&ya, &xa, NULL, &o, NULL), IK_ERR_INVALID_ARGUMENT, "weights");
    w[7] = NAN;
    EXPECT_ERROR(ik_tv_denoise(&ya, &xa, NULL, &o, NULL), IK_ERR_NOT_FINITE, "weights");
    ik_tv_options_init(&o);

    ik_array qa = make_array(q, 3, dshape, NULL, 64);
    o.warm_start = 1;
    EXPECT_ERROR(ik_tv_denoise(&ya, &xa, NULL, &o, NULL), IK_ERR_NULL_POINTER, "dual");
    for (int k = 0; k < 2 * N; k++) q[k] = 0;
    q[3] = INFINITY;
    EXPECT_ERROR(ik_tv_denoise(&ya, &xa, &qa, &o, NULL), IK_ERR_NOT_FINITE, "dual");
    EXPECT(q[3] == INFINITY);
    ik_tv_options_init(&o);
    ik_array overlapping = make_array(y, 3, dshape, NULL, 64);
    EXPECT_ERROR(ik_tv_denoise(&ya, &xa, &overlapping, &o, NULL), IK_ERR_LAYOUT, "overlaps y");

    y[11] = NAN;
    EXPECT_ERROR(ik_tv_denoise(&ya, &xa, NULL, NULL, &info), IK_ERR_NOT_FINITE, "element 11");
    y[11] = INFINITY;
    EXPECT_ERROR(ik_tv_denoise(&ya, &xa, NULL, NULL, &info), IK_ERR_NOT_FINITE, "Invalid y");
    EXPECT(info.iterations == 0);
    EXPECT(all_equal(x, 42.0, N));

    double v = 9;
    EXPECT_ERROR(ik_tv_value(&ya, IK_TV_ISOTROPIC, NULL, &v), IK_ERR_NOT_FINITE, "Invalid x");
    y[11] = 0.5;
    EXPECT_ERROR(ik_tv_value(&ya, 5, NULL, &v), IK_ERR_INVALID_ARGUMENT, "norm");
    EXPECT_ERROR(ik_tv_value(NULL, 0, NULL, &v), IK_ERR_NULL_POINTER, "Invalid x");
    EXPECT_ERROR(ik_tv_value(&ya, 0, NULL, NULL), IK_ERR_NULL_POINTER, "value");
    EXPECT(v == 9);
    EXPECT(ik_tv_value(&ya, IK_TV_ANISOTROPIC, NULL, &v) == IK_OK && v > 0);
    EXPECT(strcmp(ik_last_error_message(), "") == 0);
}

/* Threads: concurrent solves on distinct buffers give the serial answer, and each thread's error
 * message is its own. */
enum { TR = 64, TC = 48 };
static double shared_y[TR * TC];
struct job {
    double x[TR * TC];
    int status;
    int fail;
    char message[256];
};

static void* worker(void* arg) {
    struct job* job = arg;
    int64_t shape[2] = {TR, TC};
    ik_array ya = make_array(shared_y, 2, shape, NULL, 64), xa = make_array(job->x, 2, shape, NULL, 64);
    ik_tv_options o;
    ik_tv_options_init(&o);
    o.threads = 1;
    o.tolerance = 1e-7;
    o.max_iterations = 20000;
    if (job->fail) o.lambda = -3;
    job->status = ik_tv_denoise(&ya, &xa, NULL, &o, NULL);
    snprintf(job->message, sizeof job->message, "%s", ik_last_error_message());
    return NULL;
}

static void test_concurrent_calls(void) {
    for (int k = 0; k < TR * TC; k++) shared_y[k] = uniform();
    static struct job jobs[4];
    pthread_t threads[4];
    for (int t = 0; t < 4; t++) {
        jobs[t].fail = t == 2;
        pthread_create(&threads[t], NULL, worker, &jobs[t]);
    }
    for (int t = 0; t < 4; t++) pthread_join(threads[t], NULL);
    EXPECT(jobs[0].status == IK_OK && jobs[1].status == IK_OK && jobs[3].status == IK_OK);
    EXPECT(jobs[2].status == IK_ERR_INVALID_ARGUMENT && strstr(jobs[2].message, "lambda") != NULL);
    EXPECT(strcmp(jobs[0].message, "") == 0);
    EXPECT(memcmp(jobs[0].x, jobs[1].x, sizeof jobs[0].x) == 0);
    EXPECT(memcmp(jobs[0].x, jobs[3].x, sizeof jobs[0].x) == 0);
}

static void test_prox_object(void) {
    enum { R = 24, C = 20, N = R * C };
    static double y[N], x[N], x2[N];
    for (int k = 0; k < N; k++) y[k] = ((k % C) < C / 2 ? 0.2 : 0.8) + 0.3 * (uniform() - 0.5);
    int64_t shape[2] = {R, C};
    ik_dtype f64 = {IK_DTYPE_FLOAT, 64, 1}, c128 = {IK_DTYPE_COMPLEX, 128, 1};
    ik_tv_options o;
    ik_tv_options_init(&o);
    o.tolerance = 1e-7;
    o.max_iterations = 100000;
    ik_tv_prox* prox = NULL;
    EXPECT(ik_tv_prox_create(&prox, 2, shape, f64, &o) == IK_OK && prox != NULL);
    ik_array ya = make_array(y, 2, shape, NULL, 64), xa = make_array(x, 2, shape, NULL, 64);
    ik_tv_info first, second, direct;
    ik_tv_info_init(&first);
    ik_tv_info_init(&second);
    ik_tv_info_init(&direct);
    EXPECT(ik_tv_prox_apply(prox, &ya, 0.1, &xa, &first) == IK_OK && first.converged);
    /* The same problem again starts from the stored dual and stops at once. */
    EXPECT(ik_tv_prox_apply(prox, &ya, 0.1, &xa, &second) == IK_OK && second.iterations == 0);
    ik_array x2a = make_array(x2, 2, shape, NULL, 64);
    o.lambda = 0.1;
    EXPECT(ik_tv_denoise(&ya, &x2a, NULL, &o, &direct) == IK_OK);
    EXPECT(fabs(direct.primal - second.primal) <= 1e-6 * direct.primal);
    EXPECT(ik_tv_prox_reset(prox) == IK_OK);
    EXPECT(ik_tv_prox_apply(prox, &ya, 0.1, &xa, &second) == IK_OK && second.iterations == first.iterations);
    /* Errors leave x untouched and the object usable. */
    for (int k = 0; k < N; k++) x[k] = 42;
    EXPECT_ERROR(ik_tv_prox_apply(prox, &ya, -1.0, &xa, NULL), IK_ERR_INVALID_ARGUMENT, "lambda");
    EXPECT_ERROR(ik_tv_prox_apply(prox, &ya, NAN, &xa, NULL), IK_ERR_NOT_FINITE, "lambda");
    int64_t other[2] = {C, R};
    ik_array wrong = make_array(x, 2, other, NULL, 64);
    EXPECT_ERROR(ik_tv_prox_apply(prox, &ya, 0.1, &wrong, NULL), IK_ERR_SHAPE, "Invalid x");
    EXPECT_ERROR(ik_tv_prox_apply(NULL, &ya, 0.1, &xa, NULL), IK_ERR_NULL_POINTER, "prox");
    EXPECT_ERROR(ik_tv_prox_apply(prox, NULL, 0.1, &xa, NULL), IK_ERR_NULL_POINTER, "Invalid y");
    EXPECT(all_equal(x, 42.0, N));
    EXPECT(ik_tv_prox_apply(prox, &ya, 0.2, &ya, NULL) == IK_OK); /* in place */
    EXPECT_ERROR(ik_tv_prox_reset(NULL), IK_ERR_NULL_POINTER, "prox");
    ik_tv_prox_destroy(prox);
    ik_tv_prox_destroy(NULL);

    ik_tv_prox* untouched = (ik_tv_prox*)&f64;
    EXPECT_ERROR(ik_tv_prox_create(NULL, 2, shape, f64, NULL), IK_ERR_NULL_POINTER, "out");
    EXPECT_ERROR(ik_tv_prox_create(&untouched, 4, shape, f64, NULL), IK_ERR_SHAPE, "got 4");
    EXPECT_ERROR(ik_tv_prox_create(&untouched, 2, NULL, f64, NULL), IK_ERR_NULL_POINTER, "shape");
    EXPECT_ERROR(ik_tv_prox_create(&untouched, 2, shape, c128, NULL), IK_ERR_UNSUPPORTED_DTYPE, "dtype");
    int64_t zero[2] = {0, 5}, huge[2] = {INT64_C(1) << 40, INT64_C(1) << 40};
    EXPECT_ERROR(ik_tv_prox_create(&untouched, 2, zero, f64, NULL), IK_ERR_SHAPE, "axis 0");
    EXPECT_ERROR(ik_tv_prox_create(&untouched, 2, huge, f64, NULL), IK_ERR_OVERFLOW, "shape");
    ik_tv_options_init(&o);
    o.check_interval = 0;
    EXPECT_ERROR(ik_tv_prox_create(&untouched, 2, shape, f64, &o), IK_ERR_INVALID_ARGUMENT, "check_interval");
    EXPECT(untouched == (ik_tv_prox*)&f64);
}

int main(void) {
    test_versions_and_strings();
    test_options_and_info_init();
    test_dual_shape();
    test_denoise_2d_certificate();
    test_denoise_3d_float_strided_and_aliased();
    test_denoise_errors();
    test_concurrent_calls();
    test_prox_object();
    return report();
}
