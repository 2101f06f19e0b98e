/* TV-denoise a greyscale PGM image (binary P5, 8 or 16 bit).
 *
 *   tv_denoise_pgm INPUT.pgm OUTPUT.pgm [LAMBDA] [--anisotropic]
 *
 * Pixels are scaled to [0, 1], denoised with lambda (default 0.1, in those units) under the box
 * 0 <= x <= 1, and written back with the input's maxval. Prints the solver's certificate. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static int read_token(FILE* f, long* value) {
    int c;
    do {
        c = fgetc(f);
        if (c == '#') {
            while (c != '\n' && c != EOF) c = fgetc(f);
        }
    } while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
    if (c < '0' || c > '9') return 0;
    long v = 0;
    while (c >= '0' && c <= '9') {
        v = v * 10 + (c - '0');
        if (v > 1000000) return 0;
        c = fgetc(f);
    }
    *value = v;
    return 1; /* the single whitespace after the token is consumed */
}

static double* read_pgm(const char* path, long* rows, long* cols, long* maxval) {
    FILE* f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return NULL;
    }
    char magic[2];
    double* pixels = NULL;
    if (fread(magic, 1, 2, f) != 2 || magic[0] != 'P' || magic[1] != '5' || !read_token(f, cols) ||
        !read_token(f, rows) || !read_token(f, maxval) || *maxval < 1 || *maxval > 65535 || *rows < 1 ||
        *cols < 1) {
        fprintf(stderr, "%s: not a binary PGM (P5) image\n", path);
        fclose(f);
        return NULL;
    }
    long n = *rows * *cols, bytes = *maxval > 255 ? 2 : 1;
    unsigned char* raw = malloc((size_t)(n * bytes));
    pixels = malloc((size_t)n * sizeof(double));
    if (!raw || !pixels || fread(raw, (size_t)bytes, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "%s: truncated image\n", path);
        free(raw);
        free(pixels);
        fclose(f);
        return NULL;
    }
    for (long i = 0; i < n; i++) {
        long v = bytes == 2 ? (raw[2 * i] << 8 | raw[2 * i + 1]) : raw[i];
        pixels[i] = (double)v / (double)*maxval;
    }
    free(raw);
    fclose(f);
    return pixels;
}

static int write_pgm(const char* path, const double* pixels, long rows, long cols, long maxval) {
    FILE* f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return 0;
    }
    fprintf(f, "P5\n%ld %ld\n%ld\n", cols, rows, maxval);
    for (long i = 0; i < rows * cols; i++) {
        long v = lround(pixels[i] * (double)maxval);
        v = v < 0 ? 0 : v > maxval ? maxval : v;
        if (maxval > 255) fputc((int)(v >> 8), f);
        fputc((int)(v & 0xff), f);
    }
    return fclose(f) == 0;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s INPUT.pgm OUTPUT.pgm [LAMBDA] [--anisotropic]\n", argv[0]);
        return 2;
    }
    CHECK_ABI();
    ik_tv_options options;
    CHECK(ik_tv_options_init_v2(&options, sizeof options));
    options.lower = 0.0;
    options.upper = 1.0;
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--anisotropic") == 0) {
            options.norm = IK_TV_ANISOTROPIC;
        } else {
            options.lambda = strtod(argv[i], NULL); /* the library rejects bad values */
        }
    }
    long rows, cols, maxval;
    double* noisy = read_pgm(argv[1], &rows, &cols, &maxval);
    if (!noisy) return 1;
    double* clean = malloc((size_t)(rows * cols) * sizeof(double));
    if (!clean) return 1;

    int64_t shape[2] = {rows, cols};
    ik_array y = {noisy, {IK_DEVICE_CPU, 0}, 2, {IK_DTYPE_FLOAT, 64, 1}, shape, NULL, 0};
    ik_array x = y;
    x.data = clean;
    ik_tv_info info;
    CHECK(ik_tv_info_init_v2(&info, sizeof info));
    CHECK(ik_tv_denoise(&y, &x, NULL, &options, &info));
    printf("%ldx%ld lambda=%g: %lld iterations, relative gap %.2e (%s), %d thread(s)\n", rows, cols,
           options.lambda, (long long)info.iterations, info.relative_gap,
           info.converged ? "converged" : "not converged", info.threads);
    int ok = write_pgm(argv[2], clean, rows, cols, maxval);
    free(noisy);
    free(clean);
    return ok ? 0 : 1;
}
