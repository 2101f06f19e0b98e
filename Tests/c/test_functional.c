/* The functional contracts through the C ABI, from the shared case list Tests/cases/functionals.txt
 * (the same cases the Swift and Python suites run), and bad input to the functional family. */
#define IK_EXPERIMENTAL_API
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "cases.h"

#define MAX_ELEMENTS 4096

/* The case file's data formulas. */
static double weight_at(int64_t i) { return 0.25 + 0.25 * (double)(i % 5); }
static double centre_at(int64_t i) { return 0.5 * sin((double)(i + 1)); }
static double count_at(int64_t i) { return (double)((7 * i) % 5); }
static double background_at(int64_t i) { return 0.1 + 0.05 * (double)(i % 3); }
static double mask_at(int64_t i) { return i % 3 != 0 ? 1.0 : 0.0; }

/* An owned array of `reals` values f(i) in dtype's precision. */
typedef struct owned {
    void* data;
    int64_t shape[8];
    ik_array array;
} owned;

static owned make_owned_at(owned o, double (*f)(int64_t), int32_t ndim, const int64_t* shape, ik_dtype dtype) {
    int64_t n = 1;
    for (int i = 0; i < ndim; i++) {
        o.shape[i] = shape[i];
        n *= shape[i];
    }
    int64_t reals = n * components(dtype);
    o.data = malloc((size_t)reals * 8);
    for (int64_t i = 0; i < reals; i++) {
        if (is_single(dtype)) ((float*)o.data)[i] = (float)f(i);
        else ((double*)o.data)[i] = f(i);
    }
    ik_array a = {o.data, {IK_DEVICE_CPU, 0}, ndim, dtype, NULL, NULL, 0};
    o.array = a;
    return o;
}

/* The descriptor points at the owned shape, so it is set where the struct finally lives. */
#define make_owned(...) make_owned_at((owned){0}, __VA_ARGS__)
#define DESCRIBE(o) ((o).array.shape = (o).shape, &(o).array)

static ik_linop* make_operator(const test_case* c) {
    const char* op = param(c, "op");
    ik_linop* a = NULL;
    if (op == NULL) return NULL;
    if (strcmp(op, "gradient") == 0) {
        EXPECT(ik_linop_create_gradient(&a, c->ndim, c->shape, c->dtype) == IK_OK);
    } else if (strcmp(op, "mask") == 0) {
        owned m = make_owned(mask_at, c->ndim, c->shape, real_of(c->dtype));
        EXPECT(ik_linop_create_mask(&a, DESCRIBE(m), c->dtype) == IK_OK);
        free(m.data);
    } else if (strcmp(op, "convolution") == 0) {
        static const double k[9] = {0, 1, 0, 1, 4, 1, 0, 1, 0};
        float kf[9];
        double kd[9];
        for (int i = 0; i < 9; i++) {
            kd[i] = k[i] / 8;
            kf[i] = (float)(k[i] / 8);
        }
        int64_t ks[2] = {3, 3};
        ik_array kernel = {is_single(c->dtype) ? (void*)kf : (void*)kd, {IK_DEVICE_CPU, 0}, 2, real_of(c->dtype), ks, NULL, 0};
        EXPECT(ik_linop_create_convolution(&a, c->ndim, c->shape, &kernel, IK_BOUNDARY_PERIODIC) == IK_OK);
    } else if (strcmp(op, "fourier") == 0) {
        owned m = make_owned(mask_at, c->ndim, c->shape, real_of(c->dtype));
        EXPECT(ik_linop_create_fourier(&a, c->ndim, c->shape, c->dtype, DESCRIBE(m), NULL, 0) == IK_OK);
        free(m.data);
    }
    return a;
}

