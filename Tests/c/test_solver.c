/* ik_solve through the C ABI: TV denoising against ik_tv_denoise, the Lasso by two methods, the
 * callback (stop and failure), divergence, and bad input; and a user operator from the versioned
 * callback struct, whose normal solve a least-squares prox uses; few-view CT certified under x >= 0
 * alone. */
#define IK_EXPERIMENTAL_API
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "expect.h"

#define ROWS 13
#define COLS 11
#define N (ROWS * COLS)

static double noisy(int i) { return (i % 7 < 3 ? 1.0 : 0.0) + 0.3 * sin(7.0 * i); }

static int calls = 0;
static int stop_at_20(void* user, const ik_solver_progress* p) {
    (void)user;
    calls++;
    return p->iteration >= 20 ? 1 : 0;
}
static int fail(void* user, const ik_solver_progress* p) {
    (void)user;
    (void)p;
    return -7;
}
static int nan_apply(void* user, const ik_array* in, ik_array* out) {
    (void)user;
    (void)in;
    for (int i = 0; i < N; i++) ((double*)out->data)[i] = NAN;
    return 0;
}
static int copy_apply(void* user, const ik_array* in, ik_array* out) {
    (void)user;
    memcpy(out->data, in->data, N * sizeof(double));
    return 0;
}
/* A = 2 I as user functions, with its normal solve x = b / (4 + rho). */
static int twice(void* user, const ik_array* in, ik_array* out) {
    (void)user;
    for (int i = 0; i < N; i++) ((double*)out->data)[i] = 2 * ((const double*)in->data)[i];
    return 0;
}
static int twice_normal(void* user, double rho, const ik_array* b, ik_array* x) {
    if (user) return 3; /* the failing variant */
    for (int i = 0; i < N; i++) ((double*)x->data)[i] = ((const double*)b->data)[i] / (4 + rho);
    return 0;
}

/* An operator from the versioned callback struct: its normal solve and norm bound are used. */
static void user_operator(int64_t* shape) {
    ik_dtype f64 = {IK_DTYPE_FLOAT, 64, 1};
    ik_linop_callbacks cb;
    memset(&cb, 0, sizeof cb);
    cb.struct_size = sizeof cb;
    cb.apply = twice;
    cb.adjoint = twice;
    cb.normal_solve = twice_normal;
    cb.norm_bound = 2.0;
    ik_linop* a = NULL;
    EXPECT(ik_linop_create_from_callbacks(&a, 2, shape, f64, 2, shape, f64, &cb) == IK_OK);
    EXPECT(ik_linop_has_normal_solve(a) == 1);
    double bound = 0, mismatch = 1;
    EXPECT(ik_linop_norm_bound(a, &bound) == IK_OK && bound == 2.0);
    EXPECT(ik_linop_normal_test(a, 0.5, 3, &mismatch) == IK_OK && mismatch < 1e-15);
    double data[N], v[N], x[N];
    for (int i = 0; i < N; i++) { data[i] = sin(i); v[i] = cos(i); }
    ik_array da = make_array(data, 2, shape, NULL, 64), va = make_array(v, 2, shape, NULL, 64);
    ik_array xa = make_array(x, 2, shape, NULL, 64);
    /* Least squares with it: the prox in closed form, (4 + 1/tau) x = 2 y + v / tau. */
    ik_functional* ls = NULL;
    EXPECT(ik_functional_create_least_squares(&ls, a, &da, NULL) == IK_OK);
    EXPECT(ik_functional_prox(ls, &va, 0.5, &xa) == IK_OK);
    double worst = 0;
    for (int i = 0; i < N; i++) worst = fmax(worst, fabs(x[i] - (2 * data[i] + v[i] / 0.5) / (4 + 2)));
    EXPECT(worst < 1e-15);
    double lipschitz = 0;
    EXPECT(ik_functional_constants(ls, &lipschitz, NULL) == IK_OK && lipschitz == 4.0);
    ik_functional_destroy(ls);
    ik_linop_destroy(a);

    ik_linop* sentinel = (ik_linop*)(uintptr_t)0x1;
    a = sentinel;
    cb.struct_size = 16;
    EXPECT_ERROR(ik_linop_create_from_callbacks(&a, 2, shape, f64, 2, shape, f64, &cb), IK_ERR_STRUCT_VERSION, "struct_size");
    cb.struct_size = sizeof cb;
    cb.norm_bound = -1;
    EXPECT_ERROR(ik_linop_create_from_callbacks(&a, 2, shape, f64, 2, shape, f64, &cb), IK_ERR_INVALID_ARGUMENT, "norm_bound");
    cb.norm_bound = 0;
    cb.apply = NULL;
    EXPECT_ERROR(ik_linop_create_from_callbacks(&a, 2, shape, f64, 2, shape, f64, &cb), IK_ERR_NULL_POINTER, "callbacks.apply");
    EXPECT_ERROR(ik_linop_create_from_callbacks(&a, 2, shape, f64, 2, shape, f64, NULL), IK_ERR_NULL_POINTER, "callbacks");
    EXPECT(a == sentinel);
    cb.apply = twice;
    cb.user_data = (void*)1; /* the normal solve now fails */
    EXPECT(ik_linop_create_from_callbacks(&a, 2, shape, f64, 2, shape, f64, &cb) == IK_OK);
    for (int i = 0; i < N; i++) x[i] = 9;
    EXPECT_ERROR(ik_linop_solve_normal(a, 1.0, &va, &xa), IK_ERR_CALLBACK, "normal_solve");
    EXPECT(x[0] == 9 && x[N - 1] == 9);
    ik_linop_destroy(a);
}

