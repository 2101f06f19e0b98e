/* Few-view CT in a few calls: project a disc-and-square phantom with the parallel-beam X-ray
 * transform at N angles, reconstruct it by filtered back-projection, report the error, and check
 * that the back-projection is the projector's exact adjoint.
 *
 *   ct_fbp [ANGLES]     (default 60) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "phantom.h"

enum { SIZE = 128 };

int main(int argc, char** argv) {
    CHECK_ABI();
    long angles = argc > 1 ? strtol(argv[1], NULL, 10) : 60;
    if (angles < 1 || angles > 100000) {
        fprintf(stderr, "ANGLES must be 1 to 100000\n");
        return 2;
    }
    double* theta = malloc((size_t)angles * sizeof(double));
    static double phantom[SIZE * SIZE], image[SIZE * SIZE];
    if (!theta) return 1;
    for (long a = 0; a < angles; a++) theta[a] = M_PI * (double)a / (double)angles;
    disc_and_square(phantom, SIZE);
    ik_dtype f64 = {IK_DTYPE_FLOAT, 64, 1};
    ik_linop* radon = NULL;
    CHECK(ik_linop_create_radon(&radon, SIZE, SIZE, theta, angles, 0, 1.0, 0, f64, 0));
    int64_t sino_shape[IK_MAX_NDIM];
    int32_t ndim;
    ik_dtype dtype;
    CHECK(ik_linop_output_shape(radon, sino_shape, &ndim, &dtype));
    double* sinogram = malloc((size_t)(sino_shape[0] * sino_shape[1]) * sizeof(double));
    if (!sinogram) return 1;
    int64_t image_shape[2] = {SIZE, SIZE};
    ik_array x = {phantom, {IK_DEVICE_CPU, 0}, 2, f64, image_shape, NULL, 0};
    ik_array y = {sinogram, {IK_DEVICE_CPU, 0}, 2, f64, sino_shape, NULL, 0};
    ik_array r = {image, {IK_DEVICE_CPU, 0}, 2, f64, image_shape, NULL, 0};
    CHECK(ik_linop_apply(radon, &x, &y));
    CHECK(ik_fbp(&y, theta, angles, 1.0, IK_FBP_SHEPP_LOGAN, 1, &r));

    double squared = 0;
    for (int k = 0; k < SIZE * SIZE; k++) squared += (image[k] - phantom[k]) * (image[k] - phantom[k]);
    double mismatch = 0;
    CHECK(ik_linop_adjoint_test(radon, 1, &mismatch));
    printf("%ld angles, sinogram %lld x %lld: FBP PSNR %.2f dB, adjoint mismatch %.1e (instruction set %s)\n",
           angles, (long long)sino_shape[0], (long long)sino_shape[1], 10 * log10(1.0 / (squared / (SIZE * SIZE))),
           mismatch, ik_isa());
    ik_linop_destroy(radon);
    free(sinogram);
    free(theta);
    return mismatch < 1e-12 ? 0 : 1;
}