static ik_functional* make_functional(const test_case* c) {
    ik_functional* f = NULL;
    int weighted = param(c, "weights") != NULL && strcmp(param(c, "weights"), "1") == 0;
    int64_t n = elements(c);
    const char* k = c->kind;
    if (strcmp(k, "l1") == 0 || strcmp(k, "scaled_l1") == 0) {
        owned w = make_owned(weight_at, c->ndim, c->shape, real_of(c->dtype));
        EXPECT(ik_functional_create_l1(&f, c->ndim, c->shape, c->dtype, weighted ? DESCRIBE(w) : NULL) == IK_OK);
        free(w.data);
        if (strcmp(k, "scaled_l1") == 0) {
            ik_functional* scaled = NULL;
            EXPECT(ik_functional_create_scaled(&scaled, f, number(c, "scale")) == IK_OK);
            ik_functional_destroy(f);
            f = scaled;
        }
    } else if (strcmp(k, "squared_l2") == 0) {
        EXPECT(ik_functional_create_squared_l2(&f, c->ndim, c->shape, c->dtype) == IK_OK);
    } else if (strcmp(k, "group_l21") == 0 || strcmp(k, "scaled_group_l21") == 0) {
        EXPECT(ik_functional_create_group_l21(&f, c->ndim, c->shape, c->dtype, (int32_t)number(c, "axis")) == IK_OK);
        if (strcmp(k, "scaled_group_l21") == 0) {
            ik_functional* scaled = NULL;
            EXPECT(ik_functional_create_scaled(&scaled, f, number(c, "scale")) == IK_OK);
            ik_functional_destroy(f);
            f = scaled;
        }
    } else if (strcmp(k, "box") == 0) {
        EXPECT(ik_functional_create_box(&f, c->ndim, c->shape, c->dtype, number(c, "lower"), number(c, "upper")) == IK_OK);
    } else if (strcmp(k, "nonnegative") == 0) {
        EXPECT(ik_functional_create_nonnegative(&f, c->ndim, c->shape, c->dtype) == IK_OK);
    } else if (strcmp(k, "l2_ball") == 0) {
        owned centre = make_owned(centre_at, c->ndim, c->shape, c->dtype);
        EXPECT(ik_functional_create_l2_ball(&f, DESCRIBE(centre), number(c, "radius")) == IK_OK);
        free(centre.data);
    } else if (strcmp(k, "kl") == 0) {
        owned y = make_owned(count_at, c->ndim, c->shape, c->dtype);
        owned b = make_owned(background_at, c->ndim, c->shape, c->dtype);
        int with_background = strcmp(param(c, "background"), "1") == 0;
        EXPECT(ik_functional_create_kl(&f, DESCRIBE(y), with_background ? DESCRIBE(b) : NULL) == IK_OK);
        free(y.data);
        free(b.data);
    } else if (strcmp(k, "least_squares") == 0 || strcmp(k, "tikhonov") == 0 || strcmp(k, "composed_l2") == 0) {
        ik_linop* a = make_operator(c);
        int64_t out_shape[8];
        int32_t out_ndim = 0;
        ik_dtype out_dtype;
        EXPECT(ik_linop_output_shape(a, out_shape, &out_ndim, &out_dtype) == IK_OK);
        if (strcmp(k, "tikhonov") == 0) {
            EXPECT(ik_functional_create_tikhonov(&f, a) == IK_OK);
        } else if (strcmp(k, "composed_l2") == 0) {
            ik_functional* half = NULL;
            EXPECT(ik_functional_create_squared_l2(&half, out_ndim, out_shape, out_dtype) == IK_OK);
            EXPECT(ik_functional_create_composed(&f, half, a) == IK_OK);
            ik_functional_destroy(half);
        } else {
            owned y = make_owned(centre_at, out_ndim, out_shape, out_dtype);
            owned w = make_owned(weight_at, out_ndim, out_shape, real_of(out_dtype));
            EXPECT(ik_functional_create_least_squares(&f, a, DESCRIBE(y), weighted ? DESCRIBE(w) : NULL) == IK_OK);
            free(y.data);
            free(w.data);
        }
        ik_linop_destroy(a);
    } else if (strcmp(k, "tv") == 0) {
        ik_tv_options options;
        ik_tv_options_init(&options);
        options.norm = strcmp(param(c, "norm"), "anisotropic") == 0 ? IK_TV_ANISOTROPIC : IK_TV_ISOTROPIC;
        options.tolerance = is_single(c->dtype) ? 1e-5 : 1e-10;
        options.max_iterations = 3000;
        if (param(c, "lower") != NULL) options.lower = number(c, "lower");
        if (param(c, "upper") != NULL) options.upper = number(c, "upper");
        owned w = make_owned(weight_at, c->ndim, c->shape, c->dtype);
        if (weighted) options.weights = DESCRIBE(w);
        EXPECT(ik_functional_create_tv(&f, c->ndim, c->shape, c->dtype, &options) == IK_OK);
        free(w.data);
    } else if (strcmp(k, "translated_l2") == 0 || strcmp(k, "translated_l1") == 0) {
        ik_functional* base = NULL;
        if (strcmp(k, "translated_l2") == 0) {
            EXPECT(ik_functional_create_squared_l2(&base, c->ndim, c->shape, c->dtype) == IK_OK);
        } else {
            EXPECT(ik_functional_create_l1(&base, c->ndim, c->shape, c->dtype, NULL) == IK_OK);
        }
        owned offset = make_owned(centre_at, c->ndim, c->shape, c->dtype);
        EXPECT(ik_functional_create_translated(&f, base, DESCRIBE(offset)) == IK_OK);
        ik_functional_destroy(base);
        free(offset.data);
    } else if (strcmp(k, "separable") == 0) {
        ik_functional* terms[2] = {NULL, NULL};
        EXPECT(ik_functional_create_l1(&terms[0], c->ndim, c->shape, c->dtype, NULL) == IK_OK);
        EXPECT(ik_functional_create_squared_l2(&terms[1], c->ndim, c->shape, c->dtype) == IK_OK);
        EXPECT(ik_functional_create_separable_sum(&f, (const ik_functional* const*)terms, 2) == IK_OK);
        ik_functional_destroy(terms[0]);
        ik_functional_destroy(terms[1]);
    } else {
        fprintf(stderr, "line %d: unknown kind %s\n", c->line, k);
        failed++;
    }
    (void)n;
    return f;
}