/* Few-view CT with x >= 0 and no box: the certificate moves the data term's dual point along 1
 * (every pixel is seen), so it closes; a run with a loose box [0, 100] (certified by the box's
 * support function) reaches the same optimum within both gaps. */
static void few_view_ct_nonnegative(const ik_linop* grad, const ik_functional* l21) {
    int64_t shape[2] = {ROWS, COLS};
    ik_dtype f64 = {IK_DTYPE_FLOAT, 64, 1};
    double angles[7];
    for (int a = 0; a < 7; a++) angles[a] = a * 3.14159265358979323846 / 7;
    ik_linop* radon = NULL;
    EXPECT(ik_linop_create_radon(&radon, ROWS, COLS, angles, 7, 0, 1.0, 0, f64, 1) == IK_OK);
    int64_t sino_shape[8];
    int32_t sino_ndim = 0;
    ik_dtype sino_dtype;
    EXPECT(ik_linop_output_shape(radon, sino_shape, &sino_ndim, &sino_dtype) == IK_OK && sino_ndim == 2);
    int64_t m = sino_shape[0] * sino_shape[1];
    double truth[N], *sino = malloc((size_t)m * sizeof(double));
    for (int i = 0; i < N; i++) truth[i] = fmax(noisy(i), 0);
    ik_array ta = make_array(truth, 2, shape, NULL, 64), sa = make_array(sino, 2, sino_shape, NULL, 64);
    EXPECT(ik_linop_apply(radon, &ta, &sa) == IK_OK);
    ik_functional *half = NULL, *data = NULL, *tv = NULL, *nonneg = NULL, *box = NULL;
    EXPECT(ik_functional_create_squared_l2(&half, 2, sino_shape, f64) == IK_OK);
    EXPECT(ik_functional_create_translated(&data, half, &sa) == IK_OK);
    EXPECT(ik_functional_create_scaled(&tv, l21, 0.05) == IK_OK);
    EXPECT(ik_functional_create_nonnegative(&nonneg, 2, shape, f64) == IK_OK);
    EXPECT(ik_functional_create_box(&box, 2, shape, f64, 0.0, 100.0) == IK_OK);
    const ik_functional* terms[2] = {data, tv};
    const ik_linop* ops[2] = {radon, grad};
    ik_solver_options options;
    ik_solver_options_init(&options);
    options.tolerance = 1e-9;
    options.max_iterations = 200000;
    options.primal_step = 0.02;
    ik_solver_info by_ray, by_box;
    ik_solver_info_init(&by_ray);
    ik_solver_info_init(&by_box);
    double x[N] = {0}, xb[N] = {0};
    ik_array xa = make_array(x, 2, shape, NULL, 64), xba = make_array(xb, 2, shape, NULL, 64);
    EXPECT(ik_solve(terms, ops, 2, nonneg, &xa, &options, &by_ray) == IK_OK);
    EXPECT(by_ray.stop_reason == IK_STOP_CONVERGED && isfinite(by_ray.gap) && by_ray.relative_gap <= 1e-9);
    EXPECT(ik_solve(terms, ops, 2, box, &xba, &options, &by_box) == IK_OK);
    EXPECT(by_box.stop_reason == IK_STOP_CONVERGED);
    EXPECT(by_ray.primal - by_box.dual <= by_ray.gap + by_box.gap);
    EXPECT(by_box.primal - by_ray.dual <= by_ray.gap + by_box.gap);
    double least = 0;
    for (int i = 0; i < N; i++) least = fmin(least, x[i]);
    EXPECT(least >= 0);
    /* Diagonal preconditioning: the same optimum, certified, in fewer iterations; it refuses a
     * step of the caller's. */
    ik_solver_info by_diagonal;
    ik_solver_info_init(&by_diagonal);
    double xd[N] = {0};
    ik_array xda = make_array(xd, 2, shape, NULL, 64);
    options.primal_step = 0;
    options.precondition = 1;
    EXPECT(ik_solve(terms, ops, 2, nonneg, &xda, &options, &by_diagonal) == IK_OK);
    EXPECT(by_diagonal.stop_reason == IK_STOP_CONVERGED && by_diagonal.iterations < by_ray.iterations);
    EXPECT(by_diagonal.primal - by_ray.dual <= by_ray.gap + by_diagonal.gap);
    EXPECT(by_ray.primal - by_diagonal.dual <= by_ray.gap + by_diagonal.gap);
    options.primal_step = 0.02;
    EXPECT_ERROR(ik_solve(terms, ops, 2, nonneg, &xda, &options, &by_diagonal), IK_ERR_INVALID_ARGUMENT,
                 "preconditioning");
    ik_functional_destroy(box);
    ik_functional_destroy(nonneg);
    ik_functional_destroy(tv);
    ik_functional_destroy(data);
    ik_functional_destroy(half);
    ik_linop_destroy(radon);
    free(sino);
}

