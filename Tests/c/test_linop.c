/* The linear-operator part of the C API against the built library: the shared operator cases of
 * Tests/cases/operators.txt (the same cases the Swift and Python suites run), every function, the
 * adjoint contract, user callbacks (success, failure, release), composition, closed-form solves,
 * CT, and bad input. Ends with "N passed, N failed". */
#define IK_EXPERIMENTAL_API
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"

static const ik_dtype F64 = {IK_DTYPE_FLOAT, 64, 1};
static const ik_dtype F32 = {IK_DTYPE_FLOAT, 32, 1};
static const ik_dtype C128 = {IK_DTYPE_COMPLEX, 128, 1};

static uint64_t rng_state = 99;
static double uniform(void) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(rng_state >> 11) / 9007199254740992.0 - 0.5;
}

/* Elements of an operator's input or output, and its element type. */
static int64_t side(const ik_linop* op, int output, ik_dtype* dtype, int64_t* shape, int32_t* ndim) {
    int status = output ? ik_linop_output_shape(op, shape, ndim, dtype) : ik_linop_input_shape(op, shape, ndim, dtype);
    if (status != IK_OK) return -1;
    int64_t n = 1;
    for (int i = 0; i < *ndim; i++) n *= shape[i];
    return n;
}

/* Re <a, b> = sum conj(a) b over n elements of `bits` (32/64 real, 64/128 complex) in double. */
static double inner(const void* a, const void* b, int64_t n, ik_dtype dtype) {
    int64_t reals = dtype.code == IK_DTYPE_COMPLEX ? 2 * n : n;
    int single = dtype.code == IK_DTYPE_COMPLEX ? dtype.bits == 64 : dtype.bits == 32;
    double sum = 0;
    for (int64_t i = 0; i < reals; i++)
        sum += single ? (double)((const float*)a)[i] * ((const float*)b)[i] : ((const double*)a)[i] * ((const double*)b)[i];
    return sum; /* the real part of the complex inner product: conj(a_r + i a_i)(b_r + i b_i) */
}

/* The adjoint contract, computed here from applications of A and A^H (not the library's own
 * figure): |<A x, y> - <x, A^H y>| <= tolerance * ||A x|| ||y||, for random x, y; and the library's
 * ik_linop_adjoint_test within the same tolerance. */
static void check_adjoint(const ik_linop* op, double tolerance, const char* what) {
    double mismatch = -1;
    EXPECT(ik_linop_adjoint_test(op, 7, &mismatch) == IK_OK);
    if (!(mismatch >= 0 && mismatch <= tolerance)) {
        fprintf(stderr, "library adjoint test of %s: %g\n", what, mismatch);
        failed++;
    } else {
        passed++;
    }
    int64_t in_shape[IK_MAX_NDIM], out_shape[IK_MAX_NDIM];
    int32_t in_nd = 0, out_nd = 0;
    ik_dtype in_type, out_type;
    int64_t n = side(op, 0, &in_type, in_shape, &in_nd), m = side(op, 1, &out_type, out_shape, &out_nd);
    EXPECT(n > 0 && m > 0);
    if (n <= 0 || m <= 0) return;
    size_t in_bytes = (size_t)n * in_type.bits / 8, out_bytes = (size_t)m * out_type.bits / 8;
    unsigned char *x = malloc(in_bytes), *ahy = malloc(in_bytes), *y = malloc(out_bytes), *ax = malloc(out_bytes);
    int in_single = in_type.code == IK_DTYPE_COMPLEX ? in_type.bits == 64 : in_type.bits == 32;
    int out_single = out_type.code == IK_DTYPE_COMPLEX ? out_type.bits == 64 : out_type.bits == 32;
    int64_t in_reals = in_type.code == IK_DTYPE_COMPLEX ? 2 * n : n, out_reals = out_type.code == IK_DTYPE_COMPLEX ? 2 * m : m;
    for (int64_t i = 0; i < in_reals; i++) {
        if (in_single) ((float*)x)[i] = (float)uniform(); else ((double*)x)[i] = uniform();
    }
    for (int64_t i = 0; i < out_reals; i++) {
        if (out_single) ((float*)y)[i] = (float)uniform(); else ((double*)y)[i] = uniform();
    }
    ik_array xa = {x, {IK_DEVICE_CPU, 0}, in_nd, in_type, in_shape, NULL, 0};
    ik_array ahya = {ahy, {IK_DEVICE_CPU, 0}, in_nd, in_type, in_shape, NULL, 0};
    ik_array ya = {y, {IK_DEVICE_CPU, 0}, out_nd, out_type, out_shape, NULL, 0};
    ik_array axa = {ax, {IK_DEVICE_CPU, 0}, out_nd, out_type, out_shape, NULL, 0};
    EXPECT(ik_linop_apply(op, &xa, &axa) == IK_OK);
    EXPECT(ik_linop_apply_adjoint(op, &ya, &ahya) == IK_OK);
    double lhs = inner(ax, y, m, out_type), rhs = inner(x, ahy, n, in_type);
    double scale = sqrt(inner(ax, ax, m, out_type) * inner(y, y, m, out_type));
    double computed = fabs(lhs - rhs) / (scale > 0 ? scale : 1);
    if (!(computed <= tolerance)) {
        fprintf(stderr, "adjoint contract of %s computed in C: %g\n", what, computed);
        failed++;
    } else {
        passed++;
    }
    free(x);
    free(ahy);
    free(y);
    free(ax);
}