static void run_case(const test_case* c) {
    ik_functional* f = make_functional(c);
    if (f == NULL) return;
    uint32_t caps = 0;
    EXPECT(ik_functional_capabilities(f, &caps) == IK_OK);
    double tol = param(c, "tol") ? number(c, "tol") : (is_single(c->dtype) ? 2e-4 : 1e-9);
    double gradient_tol = is_single(c->dtype) ? 2e-2 : 1e-6;
    for (uint64_t seed = 0; seed < 4; seed++) {
        ik_functional_check_report r;
        ik_functional_check_report_init(&r);
        int status = ik_functional_check(f, seed, 0.7, &r);
        int ok = status == IK_OK;
        /* Every figure the capabilities promise is reported and within tolerance; NaN compares false. */
        if ((caps & IK_FUNCTIONAL_PROX) && (caps & IK_FUNCTIONAL_PROX_CONJUGATE)) ok = ok && r.moreau <= tol;
        if ((caps & IK_FUNCTIONAL_PROX) && (caps & IK_FUNCTIONAL_VALUE)) ok = ok && r.prox_optimality <= tol;
        if (caps & IK_FUNCTIONAL_CONJUGATE_VALUE) ok = ok && r.fenchel_young <= tol;
        if (caps & IK_FUNCTIONAL_GRADIENT) ok = ok && r.gradient <= gradient_tol;
        if (ok) {
            passed++;
        } else {
            failed++;
            fprintf(stderr, "line %d (%s) seed %d: status %d \"%s\" moreau %g prox %g fenchel-young %g gradient %g\n",
                    c->line, c->kind, (int)seed, status, ik_last_error_message(), r.moreau, r.prox_optimality,
                    r.fenchel_young, r.gradient);
        }
    }
    ik_functional_destroy(f);
}

static void shared_cases(void) { EXPECT(for_each_case("Tests/cases/functionals.txt", run_case) > 30); }

