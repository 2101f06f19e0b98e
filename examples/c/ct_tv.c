/* Few-view CT reconstruction with total variation: project the built-in phantom at N angles, then
 *     minimise 0.5 ||R x - y||^2 + lambda TV(x)   subject to x >= 0
 * (attenuation is not negative) with the diagonally preconditioned primal-dual solver, and print
 * the PSNR of filtered
 * back-projection and of the TV reconstruction, and the certificate: a bound on how far the
 * objective is from its minimum. Writes the image as a PGM when a path is given.
 *
 *   ct_tv [ANGLES [OUT.pgm]]     (default 30 angles) */
#define IK_EXPERIMENTAL_API /* functionals and solvers are in the experimental tier */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "phantom.h"

enum { SIZE = 128 };

static double psnr(const double* a, const double* b) {
    double squared = 0;
    for (int k = 0; k < SIZE * SIZE; k++) squared += (a[k] - b[k]) * (a[k] - b[k]);
    return 10 * log10(1.0 / (squared / (SIZE * SIZE)));
}

static int write_pgm(const char* path, const double* image) {
    FILE* f = fopen(path, "wb");
    if (!f) return 1;
    fprintf(f, "P5\n%d %d\n255\n", SIZE, SIZE);
    for (int k = 0; k < SIZE * SIZE; k++) fputc((int)lround(255 * fmin(fmax(image[k], 0), 1)), f);
    return fclose(f) != 0;
}

int main(int argc, char** argv) {
    CHECK_ABI();
    long angles = argc > 1 ? strtol(argv[1], NULL, 10) : 30;
    if (angles < 1 || angles > 100000) {
        fprintf(stderr, "ANGLES must be 1 to 100000\n");
        return 2;
    }
    static double phantom[SIZE * SIZE], fbp[SIZE * SIZE], x[SIZE * SIZE];
    double* theta = malloc((size_t)angles * sizeof(double));
    if (!theta) return 1;
    for (long a = 0; a < angles; a++) theta[a] = M_PI * (double)a / (double)angles;
    disc_and_square(phantom, SIZE);

    ik_dtype f64 = {IK_DTYPE_FLOAT, 64, 1};
    int64_t image_shape[2] = {SIZE, SIZE}, sino_shape[IK_MAX_NDIM], grad_shape[3] = {2, SIZE, SIZE};
    int32_t ndim;
    ik_dtype dtype;
    ik_linop *radon = NULL, *grad = NULL;
    CHECK(ik_linop_create_radon(&radon, SIZE, SIZE, theta, angles, 0, 1.0, 0, f64, 0));
    CHECK(ik_linop_create_gradient(&grad, 2, image_shape, f64));
    CHECK(ik_linop_output_shape(radon, sino_shape, &ndim, &dtype));
    double* sinogram = malloc((size_t)(sino_shape[0] * sino_shape[1]) * sizeof(double));
    if (!sinogram) return 1;
    ik_array truth = {phantom, {IK_DEVICE_CPU, 0}, 2, f64, image_shape, NULL, 0};
    ik_array y = {sinogram, {IK_DEVICE_CPU, 0}, 2, f64, sino_shape, NULL, 0};
    ik_array baseline = {fbp, {IK_DEVICE_CPU, 0}, 2, f64, image_shape, NULL, 0};
    ik_array reconstruction = {x, {IK_DEVICE_CPU, 0}, 2, f64, image_shape, NULL, 0};
    CHECK(ik_linop_apply(radon, &truth, &y));
    CHECK(ik_fbp(&y, theta, angles, 1.0, IK_FBP_SHEPP_LOGAN, 1, &baseline));

    /* The objective's terms: 0.5 ||. - y||^2 through R, lambda ||.||_{2,1} through the gradient,
     * and x >= 0 as g (every pixel is seen, so the certificate needs no upper bound). */
    ik_functional *half = NULL, *data = NULL, *l21 = NULL, *tv = NULL, *nonnegative = NULL;
    CHECK(ik_functional_create_squared_l2(&half, 2, sino_shape, f64));
    CHECK(ik_functional_create_translated(&data, half, &y));
    CHECK(ik_functional_create_group_l21(&l21, 3, grad_shape, f64, 0));
    CHECK(ik_functional_create_scaled(&tv, l21, 0.05));
    CHECK(ik_functional_create_nonnegative(&nonnegative, 2, image_shape, f64));
    const ik_functional* terms[2] = {data, tv};
    const ik_linop* operators[2] = {radon, grad};

    ik_solver_options options;
    CHECK(ik_solver_options_init_v2(&options, sizeof options));
    options.tolerance = 1e-3;
    options.max_iterations = 5000;
    options.check_interval = 50;
    options.precondition = 1; /* steps from the row and column sums of |K|: what CT wants */
    ik_solver_info info;
    CHECK(ik_solver_info_init_v2(&info, sizeof info));
    CHECK(ik_solve(terms, operators, 2, nonnegative, &reconstruction, &options, &info));

    printf("%ld angles: FBP PSNR %.2f dB, TV PSNR %.2f dB after %lld iterations (%.2f s)\n", angles, psnr(fbp, phantom),
           psnr(x, phantom), (long long)info.iterations, info.seconds);
    printf("certificate: P(x) = %.6g, min P >= %.6g, so P(x) - min P <= %.3g (relative %.2e, %s)\n", info.primal,
           info.dual, info.gap, info.relative_gap, info.stop_reason == IK_STOP_CONVERGED ? "converged" : "not converged");
    int failed = argc > 2 && write_pgm(argv[2], x);
    if (argc > 2) printf("%s %s\n", failed ? "could not write" : "wrote", argv[2]);

    ik_functional_destroy(half);
    ik_functional_destroy(data);
    ik_functional_destroy(l21);
    ik_functional_destroy(tv);
    ik_functional_destroy(nonnegative);
    ik_linop_destroy(radon);
    ik_linop_destroy(grad);
    free(sinogram);
    free(theta);
    /* Noise-free few-view data make the dual converge slowly: the certificate is reported, the
     * exit status asks only that TV beat filtered back-projection. */
    return failed || !(info.gap >= 0) || psnr(x, phantom) <= psnr(fbp, phantom);
}
