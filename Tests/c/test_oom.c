/* Memory exhaustion through the C ABI: every create and apply function (functionals and the
 * solver included), called under an
 * address-space limit with sizes beyond it, returns IK_ERR_OUT_OF_MEMORY (or another status for
 * arguments that are checked first) instead of ending the process, and writes nothing.
 *
 * Large inputs live in one reserved, never-touched mapping made before the limit is set (reading
 * it maps the zero page; nothing is committed), and zero-stride descriptors stand for huge arrays
 * of one value. The limit leaves `headroom` bytes above what the process already maps. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

#define IK_EXPERIMENTAL_API
#include "expect.h"

static const size_t reserved_bytes = (size_t)24 << 30;
static const size_t headroom = (size_t)256 << 20;

/* The process's current virtual size in bytes, from /proc/self/status. */
static size_t virtual_size(void) {
    FILE* f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kib = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmSize:", 7) == 0) kib = strtoull(line + 7, NULL, 10);
    fclose(f);
    return kib * 1024;
}

static ik_dtype dtype(uint8_t code, uint8_t bits) {
    ik_dtype d = {code, bits, 1};
    return d;
}

/* User callbacks that must never run here (the calls fail before them), and a release counter. */
static int callback_calls = 0, releases = 0;
static int copy_callback(void* user, const ik_array* in, ik_array* out) {
    (void)user; (void)in; (void)out;
    callback_calls++;
    return 0;
}
static int normal_callback(void* user, double rho, const ik_array* b, ik_array* x) {
    (void)user; (void)rho; (void)b; (void)x;
    callback_calls++;
    return 0;
}
static void count_release(void* user) {
    (void)user;
    releases++;
}

/* An OOM status, or a status at all: the call must return, not abort. */
#define EXPECT_OOM(call) EXPECT_ERROR((call), IK_ERR_OUT_OF_MEMORY, "")