/* A call that fails writes nothing; messages name the argument. */
static void bad_input(void) {
    int64_t shape[2] = {4, 5};
    ik_dtype f64 = {IK_DTYPE_FLOAT, 64, 1}, f32 = {IK_DTYPE_FLOAT, 32, 1}, c128 = {IK_DTYPE_COMPLEX, 128, 1};
    ik_functional* f = (ik_functional*)0x1;
    EXPECT_ERROR(ik_functional_create_box(&f, 2, shape, f64, 1.0, 0.0), IK_ERR_INVALID_ARGUMENT, "Invalid box");
    EXPECT_ERROR(ik_functional_create_box(&f, 2, shape, f64, NAN, 0.0), IK_ERR_INVALID_ARGUMENT, "Invalid box");
    EXPECT_ERROR(ik_functional_create_box(&f, 2, shape, f32, 0.85, 0.85), IK_ERR_INVALID_ARGUMENT, "float32");
    EXPECT_ERROR(ik_functional_create_box(&f, 2, shape, c128, 0.0, 1.0), IK_ERR_UNSUPPORTED_DTYPE, "float32 or float64");
    EXPECT_ERROR(ik_functional_create_group_l21(&f, 2, shape, f64, 2), IK_ERR_INVALID_ARGUMENT, "Invalid axis");
    EXPECT_ERROR(ik_functional_create_l1(&f, 0, shape, f64, NULL), IK_ERR_SHAPE, "Invalid shape");
    EXPECT_ERROR(ik_functional_create_l1(NULL, 2, shape, f64, NULL), IK_ERR_NULL_POINTER, "Invalid out");
    double negative[20];
    for (int i = 0; i < 20; i++) negative[i] = i == 7 ? -1.0 : 1.0;
    ik_array w = make_array(negative, 2, shape, NULL, 64);
    EXPECT_ERROR(ik_functional_create_l1(&f, 2, shape, f64, &w), IK_ERR_INVALID_ARGUMENT, "Invalid weights");
    EXPECT_ERROR(ik_functional_create_kl(&f, &w, NULL), IK_ERR_INVALID_ARGUMENT, "Invalid counts");
    double ones[20];
    for (int i = 0; i < 20; i++) ones[i] = 1.0;
    ik_array y = make_array(ones, 2, shape, NULL, 64);
    EXPECT_ERROR(ik_functional_create_kl(&f, &y, &w), IK_ERR_INVALID_ARGUMENT, "Invalid background");
    EXPECT_ERROR(ik_functional_create_l2_ball(&f, &y, -0.5), IK_ERR_INVALID_ARGUMENT, "Invalid radius");
    EXPECT(f == (ik_functional*)0x1); /* never written on error */

    ik_functional* l1 = NULL;
    EXPECT(ik_functional_create_l1(&l1, 2, shape, f64, NULL) == IK_OK);
    EXPECT_ERROR(ik_functional_create_scaled(&f, l1, -1.0), IK_ERR_INVALID_ARGUMENT, "Invalid lambda");
    EXPECT_ERROR(ik_functional_create_scaled(&f, l1, NAN), IK_ERR_NOT_FINITE, "Invalid lambda");
    double out[20], sentinel[20];
    for (int i = 0; i < 20; i++) out[i] = sentinel[i] = 42.0 + i;
    ik_array x = make_array(out, 2, shape, NULL, 64);
    EXPECT_ERROR(ik_functional_gradient(l1, &y, &x), IK_ERR_INVALID_ARGUMENT, "no gradient");
    EXPECT_ERROR(ik_functional_prox(l1, &y, 0.0, &x), IK_ERR_INVALID_ARGUMENT, "Invalid tau");
    EXPECT_ERROR(ik_functional_prox(l1, &y, NAN, &x), IK_ERR_INVALID_ARGUMENT, "Invalid tau");
    EXPECT_ERROR(ik_functional_prox_conjugate(l1, &y, -1.0, &x), IK_ERR_INVALID_ARGUMENT, "Invalid sigma");
    int64_t other[2] = {5, 4};
    ik_array wrong = make_array(ones, 2, other, NULL, 64);
    EXPECT_ERROR(ik_functional_prox(l1, &wrong, 1.0, &x), IK_ERR_SHAPE, "Invalid v");
    float single[20];
    ik_array wrong_type = make_array(single, 2, shape, NULL, 32);
    EXPECT_ERROR(ik_functional_prox(l1, &y, 1.0, &wrong_type), IK_ERR_UNSUPPORTED_DTYPE, "Invalid x");
    EXPECT(memcmp(out, sentinel, sizeof out) == 0);
    double value = 7.0;
    EXPECT_ERROR(ik_functional_value(l1, NULL, &value), IK_ERR_NULL_POINTER, "Invalid x");
    EXPECT_ERROR(ik_functional_value(l1, &y, NULL), IK_ERR_NULL_POINTER, "Invalid value");
    EXPECT(value == 7.0);
    ik_tv_info info;
    ik_tv_info_init(&info);
    EXPECT_ERROR(ik_functional_tv_info(l1, &info), IK_ERR_INVALID_ARGUMENT, "not a TV functional");
    ik_functional_check_report r;
    ik_functional_check_report_init(&r);
    r.struct_size = 8;
    EXPECT_ERROR(ik_functional_check(l1, 0, 0.7, &r), IK_ERR_STRUCT_VERSION, "struct_size");

    /* A handle of another kind is refused, and destroy ignores it. */
    ik_linop* grad = NULL;
    EXPECT(ik_linop_create_gradient(&grad, 2, shape, f64) == IK_OK);
    EXPECT_ERROR(ik_functional_value((ik_functional*)grad, &y, &value), IK_ERR_INVALID_ARGUMENT, "not an ik_functional");
    ik_functional_destroy((ik_functional*)grad);
    EXPECT_ERROR(ik_functional_create_composed(&f, l1, grad), IK_ERR_SHAPE, "Invalid operator");
    EXPECT_ERROR(ik_functional_create_separable_sum(&f, NULL, 2), IK_ERR_NULL_POINTER, "Invalid terms");
    const ik_functional* none[1] = {NULL};
    EXPECT_ERROR(ik_functional_create_separable_sum(&f, none, 1), IK_ERR_NULL_POINTER, "terms[0]");
    EXPECT_ERROR(ik_functional_create_separable_sum(&f, none, 0), IK_ERR_INVALID_ARGUMENT, "Invalid count");
    EXPECT(f == (ik_functional*)0x1);

    /* In-place prox, and the TV certificate. */
    double v[20];
    for (int i = 0; i < 20; i++) v[i] = centre_at(i);
    ik_array va = make_array(v, 2, shape, NULL, 64);
    EXPECT(ik_functional_prox(l1, &va, 0.2, &va) == IK_OK);
    for (int i = 0; i < 20; i++) {
        double c = centre_at(i), expected = fabs(c) > 0.2 ? c - copysign(0.2, c) : 0.0;
        EXPECT(fabs(v[i] - expected) < 1e-15);
    }
    ik_functional* tv = NULL;
    EXPECT(ik_functional_create_tv(&tv, 2, shape, f64, NULL) == IK_OK);
    ik_functional* scaled = NULL;
    EXPECT(ik_functional_create_scaled(&scaled, tv, 0.5) == IK_OK);
    ik_functional_destroy(tv);
    EXPECT(ik_functional_prox(scaled, &y, 0.3, &x) == IK_OK);
    EXPECT(ik_functional_tv_info(scaled, &info) == IK_OK);
    EXPECT(info.iterations >= 1 && info.gap >= 0);
    double lipschitz = 0, modulus = 1;
    EXPECT(ik_functional_constants(scaled, &lipschitz, &modulus) == IK_OK);
    EXPECT(isinf(lipschitz) && modulus == 0);
    ik_functional_destroy(scaled);
    ik_functional_destroy(l1);

    /* Norm bounds and the normal-solve test. */
    double bound = 0;
    EXPECT(ik_linop_norm_bound(grad, &bound) == IK_OK);
    EXPECT(fabs(bound - sqrt(8.0)) < 1e-15);
    EXPECT(ik_linop_set_norm_bound(grad, 3.0) == IK_OK);
    EXPECT(ik_linop_norm_bound(grad, &bound) == IK_OK && bound == 3.0);
    EXPECT_ERROR(ik_linop_set_norm_bound(grad, -1.0), IK_ERR_INVALID_ARGUMENT, "Invalid norm");
    double mismatch = 0;
    EXPECT_ERROR(ik_linop_normal_test(grad, 1.0, 0, &mismatch), IK_ERR_INVALID_ARGUMENT, "no closed-form");
    ik_linop_destroy(grad);
    ik_linop* m = NULL;
    ik_array mask = make_array(ones, 2, shape, NULL, 64);
    EXPECT(ik_linop_create_mask(&m, &mask, f64) == IK_OK);
    EXPECT(ik_linop_normal_test(m, 0.3, 1, &mismatch) == IK_OK && mismatch < 1e-14);
    ik_functional* ls = NULL;
    EXPECT(ik_functional_create_least_squares(&ls, m, &wrong, NULL) == IK_ERR_SHAPE);
    EXPECT(ik_functional_create_least_squares(&ls, m, &y, NULL) == IK_OK);
    EXPECT(ik_functional_constants(ls, &lipschitz, NULL) == IK_OK && fabs(lipschitz - 1.0) < 1e-15);
    ik_functional_destroy(ls);
    ik_linop_destroy(m);
}

int main(void) {
    shared_cases();
    bad_input();
    return report();
}