static void test_basic_operators_and_shapes(void) {
    int64_t shape[2] = {6, 5}, out[IK_MAX_NDIM];
    int32_t nd = 0;
    ik_dtype dt;
    ik_linop *id = NULL, *sc = NULL, *grad = NULL, *div = NULL, *diag = NULL, *mask = NULL;
    EXPECT(ik_linop_create_identity(&id, 2, shape, F64) == IK_OK);
    EXPECT(ik_linop_create_scaling(&sc, 2, shape, F64, -3.0) == IK_OK);
    EXPECT(ik_linop_create_gradient(&grad, 2, shape, F64) == IK_OK);
    EXPECT(ik_linop_create_divergence(&div, 2, shape, F64) == IK_OK);
    double d[30], m[30];
    for (int i = 0; i < 30; i++) {
        d[i] = uniform();
        m[i] = i % 3 == 0;
    }
    ik_array da = make_array(d, 2, shape, NULL, 64), ma = make_array(m, 2, shape, NULL, 64);
    EXPECT(ik_linop_create_diagonal(&diag, &da, F64) == IK_OK);
    EXPECT(ik_linop_create_mask(&mask, &ma, F64) == IK_OK);
    EXPECT(ik_linop_output_shape(grad, out, &nd, &dt) == IK_OK);
    EXPECT(nd == 3 && out[0] == 2 && out[1] == 6 && out[2] == 5 && dt.code == IK_DTYPE_FLOAT && dt.bits == 64);
    EXPECT(ik_linop_input_shape(div, out, &nd, &dt) == IK_OK && nd == 3 && out[0] == 2);
    const ik_linop* all[] = {id, sc, grad, div, diag, mask};
    for (int i = 0; i < 6; i++) check_adjoint(all[i], 1e-14, "basic");
    /* Gradient values: forward differences, zero at the last row/column. */
    double x[30], g[60];
    for (int i = 0; i < 30; i++) x[i] = i * i;
    int64_t gshape[3] = {2, 6, 5};
    ik_array xa = make_array(x, 2, shape, NULL, 64), ga = make_array(g, 3, gshape, NULL, 64);
    EXPECT(ik_linop_apply(grad, &xa, &ga) == IK_OK);
    EXPECT(g[0] == x[5] - x[0] && g[25] == 0 && g[30 + 0] == x[1] - x[0] && g[30 + 4] == 0);
    double norm = 0;
    EXPECT(ik_linop_norm(sc, 1, 1e-12, 100, &norm) == IK_OK && fabs(norm - 3.0) < 1e-12);
    EXPECT(ik_linop_norm(grad, 1, 1e-9, 10000, &norm) == IK_OK && norm > 2.5 && norm < sqrt(8.0));
    for (int i = 0; i < 6; i++) ik_linop_destroy((ik_linop*)all[i]);
    ik_linop_destroy(NULL);
}