int main(void) {
    int64_t shape[2] = {ROWS, COLS};
    ik_dtype f64 = {IK_DTYPE_FLOAT, 64, 1};
    double y[N], x[N], reference[N];
    for (int i = 0; i < N; i++) y[i] = noisy(i);
    ik_array ya = make_array(y, 2, shape, NULL, 64), xa = make_array(x, 2, shape, NULL, 64);
    ik_array ra = make_array(reference, 2, shape, NULL, 64);
    const double lambda = 0.2;

    /* The TV denoiser's optimum, to a relative gap of 1e-12. */
    ik_tv_options tv;
    ik_tv_options_init(&tv);
    tv.lambda = lambda;
    tv.tolerance = 1e-12;
    tv.max_iterations = 100000;
    ik_tv_info tv_info;
    ik_tv_info_init(&tv_info);
    EXPECT(ik_tv_denoise(&ya, &ra, NULL, &tv, &tv_info) == IK_OK);
    double p_star = tv_info.primal;

    /* The same problem for ik_solve: lambda ||D x||_{2,1} + 0.5 ||x - y||^2 (data term as g). */
    ik_linop* grad = NULL;
    EXPECT(ik_linop_create_gradient(&grad, 2, shape, f64) == IK_OK);
    int64_t gshape[3] = {2, ROWS, COLS};
    ik_functional *l21 = NULL, *scaled = NULL, *half = NULL, *data = NULL;
    EXPECT(ik_functional_create_group_l21(&l21, 3, gshape, f64, 0) == IK_OK);
    EXPECT(ik_functional_create_scaled(&scaled, l21, lambda) == IK_OK);
    EXPECT(ik_functional_create_squared_l2(&half, 2, shape, f64) == IK_OK);
    EXPECT(ik_functional_create_translated(&data, half, &ya) == IK_OK);
    const ik_functional* terms[1] = {scaled};
    const ik_linop* ops[1] = {grad};
    ik_solver_options options;
    ik_solver_options_init(&options);
    options.tolerance = 1e-9;
    options.max_iterations = 50000;
    options.primal_step = 0.05;
    ik_solver_info info;
    ik_solver_info_init(&info);
    EXPECT(ik_solve(terms, ops, 1, data, &xa, &options, &info) == IK_OK);
    EXPECT(info.stop_reason == IK_STOP_CONVERGED);
    EXPECT(info.relative_gap <= 1e-9);
    EXPECT(info.primal - p_star <= info.gap + 1e-12 * p_star); /* the certificate bounds the error */
    EXPECT(info.dual <= p_star * (1 + 1e-12));
    double worst = 0;
    for (int i = 0; i < N; i++) worst = fmax(worst, fabs(x[i] - reference[i]));
    EXPECT(worst < 1e-3);
    EXPECT(fabs(info.primal_step - 0.05) < 1e-15 && info.dual_step > 0);

    /* The callback sees each check and stops the run; the run returns its iterate. */
    options.tolerance = 0;
    options.check_interval = 5;
    options.callback = stop_at_20;
    for (int i = 0; i < N; i++) x[i] = 0;
    EXPECT(ik_solve(terms, ops, 1, data, &xa, &options, &info) == IK_OK);
    EXPECT(info.stop_reason == IK_STOP_CALLBACK && info.iterations == 20 && calls == 4);
    /* A failing callback fails the call and leaves x and info untouched. */
    double sentinel[N];
    for (int i = 0; i < N; i++) x[i] = sentinel[i] = 42.0;
    ik_solver_info untouched = info;
    options.callback = fail;
    EXPECT_ERROR(ik_solve(terms, ops, 1, data, &xa, &options, &info), IK_ERR_CALLBACK, "callback");
    EXPECT(memcmp(x, sentinel, sizeof x) == 0 && memcmp(&info, &untouched, sizeof info) == 0);
    options.callback = NULL;

    /* Bad input, nothing written. */
    options.primal_step = 1;
    options.dual_step = 1;
    EXPECT_ERROR(ik_solve(terms, ops, 1, data, &xa, &options, &info), IK_ERR_INVALID_ARGUMENT, "below 1 / ||K||^2");
    options.primal_step = options.dual_step = 0;
    options.method = 7;
    EXPECT_ERROR(ik_solve(terms, ops, 1, data, &xa, &options, &info), IK_ERR_INVALID_ARGUMENT, "options.method");
    options.method = IK_SOLVER_PROXIMAL_GRADIENT;
    EXPECT_ERROR(ik_solve(terms, ops, 1, data, &xa, &options, &info), IK_ERR_INVALID_ARGUMENT, "no gradient");
    options.method = IK_SOLVER_CONJUGATE_GRADIENT;
    EXPECT_ERROR(ik_solve(terms, ops, 1, data, &xa, &options, &info), IK_ERR_INVALID_ARGUMENT, "not quadratic");
    options.method = IK_SOLVER_PRIMAL_DUAL;
    EXPECT_ERROR(ik_solve(terms, NULL, 1, data, &xa, &options, &info), IK_ERR_SHAPE, "Invalid x");
    int64_t other[2] = {COLS, ROWS};
    ik_array wrong = make_array(x, 2, other, NULL, 64);
    EXPECT_ERROR(ik_solve(terms, ops, 1, data, &wrong, &options, &info), IK_ERR_SHAPE, "Invalid x");
    EXPECT_ERROR(ik_solve(terms, ops, 1, data, NULL, &options, &info), IK_ERR_NULL_POINTER, "Invalid x");
    EXPECT_ERROR(ik_solve(NULL, ops, 1, data, &xa, &options, &info), IK_ERR_NULL_POINTER, "Invalid functionals");
    options.struct_size = 12;
    EXPECT_ERROR(ik_solve(terms, ops, 1, data, &xa, &options, &info), IK_ERR_STRUCT_VERSION, "struct_size");
    ik_solver_options_init(&options);
    options.solution_radius = -1;
    EXPECT_ERROR(ik_solve(terms, ops, 1, data, &xa, &options, &info), IK_ERR_INVALID_ARGUMENT, "solution_radius");
    EXPECT(memcmp(x, sentinel, sizeof x) == 0);

    /* Tikhonov smoothing 0.5 ||x - y||^2 + 0.25 ||D x||^2 by CG, CGLS and LSQR: one answer, certified
     * (g is 1-strongly convex); CGLS and LSQR refuse a term that is not least squares. */
    {
        ik_functional *half_g = NULL, *smooth = NULL;
        EXPECT(ik_functional_create_squared_l2(&half_g, 3, gshape, f64) == IK_OK);
        EXPECT(ik_functional_create_scaled(&smooth, half_g, 0.5) == IK_OK);
        const ik_functional* ridge_terms[1] = {smooth};
        double by_cg[N];
        int methods[3] = {IK_SOLVER_CONJUGATE_GRADIENT, IK_SOLVER_CGLS, IK_SOLVER_LSQR};
        for (int m = 0; m < 3; m++) {
            ik_solver_options_init(&options);
            options.method = methods[m];
            options.tolerance = 1e-13;
            options.check_interval = 1;
            EXPECT(ik_solve(ridge_terms, ops, 1, data, &xa, &options, &info) == IK_OK);
            EXPECT(info.stop_reason == IK_STOP_CONVERGED && info.relative_gap <= 1e-13);
            if (m == 0) {
                memcpy(by_cg, x, sizeof x);
            } else {
                double apart = 0;
                for (int i = 0; i < N; i++) apart = fmax(apart, fabs(x[i] - by_cg[i]));
                EXPECT(apart < 1e-6);
            }
        }
        for (int i = 0; i < N; i++) x[i] = sentinel[i];
        options.method = IK_SOLVER_LSQR;
        EXPECT_ERROR(ik_solve(terms, ops, 1, data, &xa, &options, &info), IK_ERR_INVALID_ARGUMENT, "least-squares");
        options.method = IK_SOLVER_CGLS;
        EXPECT_ERROR(ik_solve(terms, ops, 1, data, &xa, &options, &info), IK_ERR_INVALID_ARGUMENT, "terms[0]");
        EXPECT(memcmp(x, sentinel, sizeof x) == 0);
        ik_functional_destroy(smooth);
        ik_functional_destroy(half_g);
    }

    /* The TV problem by ADMM: certified against the TV denoiser's optimum; a bad penalty refused. */
    ik_solver_options_init(&options);
    options.method = IK_SOLVER_ADMM;
    options.penalty = 2;
    options.tolerance = 1e-9;
    options.max_iterations = 50000;
    EXPECT(ik_solve(terms, ops, 1, data, &xa, &options, &info) == IK_OK);
    EXPECT(info.stop_reason == IK_STOP_CONVERGED && info.relative_gap <= 1e-9);
    EXPECT(info.primal - p_star <= info.gap + 1e-12 * p_star);
    EXPECT(info.dual <= p_star * (1 + 1e-12));
    EXPECT(info.primal_step == 2);
    for (int i = 0; i < N; i++) x[i] = sentinel[i];
    options.penalty = -1;
    EXPECT_ERROR(ik_solve(terms, ops, 1, data, &xa, &options, &info), IK_ERR_INVALID_ARGUMENT, "options.penalty");
    options.penalty = INFINITY;
    EXPECT_ERROR(ik_solve(terms, ops, 1, data, &xa, &options, &info), IK_ERR_INVALID_ARGUMENT, "options.penalty");
    EXPECT(memcmp(x, sentinel, sizeof x) == 0);

    /* An operator that returns NaN ends the run with a status, x untouched. */
    ik_linop* broken = NULL;
    EXPECT(ik_linop_create_callback(&broken, 2, shape, f64, 2, shape, f64, nan_apply, copy_apply, NULL, NULL) == IK_OK);
    ik_functional* l1 = NULL;
    EXPECT(ik_functional_create_l1(&l1, 2, shape, f64, NULL) == IK_OK);
    const ik_functional* l1_terms[1] = {l1};
    const ik_linop* broken_ops[1] = {broken};
    ik_solver_options_init(&options);
    options.check_interval = 1;
    EXPECT_ERROR(ik_solve(l1_terms, broken_ops, 1, data, &xa, &options, &info), IK_ERR_NOT_FINITE, "non-finite");
    EXPECT(ik_linop_set_norm_bound(broken, 1.0) == IK_OK); /* past the norm estimate, into the iterations */
    EXPECT_ERROR(ik_solve(l1_terms, broken_ops, 1, data, &xa, &options, &info), IK_ERR_NOT_FINITE, "diverged");
    EXPECT(memcmp(x, sentinel, sizeof x) == 0);
    ik_linop_destroy(broken);

    /* The Lasso, 0.5 ||x - y||^2 + 0.3 ||x||_1 with y as data through the identity: soft thresholding
     * is the exact answer, reached by FISTA with a certificate. */
    ik_functional* l1_scaled = NULL;
    EXPECT(ik_functional_create_scaled(&l1_scaled, l1, 0.3) == IK_OK);
    const ik_functional* lasso_terms[1] = {data};
    ik_solver_options_init(&options);
    options.method = IK_SOLVER_PROXIMAL_GRADIENT;
    options.tolerance = 1e-12;
    EXPECT(ik_solve(lasso_terms, NULL, 1, l1_scaled, &xa, &options, &info) == IK_OK);
    EXPECT(info.stop_reason == IK_STOP_CONVERGED && info.gap >= 0);
    worst = 0;
    for (int i = 0; i < N; i++) {
        double t = fabs(y[i]) > 0.3 ? y[i] - copysign(0.3, y[i]) : 0;
        worst = fmax(worst, fabs(x[i] - t));
    }
    EXPECT(worst < 1e-10);

    /* FISTA with g = lambda TV (its prox the TV solver) on the denoising problem, certified through
     * the TV prox's dual: the box [min y, max y] holds the ROF minimiser, so p_star is unchanged. */
    ik_tv_options box_tv;
    ik_tv_options_init(&box_tv);
    box_tv.tolerance = 1e-12;
    box_tv.max_iterations = 100000;
    box_tv.lower = box_tv.upper = y[0];
    for (int i = 0; i < N; i++) {
        box_tv.lower = fmin(box_tv.lower, y[i]);
        box_tv.upper = fmax(box_tv.upper, y[i]);
    }
    ik_functional *tv_g = NULL, *tv_scaled = NULL;
    EXPECT(ik_functional_create_tv(&tv_g, 2, shape, f64, &box_tv) == IK_OK);
    EXPECT(ik_functional_create_scaled(&tv_scaled, tv_g, lambda) == IK_OK);
    ik_solver_options_init(&options);
    options.method = IK_SOLVER_PROXIMAL_GRADIENT;
    options.tolerance = 1e-9;
    options.max_iterations = 1000;
    options.check_interval = 1;
    EXPECT(ik_solve(lasso_terms, NULL, 1, tv_scaled, &xa, &options, &info) == IK_OK);
    EXPECT(info.stop_reason == IK_STOP_CONVERGED && info.relative_gap <= 1e-9);
    EXPECT(info.primal - p_star <= info.gap + 1e-12 * p_star && info.dual <= p_star * (1 + 1e-12));
    ik_functional_destroy(tv_scaled);
    ik_functional_destroy(tv_g);

    /* Versioned structs (header rule 3): an earlier header's layout, without the appended
     * `precondition` (options) or the time split (info), is filled by the _v2 init, read and
     * written only up to its size; a size the library never had is refused. */
    unsigned char older_options[sizeof(ik_solver_options) + 16], older_info[sizeof(ik_solver_info) + 16];
    memset(older_options, 0xAB, sizeof older_options);
    memset(older_info, 0xCD, sizeof older_info);
    uint32_t options_size = (uint32_t)offsetof(ik_solver_options, precondition);
    uint32_t info_size = (uint32_t)offsetof(ik_solver_info, check_seconds);
    EXPECT(ik_solver_options_init_v2((ik_solver_options*)older_options, options_size) == IK_OK);
    EXPECT(ik_solver_info_init_v2((ik_solver_info*)older_info, info_size) == IK_OK);
    for (size_t i = options_size; i < sizeof older_options; i++) EXPECT(older_options[i] == 0xAB);
    ((ik_solver_options*)older_options)->method = IK_SOLVER_PROXIMAL_GRADIENT;
    ((ik_solver_options*)older_options)->tolerance = 1e-12;
    EXPECT(ik_solve(lasso_terms, NULL, 1, l1_scaled, &xa, (ik_solver_options*)older_options,
                    (ik_solver_info*)older_info) == IK_OK);
    EXPECT(((ik_solver_info*)older_info)->stop_reason == IK_STOP_CONVERGED);
    EXPECT(((ik_solver_info*)older_info)->struct_size == info_size);
    for (size_t i = info_size; i < sizeof older_info; i++) EXPECT(older_info[i] == 0xCD);
    ik_solver_options current;
    EXPECT(ik_solver_options_init_v2(&current, sizeof current) == IK_OK);
    EXPECT(current.struct_size == sizeof current && current.tolerance == 1e-4 && current.precondition == 0);
    EXPECT_ERROR(ik_solver_options_init_v2(&current, 12), IK_ERR_STRUCT_VERSION, "struct_size 12");
    EXPECT(current.struct_size == sizeof current); /* nothing written */
    EXPECT_ERROR(ik_solver_info_init_v2(NULL, sizeof(ik_solver_info)), IK_ERR_NULL_POINTER, "info");

    user_operator(shape);
    few_view_ct_nonnegative(grad, l21);

    ik_functional_destroy(l1_scaled);
    ik_functional_destroy(l1);
    ik_functional_destroy(l21);
    ik_functional_destroy(scaled);
    ik_functional_destroy(half);
    ik_functional_destroy(data);
    ik_linop_destroy(grad);
    return report();
}