int main(void) {
    char* reserve = mmap(NULL, reserved_bytes, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (reserve == MAP_FAILED) {
        fprintf(stderr, "could not reserve address space for the test\n");
        return 1;
    }
    /* Warm the library (threads, FFTW, per-thread message) before the limit. */
    {
        int64_t shape[2] = {8, 8};
        ik_linop* warm = NULL;
        EXPECT(ik_linop_create_convolution(&warm, 2, shape,
                                           &(ik_array){reserve, {IK_DEVICE_CPU, 0}, 2,
                                                       {IK_DTYPE_FLOAT, 64, 1}, (int64_t[]){3, 3}, NULL, 0},
                                           0) == IK_OK);
        ik_linop_destroy(warm);
    }
    /* A prox object made before the limit (its dual, 128 MiB, exists), applied after it. */
    ik_tv_prox* prox_made = NULL;
    int64_t prox_shape[2] = {4096, 4096};
    EXPECT(ik_tv_prox_create(&prox_made, 2, prox_shape, dtype(IK_DTYPE_FLOAT, 32), NULL) == IK_OK);
    struct rlimit limit = {virtual_size() + headroom, virtual_size() + headroom};
    if (setrlimit(RLIMIT_AS, &limit) != 0) {
        fprintf(stderr, "setrlimit failed\n");
        return 1;
    }
    ik_linop* sentinel = (ik_linop*)(uintptr_t)0x1;
    ik_linop* op = sentinel;
    int64_t zero_strides[3] = {0, 0, 0};

    /* TV: the prox object for a huge image, and a denoise whose work buffers cannot exist. */
    {
        ik_tv_prox* prox = (ik_tv_prox*)(uintptr_t)0x1;
        int64_t shape[2] = {50000, 50000};
        EXPECT_OOM(ik_tv_prox_create(&prox, 2, shape, dtype(IK_DTYPE_FLOAT, 32), NULL));
        EXPECT(prox == (ik_tv_prox*)(uintptr_t)0x1);
        int64_t big[2] = {1 << 15, 1 << 15}; /* 4 GiB of float32 output in the reserve */
        ik_array y = make_array(reserve, 2, big, zero_strides, 32);
        ik_array x = make_array(reserve, 2, big, NULL, 32);
        reserve[0] = 7;
        EXPECT_OOM(ik_tv_denoise(&y, &x, NULL, NULL, NULL));
        EXPECT(reserve[0] == 7);
        reserve[0] = 0;
        /* The object made before the limit holds its dual and its solvers' work space, so
         * applying it to contiguous arrays needs no memory at all. */
        ik_array py = make_array(reserve, 2, prox_shape, NULL, 32);
        ik_array px = make_array(reserve + ((size_t)1 << 30), 2, prox_shape, NULL, 32);
        ik_tv_info info;
        ik_tv_info_init(&info);
        EXPECT(ik_tv_prox_apply(prox_made, &py, 0.1, &px, &info) == IK_OK);
        EXPECT(info.iterations > 0);
        ik_tv_prox_destroy(prox_made);
        /* The TV value of a huge zero-stride image with weights: both copied. */
        double value = -1;
        ik_array w = make_array(reserve, 2, big, zero_strides, 32);
        EXPECT_OOM(ik_tv_value(&y, IK_TV_ISOTROPIC, &w, &value));
        EXPECT(value == -1);
    }

    /* Operators made from caller arrays: C-contiguous, Fortran-ordered and zero-stride. */
    {
        int64_t matrix_shape[2] = {30000, 30000}; /* 7.2 GB of float64 */
        int64_t fortran[2] = {1, 30000};
        ik_array m = make_array(reserve, 2, matrix_shape, NULL, 64);
        EXPECT_OOM(ik_linop_create_matrix(&op, &m));
        ik_array mf = make_array(reserve, 2, matrix_shape, fortran, 64);
        EXPECT_OOM(ik_linop_create_matrix(&op, &mf));
        ik_array mz = make_array(reserve, 2, matrix_shape, zero_strides, 64);
        EXPECT_OOM(ik_linop_create_matrix(&op, &mz));

        int64_t diag_shape[1] = {(int64_t)1 << 30}; /* 8 GiB of float64 */
        ik_array d = make_array(reserve, 1, diag_shape, NULL, 64);
        EXPECT_OOM(ik_linop_create_diagonal(&op, &d, dtype(IK_DTYPE_FLOAT, 64)));
        EXPECT_OOM(ik_linop_create_mask(&op, &d, dtype(IK_DTYPE_FLOAT, 64)));

        /* CSR: 2^28 entries in one row (indices all 0, values 0), 2 GiB each of index and value. */
        int64_t nnz = (int64_t)1 << 28;
        int64_t* indptr = (int64_t*)(reserve + ((size_t)4 << 30));
        indptr[0] = 0;
        indptr[1] = nnz;
        int64_t* indices = (int64_t*)(reserve + ((size_t)8 << 30));
        int64_t values_shape[1] = {nnz};
        ik_array values = make_array(reserve + ((size_t)12 << 30), 1, values_shape, NULL, 64);
        EXPECT_OOM(ik_linop_create_csr(&op, 1, 4, indptr, indices, &values));
        indptr[1] = 0;

        /* SENSE coil maps (complex128, 2 coils of 2^14 x 2^14) and a Fourier mask of 2^15 x 2^15. */
        int64_t coil_shape[3] = {2, 1 << 14, 1 << 14};
        ik_array coils = {reserve, {IK_DEVICE_CPU, 0}, 3, {IK_DTYPE_COMPLEX, 128, 1}, coil_shape, NULL, 0};
        EXPECT_OOM(ik_linop_create_fourier(&op, 2, coil_shape + 1, dtype(IK_DTYPE_COMPLEX, 128), NULL, &coils, 1));
        int64_t image[2] = {1 << 15, 1 << 15};
        ik_array mask = make_array(reserve, 2, image, NULL, 64);
        EXPECT_OOM(ik_linop_create_fourier(&op, 2, image, dtype(IK_DTYPE_COMPLEX, 128), &mask, NULL, 1));
        EXPECT_OOM(ik_linop_create_fourier(&op, 2, image, dtype(IK_DTYPE_COMPLEX, 128), NULL, NULL, 1));

        /* Convolution and super-resolution kernels as large as the image. */
        ik_array kernel = make_array(reserve, 2, image, NULL, 64);
        EXPECT_OOM(ik_linop_create_convolution(&op, 2, image, &kernel, 0));
        EXPECT_OOM(ik_linop_create_super_resolution(&op, 2, image, &kernel, 2));
        int64_t small_kernel[2] = {3, 3};
        ik_array k3 = make_array(reserve, 2, small_kernel, NULL, 64);
        EXPECT_OOM(ik_linop_create_convolution(&op, 2, image, &k3, 1));

        /* Radon with 2^28 angles (2 GiB to copy). */
        EXPECT_OOM(ik_linop_create_radon(&op, 64, 64, (const double*)reserve, (int64_t)1 << 28, 0, 1.0, 0,
                                         dtype(IK_DTYPE_FLOAT, 32), 1));
        EXPECT(op == sentinel);
    }

    /* Combinators with a huge count: the list is read (its NULL entries refused) before anything
     * is allocated. */
    {
        const ik_linop* const* list = (const ik_linop* const*)reserve;
        int32_t count = INT32_MAX;
        EXPECT_ERROR(ik_linop_create_sum(&op, list, count), IK_ERR_NULL_POINTER, "terms[0]");
        EXPECT_ERROR(ik_linop_create_stack(&op, list, count), IK_ERR_NULL_POINTER, "blocks[0]");
        EXPECT_ERROR(ik_linop_create_block_diagonal(&op, list, count), IK_ERR_NULL_POINTER, "blocks[0]");
        EXPECT(op == sentinel);
    }

    /* Applying, analysing and FBP on operators whose work space exceeds the limit. */
    {
        int64_t huge[1] = {(int64_t)1 << 31}; /* 8 GiB of float32 */
        ik_linop* identity = NULL;
        EXPECT(ik_linop_create_identity(&identity, 1, huge, dtype(IK_DTYPE_FLOAT, 32)) == IK_OK);
        /* A product holds its intermediate from creation on: making this one is what fails. */
        ik_linop* product = NULL;
        EXPECT_OOM(ik_linop_create_product(&product, identity, identity));
        EXPECT(product == NULL);
        ik_array x = make_array(reserve, 1, huge, zero_strides, 32);
        int64_t two[1] = {2};
        ik_array y_strided = make_array(reserve, 1, huge, two, 32); /* 16 GiB span, copied */
        EXPECT_OOM(ik_linop_apply(identity, &x, &y_strided));
        EXPECT_OOM(ik_linop_apply_adjoint(identity, &x, &y_strided));
        EXPECT_OOM(ik_linop_solve_normal(identity, 1.0, &x, &y_strided));
        double value = -1;
        EXPECT_OOM(ik_linop_norm(identity, 1, 1e-6, 10, &value));
        EXPECT_OOM(ik_linop_adjoint_test(identity, 1, &value));
        EXPECT(value == -1);
        ik_linop_destroy(identity);

        /* A user operator from the versioned callback struct: it holds no buffers, so creating
         * it works; what needs memory beyond the limit fails cleanly, and its release runs once. */
        ik_linop_callbacks callbacks;
        memset(&callbacks, 0, sizeof callbacks);
        callbacks.struct_size = sizeof callbacks;
        callbacks.apply = copy_callback;
        callbacks.adjoint = copy_callback;
        callbacks.release = count_release;
        callbacks.normal_solve = normal_callback;
        callbacks.norm_bound = 1;
        ik_linop* user = NULL;
        EXPECT(ik_linop_create_from_callbacks(&user, 1, huge, dtype(IK_DTYPE_FLOAT, 32), 1, huge,
                                              dtype(IK_DTYPE_FLOAT, 32), &callbacks) == IK_OK);
        EXPECT_OOM(ik_linop_create_product(&product, user, user));
        EXPECT_OOM(ik_linop_apply(user, &x, &y_strided));
        EXPECT_OOM(ik_linop_apply_adjoint(user, &x, &y_strided));
        EXPECT_OOM(ik_linop_solve_normal(user, 1.0, &x, &y_strided));
        EXPECT_OOM(ik_linop_adjoint_test(user, 1, &value));
        EXPECT(callback_calls == 0 && value == -1);
        ik_linop_destroy(user);
        EXPECT(releases == 1);

        double angles[4] = {0, 0.5, 1, 1.5};
        int64_t sino_shape[2] = {4, 64};
        ik_array sinogram = make_array(reserve, 2, sino_shape, NULL, 64);
        int64_t image_shape[2] = {1 << 15, 1 << 15};
        ik_array image = make_array(reserve, 2, image_shape, NULL, 64);
        EXPECT_OOM(ik_fbp(&sinogram, angles, 4, 1.0, IK_FBP_RAMP, 0, &image));

        /* The projector's padded copies of a 2 GiB image are made with it. */
        ik_linop* radon = NULL;
        EXPECT_OOM(ik_linop_create_radon(&radon, 1 << 14, 1 << 14, angles, 4, 0, 1.0, 0, dtype(IK_DTYPE_FLOAT, 64), 1));
        EXPECT(radon == NULL);
    }
    /* Functionals and the solver: work buffers sized by the argument's shape. */
    {
        int64_t huge[1] = {(int64_t)1 << 31}; /* 8 GiB of float32 */
        ik_dtype f32 = dtype(IK_DTYPE_FLOAT, 32);
        ik_array w = make_array(reserve, 1, huge, zero_strides, 32);
        ik_functional* sentinel = (ik_functional*)(uintptr_t)0x1;
        ik_functional* f = sentinel;
        EXPECT_OOM(ik_functional_create_l1(&f, 1, huge, f32, &w));
        EXPECT_OOM(ik_functional_create_l2_ball(&f, &w, 1.0));
        EXPECT_OOM(ik_functional_create_kl(&f, &w, NULL));
        int64_t volume[2] = {1 << 15, 1 << 16};
        EXPECT_OOM(ik_functional_create_tv(&f, 2, volume, f32, NULL));
        EXPECT(f == sentinel);
        ik_functional *l1 = NULL, *half = NULL;
        EXPECT(ik_functional_create_l1(&l1, 1, huge, f32, NULL) == IK_OK); /* no buffers */
        EXPECT(ik_functional_create_squared_l2(&half, 1, huge, f32) == IK_OK);
        EXPECT_OOM(ik_functional_create_translated(&f, half, &w));
        ik_linop* identity = NULL;
        EXPECT(ik_linop_create_identity(&identity, 1, huge, f32) == IK_OK);
        EXPECT_OOM(ik_functional_create_least_squares(&f, identity, NULL, NULL));
        EXPECT_OOM(ik_functional_create_composed(&f, half, identity));
        EXPECT(f == sentinel);
        int64_t two[1] = {2};
        ik_array x = make_array(reserve, 1, huge, zero_strides, 32);
        ik_array strided = make_array(reserve, 1, huge, two, 32);
        EXPECT_OOM(ik_functional_prox(l1, &x, 1.0, &strided));
        ik_functional_check_report r;
        ik_functional_check_report_init(&r);
        EXPECT_OOM(ik_functional_check(half, 0, 0.5, &r));
        const ik_functional* terms[1] = {half};
        ik_array out = make_array(reserve, 1, huge, NULL, 32);
        EXPECT_OOM(ik_solve(terms, NULL, 1, l1, &out, NULL, NULL));
        EXPECT(reserve[0] == 0); /* nothing was written to x */
        ik_functional_destroy(l1);
        ik_functional_destroy(half);
        ik_linop_destroy(identity);
    }
    munmap(reserve, reserved_bytes);
    return report();
}