static void test_matrices(void) {
    double a[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, x[4] = {1, -1, 2, 0.5}, y[3];
    int64_t ashape[2] = {3, 4}, xs[1] = {4}, ys[1] = {3};
    ik_array aa = make_array(a, 2, ashape, NULL, 64), xa = make_array(x, 1, xs, NULL, 64), ya = make_array(y, 1, ys, NULL, 64);
    ik_linop* mat = NULL;
    EXPECT(ik_linop_create_matrix(&mat, &aa) == IK_OK);
    EXPECT(ik_linop_apply(mat, &xa, &ya) == IK_OK);
    EXPECT(fabs(y[0] - (1 - 2 + 6 + 2)) < 1e-12 && fabs(y[2] - (9 - 10 + 22 + 6)) < 1e-12);
    check_adjoint(mat, 1e-14, "matrix");
    /* The same matrix in CSR form gives the same result. */
    int64_t indptr[4] = {0, 4, 8, 12}, indices[12] = {0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3}, nnz[1] = {12};
    ik_array va = make_array(a, 1, nnz, NULL, 64);
    ik_linop* csr = NULL;
    double y2[3];
    ik_array y2a = make_array(y2, 1, ys, NULL, 64);
    EXPECT(ik_linop_create_csr(&csr, 3, 4, indptr, indices, &va) == IK_OK);
    EXPECT(ik_linop_apply(csr, &xa, &y2a) == IK_OK && memcmp(y, y2, sizeof y) == 0);
    check_adjoint(csr, 1e-14, "csr");
    int64_t bad_indices[12] = {0, 1, 2, 9, 0, 1, 2, 3, 0, 1, 2, 3};
    ik_linop* untouched = mat;
    EXPECT_ERROR(ik_linop_create_csr(&untouched, 3, 4, indptr, bad_indices, &va), IK_ERR_INVALID_ARGUMENT, "indices");
    EXPECT(untouched == mat);
    EXPECT_ERROR(ik_linop_create_csr(&untouched, 3, 4, NULL, indices, &va), IK_ERR_NULL_POINTER, "indptr");
    EXPECT_ERROR(ik_linop_create_matrix(&untouched, &xa), IK_ERR_SHAPE, "2 dimensions");
    ik_linop_destroy(mat);
    ik_linop_destroy(csr);
}

/* A user operator: y = 2 x on 3 doubles, with a failure switch and a release counter. */
struct user_state {
    int fail;
    int released;
};

static int double_it(void* user, const ik_array* in, ik_array* out) {
    struct user_state* state = user;
    if (state->fail) return 42;
    const double* x = in->data;
    double* y = out->data;
    for (int64_t i = 0; i < in->shape[0]; i++) y[i] = 2 * x[i];
    return 0;
}

static void release_state(void* user) { ((struct user_state*)user)->released++; }

static void test_callbacks_and_composition(void) {
    struct user_state state = {0, 0};
    int64_t s3[1] = {3}, s6[1] = {6};
    ik_linop *user = NULL, *id = NULL;
    EXPECT(ik_linop_create_callback(&user, 1, s3, F64, 1, s3, F64, double_it, double_it, &state, release_state) == IK_OK);
    EXPECT(ik_linop_create_identity(&id, 1, s3, F64) == IK_OK);
    check_adjoint(user, 1e-15, "callback");
    ik_linop *sum = NULL, *prod = NULL, *stack = NULL, *block = NULL, *adj = NULL, *normal = NULL;
    const ik_linop* pair[2] = {user, id};
    EXPECT(ik_linop_create_sum(&sum, pair, 2) == IK_OK);
    EXPECT(ik_linop_create_product(&prod, user, user) == IK_OK);
    EXPECT(ik_linop_create_stack(&stack, pair, 2) == IK_OK);
    EXPECT(ik_linop_create_block_diagonal(&block, pair, 2) == IK_OK);
    EXPECT(ik_linop_create_adjoint(&adj, user) == IK_OK);
    EXPECT(ik_linop_create_normal(&normal, user) == IK_OK);
    double x[3] = {1, 2, 3}, y[6], big[6] = {1, 2, 3, 4, 5, 6};
    ik_array xa = make_array(x, 1, s3, NULL, 64), ya = make_array(y, 1, s3, NULL, 64);
    EXPECT(ik_linop_apply(sum, &xa, &ya) == IK_OK && y[0] == 3 && y[2] == 9);
    EXPECT(ik_linop_apply(prod, &xa, &ya) == IK_OK && y[1] == 8);
    EXPECT(ik_linop_apply(normal, &xa, &ya) == IK_OK && y[2] == 12);
    EXPECT(ik_linop_apply_adjoint(adj, &xa, &ya) == IK_OK && y[0] == 2);
    ik_array y6 = make_array(y, 1, s6, NULL, 64), b6 = make_array(big, 1, s6, NULL, 64);
    EXPECT(ik_linop_apply(stack, &xa, &y6) == IK_OK && y[0] == 2 && y[3] == 1 && y[5] == 3);
    int64_t out[IK_MAX_NDIM];
    int32_t nd;
    ik_dtype dt;
    EXPECT(ik_linop_input_shape(block, out, &nd, &dt) == IK_OK && nd == 2 && out[0] == 2 && out[1] == 3);
    int64_t b23[2] = {2, 3};
    ik_array bin = make_array(big, 2, b23, NULL, 64), bout = make_array(y, 2, b23, NULL, 64);
    EXPECT(ik_linop_apply(block, &bin, &bout) == IK_OK && y[0] == 2 && y[3] == 4);
    (void)b6;
    const ik_linop* all[] = {sum, prod, stack, block, adj, normal};
    for (int i = 0; i < 6; i++) check_adjoint(all[i], 1e-15, "composite");

    /* A failing callback: status, message, untouched output, also through a composite. */
    state.fail = 1;
    for (int i = 0; i < 6; i++) y[i] = -5;
    EXPECT_ERROR(ik_linop_apply(user, &xa, &ya), IK_ERR_CALLBACK, "apply callback");
    EXPECT_ERROR(ik_linop_apply(stack, &xa, &y6), IK_ERR_CALLBACK, "returned 42");
    EXPECT(y[0] == -5 && y[5] == -5);
    state.fail = 0;

    /* The parts live on inside the composites after their handles are destroyed. */
    ik_linop_destroy(user);
    ik_linop_destroy(id);
    EXPECT(state.released == 0);
    EXPECT(ik_linop_apply(sum, &xa, &ya) == IK_OK && y[0] == 3);
    for (int i = 0; i < 6; i++) ik_linop_destroy((ik_linop*)all[i]);
    EXPECT(state.released == 1);

    /* Bad creation: nothing is created, release is not called. */
    ik_linop* none = NULL;
    EXPECT_ERROR(ik_linop_create_callback(&none, 1, s3, F64, 1, s3, F64, NULL, double_it, &state, release_state),
                 IK_ERR_NULL_POINTER, "apply");
    EXPECT_ERROR(ik_linop_create_callback(&none, 0, s3, F64, 1, s3, F64, double_it, double_it, &state, release_state),
                 IK_ERR_SHAPE, "input_shape");
    EXPECT(none == NULL && state.released == 1);
}

static void test_composition_errors(void) {
    int64_t s3[1] = {3}, s4[1] = {4};
    ik_linop *a = NULL, *b = NULL, *c = NULL, *out = NULL;
    EXPECT(ik_linop_create_identity(&a, 1, s3, F64) == IK_OK);
    EXPECT(ik_linop_create_identity(&b, 1, s4, F64) == IK_OK);
    EXPECT(ik_linop_create_identity(&c, 1, s3, C128) == IK_OK);
    const ik_linop* ab[2] = {a, b};
    const ik_linop* ac[2] = {a, c};
    const ik_linop* an[2] = {a, NULL};
    EXPECT_ERROR(ik_linop_create_product(&out, a, b), IK_ERR_SHAPE, "product");
    EXPECT_ERROR(ik_linop_create_sum(&out, ab, 2), IK_ERR_SHAPE, "sum");
    EXPECT_ERROR(ik_linop_create_stack(&out, ab, 2), IK_ERR_SHAPE, "stack");
    EXPECT_ERROR(ik_linop_create_block_diagonal(&out, ac, 2), IK_ERR_UNSUPPORTED_DTYPE, "block");
    EXPECT_ERROR(ik_linop_create_sum(&out, an, 2), IK_ERR_NULL_POINTER, "terms[1]");
    EXPECT_ERROR(ik_linop_create_sum(&out, ab, 0), IK_ERR_INVALID_ARGUMENT, "count");
    EXPECT_ERROR(ik_linop_create_adjoint(&out, NULL), IK_ERR_NULL_POINTER, "op");
    EXPECT_ERROR(ik_linop_create_normal(NULL, a), IK_ERR_NULL_POINTER, "out");
    EXPECT(out == NULL);
    double x[4] = {0}, y[4] = {7, 7, 7, 7};
    ik_array x3 = make_array(x, 1, s3, NULL, 64), y4 = make_array(y, 1, s4, NULL, 64), y3f = make_array(y, 1, s3, NULL, 32);
    EXPECT_ERROR(ik_linop_apply(a, &x3, &y4), IK_ERR_SHAPE, "Invalid y");
    EXPECT_ERROR(ik_linop_apply(a, &x3, &y3f), IK_ERR_UNSUPPORTED_DTYPE, "Invalid y");
    EXPECT_ERROR(ik_linop_apply(NULL, &x3, &y4), IK_ERR_NULL_POINTER, "op");
    EXPECT_ERROR(ik_linop_apply(a, NULL, &y4), IK_ERR_NULL_POINTER, "Invalid x");
    EXPECT(y[0] == 7 && y[3] == 7);
    double v;
    EXPECT_ERROR(ik_linop_norm(a, 0, -1, 10, &v), IK_ERR_INVALID_ARGUMENT, "tolerance");
    EXPECT_ERROR(ik_linop_norm(a, 0, 1e-6, 0, &v), IK_ERR_INVALID_ARGUMENT, "max_iterations");
    EXPECT_ERROR(ik_linop_adjoint_test(a, 0, NULL), IK_ERR_NULL_POINTER, "mismatch");
    EXPECT_ERROR(ik_linop_input_shape(a, NULL, NULL, NULL), IK_ERR_NULL_POINTER, "shape");
    int64_t huge[2] = {INT64_C(1) << 40, INT64_C(1) << 40};
    EXPECT_ERROR(ik_linop_create_identity(&out, 2, huge, F64), IK_ERR_OVERFLOW, "too many");
    ik_dtype bad = {IK_DTYPE_FLOAT, 16, 1};
    EXPECT_ERROR(ik_linop_create_identity(&out, 1, s3, bad), IK_ERR_UNSUPPORTED_DTYPE, "dtype");
    EXPECT(out == NULL);
    ik_linop_destroy(a);
    ik_linop_destroy(b);
    ik_linop_destroy(c);
}

static void test_physics(void) {
    enum { R = 16, C = 12 };
    static double img[R * C], k[9], y[R * C], back[R * C];
    for (int i = 0; i < R * C; i++) img[i] = uniform();
    for (int i = 0; i < 9; i++) k[i] = uniform() + 1;
    int64_t shape[2] = {R, C}, kshape[2] = {3, 3};
    ik_array ka = make_array(k, 2, kshape, NULL, 64);
    ik_linop *conv = NULL, *same = NULL, *valid = NULL, *sr = NULL, *fourier = NULL, *radon = NULL;
    EXPECT(ik_linop_create_convolution(&conv, 2, shape, &ka, IK_BOUNDARY_PERIODIC) == IK_OK);
    EXPECT(ik_linop_create_convolution(&same, 2, shape, &ka, IK_BOUNDARY_SAME) == IK_OK);
    EXPECT(ik_linop_create_convolution(&valid, 2, shape, &ka, IK_BOUNDARY_VALID) == IK_OK);
    EXPECT(ik_linop_create_super_resolution(&sr, 2, shape, &ka, 4) == IK_OK);
    EXPECT(ik_linop_create_fourier(&fourier, 2, shape, C128, NULL, NULL, 1) == IK_OK);
    double angles[30];
    for (int i = 0; i < 30; i++) angles[i] = M_PI * i / 30;
    EXPECT(ik_linop_create_radon(&radon, R, C, angles, 30, 0, 1.0, 0, F64, 2) == IK_OK);
    const ik_linop* all[] = {conv, same, valid, sr, fourier, radon};
    for (int i = 0; i < 6; i++) check_adjoint(all[i], 1e-13, "physics");
    int64_t out[IK_MAX_NDIM];
    int32_t nd;
    ik_dtype dt;
    EXPECT(ik_linop_output_shape(valid, out, &nd, &dt) == IK_OK && out[0] == R - 2 && out[1] == C - 2);
    EXPECT(ik_linop_output_shape(sr, out, &nd, &dt) == IK_OK && out[0] == R / 4 && out[1] == C / 4);
    EXPECT(ik_linop_output_shape(radon, out, &nd, &dt) == IK_OK && out[0] == 30 && out[1] == 20);

    /* Closed-form normal solve: A^T A x + rho x reproduces b. */
    ik_array ia = make_array(img, 2, shape, NULL, 64), xa = make_array(y, 2, shape, NULL, 64);
    ik_array ba = make_array(back, 2, shape, NULL, 64);
    EXPECT(ik_linop_has_normal_solve(sr) == 1 && ik_linop_has_normal_solve(radon) == 0);
    EXPECT(ik_linop_solve_normal(sr, 0.25, &ia, &xa) == IK_OK);
    ik_linop* normal = NULL;
    EXPECT(ik_linop_create_normal(&normal, sr) == IK_OK);
    EXPECT(ik_linop_apply(normal, &xa, &ba) == IK_OK);
    double worst = 0;
    for (int i = 0; i < R * C; i++) worst = fmax(worst, fabs(back[i] + 0.25 * y[i] - img[i]));
    EXPECT(worst < 1e-12);
    EXPECT_ERROR(ik_linop_solve_normal(radon, 0.25, &ia, &xa), IK_ERR_INVALID_ARGUMENT, "closed-form");
    EXPECT_ERROR(ik_linop_solve_normal(sr, -1, &ia, &xa), IK_ERR_INVALID_ARGUMENT, "rho");
    ik_linop_destroy(normal);

    /* FBP of a disc's sinogram recovers the disc's level in its middle. */
    enum { N = 65 };
    static double disc[N * N], sino[60 * 93], rec[N * N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) disc[i * N + j] = (i - 32) * (i - 32) + (j - 32) * (j - 32) < 15 * 15;
    double th[60];
    for (int i = 0; i < 60; i++) th[i] = M_PI * i / 60;
    ik_linop* ct = NULL;
    int64_t dshape[2] = {N, N}, sshape[2] = {60, 93};
    EXPECT(ik_linop_create_radon(&ct, N, N, th, 60, 93, 1.0, 0, F64, 0) == IK_OK);
    ik_array discA = make_array(disc, 2, dshape, NULL, 64), sinoA = make_array(sino, 2, sshape, NULL, 64);
    ik_array recA = make_array(rec, 2, dshape, NULL, 64);
    EXPECT(ik_linop_apply(ct, &discA, &sinoA) == IK_OK);
    EXPECT(ik_fbp(&sinoA, th, 60, 1.0, IK_FBP_SHEPP_LOGAN, 1, &recA) == IK_OK);
    EXPECT(fabs(rec[32 * N + 32] - 1) < 0.05 && fabs(rec[2 * N + 32]) < 0.05);
    EXPECT_ERROR(ik_fbp(&sinoA, th, 59, 1.0, IK_FBP_RAMP, 0, &recA), IK_ERR_SHAPE, "sinogram");
    EXPECT_ERROR(ik_fbp(&sinoA, th, 60, 1.0, 9, 0, &recA), IK_ERR_INVALID_ARGUMENT, "filter");
    EXPECT_ERROR(ik_fbp(&sinoA, NULL, 60, 1.0, 0, 0, &recA), IK_ERR_NULL_POINTER, "angles");
    EXPECT_ERROR(ik_fbp(&sinoA, th, 60, 1e-300, IK_FBP_RAMP, 0, &recA), IK_ERR_INVALID_ARGUMENT, "spacing");
    ik_linop_destroy(ct);

    /* Bad physics input. */
    ik_linop* none = NULL;
    k[4] = NAN;
    EXPECT_ERROR(ik_linop_create_convolution(&none, 2, shape, &ka, 0), IK_ERR_NOT_FINITE, "kernel");
    k[4] = 1;
    EXPECT_ERROR(ik_linop_create_convolution(&none, 2, shape, &ka, 7), IK_ERR_INVALID_ARGUMENT, "boundary");
    double zeros[R * C] = {0};
    ik_array za = make_array(zeros, 2, shape, NULL, 64);
    EXPECT_ERROR(ik_linop_create_fourier(&none, 2, shape, C128, &za, NULL, 0), IK_ERR_INVALID_ARGUMENT, "no sample");
    EXPECT_ERROR(ik_linop_create_fourier(&none, 2, shape, F64, NULL, NULL, 0), IK_ERR_UNSUPPORTED_DTYPE, "complex");
    EXPECT_ERROR(ik_linop_create_fourier(&none, 2, shape, C128, NULL, &za, 0), IK_ERR_UNSUPPORTED_DTYPE, "coil_maps");
    EXPECT_ERROR(ik_linop_create_radon(&none, R, C, angles, 0, 0, 1, 0, F64, 0), IK_ERR_INVALID_ARGUMENT, "angle_count");
    angles[3] = INFINITY;
    EXPECT_ERROR(ik_linop_create_radon(&none, R, C, angles, 30, 0, 1, 0, F64, 0), IK_ERR_NOT_FINITE, "angle 3");
    EXPECT_ERROR(ik_linop_create_radon(&none, 0, C, angles, 30, 0, 1, 0, F64, 0), IK_ERR_SHAPE, "image shape");
    EXPECT_ERROR(ik_linop_create_super_resolution(&none, 2, shape, &ka, 5), IK_ERR_SHAPE, "multiple");
    EXPECT(none == NULL);
    for (int i = 0; i < 6; i++) ik_linop_destroy((ik_linop*)all[i]);
}

/* One operator, applied from four threads at once. */
static ik_linop* shared_op;
static double shared_x[64 * 48];
struct job {
    double y[2 * 64 * 48];
    int status;
};

static void* worker(void* arg) {
    struct job* job = arg;
    int64_t shape[2] = {64, 48}, gshape[3] = {2, 64, 48};
    ik_array xa = make_array(shared_x, 2, shape, NULL, 64), ya = make_array(job->y, 3, gshape, NULL, 64);
    job->status = ik_linop_apply(shared_op, &xa, &ya);
    return NULL;
}

static void test_concurrent_apply(void) {
    int64_t shape[2] = {64, 48};
    for (int i = 0; i < 64 * 48; i++) shared_x[i] = uniform();
    ik_linop *grad = NULL, *scale = NULL;
    EXPECT(ik_linop_create_gradient(&grad, 2, shape, F64) == IK_OK);
    int64_t gshape[3] = {2, 64, 48};
    EXPECT(ik_linop_create_scaling(&scale, 3, gshape, F64, 2.0) == IK_OK);
    EXPECT(ik_linop_create_product(&shared_op, scale, grad) == IK_OK);
    static struct job jobs[4];
    pthread_t threads[4];
    for (int t = 0; t < 4; t++) pthread_create(&threads[t], NULL, worker, &jobs[t]);
    for (int t = 0; t < 4; t++) pthread_join(threads[t], NULL);
    for (int t = 0; t < 4; t++) EXPECT(jobs[t].status == IK_OK);
    for (int t = 1; t < 4; t++) EXPECT(memcmp(jobs[0].y, jobs[t].y, sizeof jobs[0].y) == 0);
    EXPECT(jobs[0].y[0] == 2 * (shared_x[48] - shared_x[0]));
    ik_linop_destroy(shared_op);
    ik_linop_destroy(grad);
    ik_linop_destroy(scale);
}

static void test_single_precision(void) {
    float x[20], y[40];
    for (int i = 0; i < 20; i++) x[i] = (float)uniform();
    int64_t shape[2] = {4, 5}, gshape[3] = {2, 4, 5};
    ik_linop* grad = NULL;
    EXPECT(ik_linop_create_gradient(&grad, 2, shape, F32) == IK_OK);
    ik_array xa = make_array(x, 2, shape, NULL, 32), ya = make_array(y, 3, gshape, NULL, 32);
    EXPECT(ik_linop_apply(grad, &xa, &ya) == IK_OK && y[0] == x[5] - x[0]);
    check_adjoint(grad, 1e-6, "float32 gradient");
    ik_linop_destroy(grad);
}

/* Handles of the wrong kind are refused, not misread. */
static void test_handle_kinds(void) {
    ik_tv_prox* prox = NULL;
    int64_t shape[2] = {4, 4};
    EXPECT(ik_tv_prox_create(&prox, 2, shape, F64, NULL) == IK_OK);
    ik_linop* posing = (ik_linop*)prox;
    double v = 0;
    EXPECT_ERROR(ik_linop_adjoint_test(posing, 0, &v), IK_ERR_INVALID_ARGUMENT, "not an ik_linop");
    ik_linop_destroy(posing); /* ignored: not an operator */
    ik_linop* op = NULL;
    EXPECT(ik_linop_create_identity(&op, 2, shape, F64) == IK_OK);
    EXPECT_ERROR(ik_tv_prox_reset((ik_tv_prox*)op), IK_ERR_INVALID_ARGUMENT, "not an ik_tv_prox");
    ik_tv_prox_destroy((ik_tv_prox*)op); /* ignored */
    EXPECT(ik_tv_prox_reset(prox) == IK_OK);
    EXPECT(ik_linop_adjoint_test(op, 0, &v) == IK_OK);
    ik_tv_prox_destroy(prox);
    ik_linop_destroy(op);
}

/* ---- The shared operator cases ---------------------------------------------------------------- */

/* The case file's data formulas, per real index i. */
static double input_at(int64_t i) { return sin(1.3 * (double)i + 0.7); }
static double second_at(int64_t i) { return cos(0.9 * (double)i + 0.2); }
static double value_at(int64_t i) { return 0.5 * sin((double)(i + 1)); }
static double kernel_at(int64_t i) { return 0.25 + 0.25 * (double)(i % 5); }
static double mask_at(int64_t i) { return i % 3 != 0 ? 1.0 : 0.0; }

/* A C-order array of `dtype` over malloc'd memory holding f(real index); free .array.data after use. */
typedef struct case_array {
    ik_array array;
    int64_t shape[8];
} case_array;

static void fill(case_array* a, double (*f)(int64_t), int32_t ndim, const int64_t* shape, ik_dtype dtype) {
    memset(a, 0, sizeof *a);
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) n *= a->shape[i] = shape[i];
    int64_t reals = n * components(dtype);
    void* data = malloc((size_t)(reals > 0 ? reals : 1) * (is_single(dtype) ? 4 : 8));
    for (int64_t i = 0; i < reals; i++) {
        if (is_single(dtype)) ((float*)data)[i] = (float)f(i); else ((double*)data)[i] = f(i);
    }
    ik_array arr = {data, {IK_DEVICE_CPU, 0}, ndim, dtype, a->shape, NULL, 0};
    a->array = arr;
}

/* The case's operator through the C ABI, or NULL (counted as a failure). */
static ik_linop* make_case_operator(const test_case* c) {
    const char* k = c->kind;
    ik_dtype dt = c->dtype, real = real_of(dt);
    ik_linop* op = NULL;
    int status = -1;
    if (strcmp(k, "identity") == 0) {
        status = ik_linop_create_identity(&op, c->ndim, c->shape, dt);
    } else if (strcmp(k, "scaling") == 0) {
        status = ik_linop_create_scaling(&op, c->ndim, c->shape, dt, number(c, "scale"));
    } else if (strcmp(k, "diagonal") == 0 || strcmp(k, "mask") == 0) {
        int complex_diagonal = param(c, "complex") && strcmp(param(c, "complex"), "1") == 0;
        int is_mask = strcmp(k, "mask") == 0;
        case_array d;
        fill(&d, is_mask ? mask_at : value_at, c->ndim, c->shape, complex_diagonal ? dt : real);
        status = is_mask ? ik_linop_create_mask(&op, &d.array, dt) : ik_linop_create_diagonal(&op, &d.array, dt);
        free(d.array.data);
    } else if (strcmp(k, "gradient") == 0) {
        status = ik_linop_create_gradient(&op, c->ndim, c->shape, dt);
    } else if (strcmp(k, "divergence") == 0) {
        status = ik_linop_create_divergence(&op, c->ndim, c->shape, dt);
    } else if (strcmp(k, "matrix") == 0) {
        case_array m;
        fill(&m, value_at, 2, c->shape, dt);
        status = ik_linop_create_matrix(&op, &m.array);
        free(m.array.data);
    } else if (strcmp(k, "csr") == 0) {
        int64_t rows = c->shape[0], columns = c->shape[1], nnz = 0;
        int64_t* indptr = malloc((size_t)(rows + 1) * sizeof(int64_t));
        int64_t* indices = malloc((size_t)(rows * columns) * sizeof(int64_t));
        indptr[0] = 0;
        for (int64_t r = 0; r < rows; r++) {
            for (int64_t col = 0; col < columns; col++)
                if ((r + 2 * col) % 3 == 0) indices[nnz++] = col;
            indptr[r + 1] = nnz;
        }
        case_array v;
        fill(&v, value_at, 1, &nnz, dt);
        status = ik_linop_create_csr(&op, rows, columns, indptr, indices, &v.array);
        free(v.array.data);
        free(indices);
        free(indptr);
    } else if (strcmp(k, "convolution") == 0 || strcmp(k, "super_resolution") == 0) {
        int64_t kshape[8];
        const char* text = param(c, "kernel");
        int32_t kdim = text ? parse_extents(text, kshape) : 0;
        case_array kernel;
        fill(&kernel, kernel_at, kdim, kshape, real);
        if (strcmp(k, "convolution") == 0) {
            const char* b = param(c, "boundary");
            int boundary = b && strcmp(b, "same") == 0 ? IK_BOUNDARY_SAME
                         : b && strcmp(b, "valid") == 0 ? IK_BOUNDARY_VALID : IK_BOUNDARY_PERIODIC;
            status = ik_linop_create_convolution(&op, c->ndim, c->shape, &kernel.array, boundary);
        } else {
            status = ik_linop_create_super_resolution(&op, c->ndim, c->shape, &kernel.array, (int32_t)number(c, "factor"));
        }
        free(kernel.array.data);
    } else if (strcmp(k, "fourier") == 0) {
        int64_t coils = (int64_t)number(c, "coils");
        case_array m;
        fill(&m, mask_at, c->ndim, c->shape, real);
        int64_t mshape[8] = {coils};
        for (int i = 0; i < c->ndim; i++) mshape[i + 1] = c->shape[i];
        case_array maps;
        fill(&maps, value_at, c->ndim + 1, mshape, dt);
        status = ik_linop_create_fourier(&op, c->ndim, c->shape, dt, &m.array, coils > 0 ? &maps.array : NULL,
                                         (int32_t)number(c, "centered"));
        free(maps.array.data);
        free(m.array.data);
    } else if (strcmp(k, "radon") == 0) {
        int64_t count = (int64_t)number(c, "angles");
        if (count < 1 || count > 100000) count = 1; /* a malformed line fails below, not here */
        double* angles = malloc((size_t)count * sizeof(double));
        for (int64_t a = 0; a < count; a++) angles[a] = (double)a * 3.14159265358979323846 / (double)count;
        int64_t detectors = param(c, "detectors") ? (int64_t)number(c, "detectors") : 0;
        double spacing = param(c, "spacing") ? number(c, "spacing") : 1.0;
        int32_t threads = param(c, "threads") ? (int32_t)number(c, "threads") : 0;
        int64_t slices = c->ndim == 3 ? c->shape[0] : 0;
        status = ik_linop_create_radon(&op, c->shape[c->ndim - 2], c->shape[c->ndim - 1], angles, count, detectors,
                                       spacing, slices, dt, threads);
        free(angles);
    } else {
        /* Composites on the gradient G of the case's shape. */
        ik_linop *g = NULL, *a = NULL, *b = NULL;
        EXPECT(ik_linop_create_gradient(&g, c->ndim, c->shape, dt) == IK_OK);
        int64_t gshape[8] = {c->ndim};
        for (int i = 0; i < c->ndim; i++) gshape[i + 1] = c->shape[i];
        if (strcmp(k, "product") == 0) {
            case_array d;
            fill(&d, value_at, c->ndim + 1, gshape, real);
            EXPECT(ik_linop_create_diagonal(&a, &d.array, dt) == IK_OK);
            status = ik_linop_create_product(&op, a, g);
            free(d.array.data);
        } else if (strcmp(k, "sum") == 0) {
            EXPECT(ik_linop_create_scaling(&a, c->ndim, c->shape, dt, 3.0) == IK_OK);
            EXPECT(ik_linop_create_product(&b, g, a) == IK_OK);
            const ik_linop* terms[2] = {g, b};
            status = ik_linop_create_sum(&op, terms, 2);
        } else if (strcmp(k, "stack") == 0) {
            EXPECT(ik_linop_create_identity(&a, c->ndim, c->shape, dt) == IK_OK);
            const ik_linop* blocks[2] = {g, a};
            status = ik_linop_create_stack(&op, blocks, 2);
        } else if (strcmp(k, "block_diagonal") == 0) {
            if (param(c, "mixed")) {
                int64_t three = 3;
                EXPECT(ik_linop_create_identity(&a, 1, &three, dt) == IK_OK);
                const ik_linop* blocks[2] = {g, a};
                status = ik_linop_create_block_diagonal(&op, blocks, 2);
            } else {
                const ik_linop* blocks[3] = {g, g, g};
                status = ik_linop_create_block_diagonal(&op, blocks, (int32_t)number(c, "count"));
            }
        } else if (strcmp(k, "adjoint") == 0) {
            status = ik_linop_create_adjoint(&op, g);
        } else if (strcmp(k, "normal") == 0) {
            status = ik_linop_create_normal(&op, g);
        } else if (strcmp(k, "scaled") == 0) {
            EXPECT(ik_linop_create_scaling(&a, c->ndim + 1, gshape, dt, number(c, "scale")) == IK_OK);
            status = ik_linop_create_product(&op, a, g);
        } else {
            fprintf(stderr, "operators.txt line %d: unknown kind %s\n", c->line, k);
        }
        ik_linop_destroy(b);
        ik_linop_destroy(a);
        ik_linop_destroy(g);
    }
    if (status != IK_OK) {
        fprintf(stderr, "operators.txt line %d (%s): creation failed: %d %s\n", c->line, k, status, ik_last_error_message());
        failed++;
        ik_linop_destroy(op);
        return NULL;
    }
    return op;
}

/* Re <a, b> over n reals of either precision, and a - b written into a (double reals). */
static double real_inner(const double* a, const double* b, int64_t n) {
    double sum = 0;
    for (int64_t i = 0; i < n; i++) sum += a[i] * b[i];
    return sum;
}

/* Applies op (or its adjoint) to reals held in double, through a buffer of the operator's precision. */
static int apply_reals(const ik_linop* op, int adjoint, const double* in, double* out) {
    int64_t in_shape[IK_MAX_NDIM], out_shape[IK_MAX_NDIM];
    int32_t in_nd = 0, out_nd = 0;
    ik_dtype in_type, out_type;
    int64_t n = side(op, adjoint, &in_type, in_shape, &in_nd), m = side(op, !adjoint, &out_type, out_shape, &out_nd);
    int64_t in_reals = n * components(in_type), out_reals = m * components(out_type);
    int single = is_single(in_type);
    unsigned char* a = malloc((size_t)in_reals * 8 + 8);
    unsigned char* b = malloc((size_t)out_reals * 8 + 8);
    for (int64_t i = 0; i < in_reals; i++) {
        if (single) ((float*)a)[i] = (float)in[i]; else ((double*)a)[i] = in[i];
    }
    ik_array xa = {a, {IK_DEVICE_CPU, 0}, in_nd, in_type, in_shape, NULL, 0};
    ik_array ya = {b, {IK_DEVICE_CPU, 0}, out_nd, out_type, out_shape, NULL, 0};
    int status = adjoint ? ik_linop_apply_adjoint(op, &xa, &ya) : ik_linop_apply(op, &xa, &ya);
    for (int64_t i = 0; i < out_reals; i++) out[i] = single ? (double)((float*)b)[i] : ((double*)b)[i];
    free(a);
    free(b);
    return status;
}

/* The contracts of the case file's header, computed here from applications of A and A^H. */
static void run_operator_case(const test_case* c) {
    ik_linop* op = make_case_operator(c);
    if (op == NULL) return;
    double tol = param(c, "tol") ? number(c, "tol") : (is_single(c->dtype) ? 1e-5 : 1e-12);
    int64_t in_shape[IK_MAX_NDIM], out_shape[IK_MAX_NDIM];
    int32_t in_nd = 0, out_nd = 0;
    ik_dtype in_type, out_type;
    int64_t n = side(op, 0, &in_type, in_shape, &in_nd) * components(in_type);
    int64_t m = side(op, 1, &out_type, out_shape, &out_nd) * components(out_type);
    double *x = malloc((size_t)n * 8), *z = malloc((size_t)n * 8), *y = malloc((size_t)m * 8);
    double *ax = malloc((size_t)m * 8), *az = malloc((size_t)m * 8), *ac = malloc((size_t)m * 8);
    double *ahy = malloc((size_t)n * 8), *normal = malloc((size_t)n * 8), *twice = malloc((size_t)n * 8);
    double *combined = malloc((size_t)n * 8);
    for (int64_t i = 0; i < n; i++) {
        x[i] = input_at(i);
        z[i] = second_at(i);
        /* Rounded to the operator's precision first, as the operator sees it. */
        if (is_single(in_type)) { x[i] = (float)x[i]; z[i] = (float)z[i]; }
        combined[i] = 2 * x[i] - 0.5 * z[i];
    }
    for (int64_t i = 0; i < m; i++) y[i] = is_single(out_type) ? (float)second_at(i) : second_at(i);
    int ok = apply_reals(op, 0, x, ax) == IK_OK && apply_reals(op, 1, y, ahy) == IK_OK &&
             apply_reals(op, 0, z, az) == IK_OK && apply_reals(op, 0, combined, ac) == IK_OK;
    ik_linop* normal_op = NULL;
    ok = ok && ik_linop_create_normal(&normal_op, op) == IK_OK && apply_reals(normal_op, 0, x, normal) == IK_OK &&
         apply_reals(op, 1, ax, twice) == IK_OK;
    ik_linop_destroy(normal_op);
    if (ok) {
        double nax = sqrt(real_inner(ax, ax, m)), ny = sqrt(real_inner(y, y, m));
        double nx = sqrt(real_inner(x, x, n)), nahy = sqrt(real_inner(ahy, ahy, n));
        double mismatch = fabs(real_inner(ax, y, m) - real_inner(x, ahy, n));
        double scale = fmax(nax * ny, nx * nahy);
        double linear = 0, expected = 0;
        for (int64_t i = 0; i < m; i++) {
            double e = 2 * ax[i] - 0.5 * az[i];
            linear += (ac[i] - e) * (ac[i] - e);
            expected += e * e;
        }
        double normal_error = 0, normal_size = 0;
        for (int64_t i = 0; i < n; i++) {
            normal_error += (normal[i] - twice[i]) * (normal[i] - twice[i]);
            normal_size += normal[i] * normal[i];
        }
        double library = -1, bound = -1, estimate = -1;
        ok = ik_linop_adjoint_test(op, 7, &library) == IK_OK && ik_linop_norm_bound(op, &bound) == IK_OK &&
             ik_linop_norm(op, 0, 1e-6, 1000, &estimate) == IK_OK;
        ok = ok && mismatch <= tol * scale && library <= tol;
        ok = ok && sqrt(linear) <= tol * (sqrt(expected) + nax);
        ok = ok && sqrt(normal_error) <= tol * sqrt(normal_size);
        ok = ok && isfinite(bound) && bound * (1 + tol) >= nax / nx && bound >= estimate * (1 - 1e-5);
        if (ok && ik_linop_has_normal_solve(op) == 1) {
            double solve = -1;
            ok = ik_linop_normal_test(op, 0.3, 0, &solve) == IK_OK && solve <= 10 * tol;
        }
        if (!ok)
            fprintf(stderr, "operators.txt line %d (%s): adjoint %g (library %g), linearity %g, normal %g, bound %g "
                    "against %g and %g\n", c->line, c->kind, mismatch / scale, library, sqrt(linear),
                    sqrt(normal_error), bound, nax / nx, estimate);
    } else {
        fprintf(stderr, "operators.txt line %d (%s): an application failed: %s\n", c->line, c->kind,
                ik_last_error_message());
    }
    EXPECT(ok);
    free(x); free(z); free(y); free(ax); free(az); free(ac); free(ahy); free(normal); free(twice); free(combined);
    ik_linop_destroy(op);
}

static void test_shared_cases(void) { EXPECT(for_each_case("Tests/cases/operators.txt", run_operator_case) > 30); }

int main(void) {
    test_shared_cases();
    test_basic_operators_and_shapes();
    test_matrices();
    test_callbacks_and_composition();
    test_composition_errors();
    test_physics();
    test_concurrent_apply();
    test_single_precision();
    test_handle_kinds();
    return report();
}
