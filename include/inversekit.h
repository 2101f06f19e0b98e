/*
 * inversekit.h: the C interface of InverseKit, a library for imaging inverse problems.
 *
 * This header is the specification of the library's C ABI. If a function, type or constant is not
 * declared here, it is not API: do not rely on any other symbol exported by libinversekit.so.
 *
 * ---------------------------------------------------------------------------------------------------
 * ABI rules
 * ---------------------------------------------------------------------------------------------------
 *  1. A published function signature never changes. A changed behaviour or signature gets a new name
 *     with a `_v2` suffix; the old function keeps working.
 *  2. Enumerations only grow. Status codes are pinned negative values that are never reused.
 *  3. A struct that crosses the boundary is either opaque (used through a pointer) or versioned: its
 *     first field is `struct_size`, which the caller sets (the `*_init` functions do it) and the
 *     library checks. New fields are only appended. The library knows the size of each earlier
 *     header's layout: it reads and writes a caller's struct only up to its struct_size, and the
 *     fields an older struct lacks take their defaults. A size it does not know is rejected with
 *     IK_ERR_STRUCT_VERSION instead of being misread. Fill a struct with
 *     `ik_<name>_init_v2(&s, sizeof s)`, which writes exactly the caller's size and so is safe with
 *     a newer library; the plain `ik_<name>_init` writes this library's own layout and is only for
 *     a program built against the matching header.
 *  4. IK_ABI_VERSION changes only when rule 1 or 3 had to be broken. A program compares the
 *     IK_ABI_VERSION it was compiled with against ik_abi_version() at run time.
 *  5. The exported `ik_` symbols are exactly the functions declared here (checked by the test suite
 *     against the built library and the Python binding).
 *
 * Rules for every family added from version 0.2 on (functionals, solvers, samplers); the families
 * above them predate the rules and keep their published forms:
 *  6. Settings. A stateful object takes all its settings once, at creation, from one versioned
 *     options struct per family (`ik_<family>_options`, filled by `ik_<family>_options_init`),
 *     never through typed setters; what varies per call (a step size, a weight) is an argument of
 *     the call. Objects copy what they need from the struct: the caller may free it afterwards.
 *  7. Results. A call that reports more than a status fills one versioned info struct per family
 *     (`ik_<family>_info`, set up by `ik_<family>_info_init`); NULL means "not wanted".
 *  8. Capabilities. What an object can do is one query that returns a bit set
 *     (`ik_<family>_capabilities`); bits are only appended. No `has_*` function per capability.
 *  9. Callbacks. User code enters through a versioned callback struct (struct_size first), whose
 *     optional members may be NULL; a member added later (a pseudo-inverse, an SVD, a normal solve)
 *     is appended, so an older caller's smaller struct stays valid.
 * 10. Tiers. The families still settling form the experimental tier at the end of this header,
 *     declared only when IK_EXPERIMENTAL_API is defined before the header is included. Experimental
 *     functions MAY CHANGE OR DISAPPEAR IN ANY RELEASE: rules 1-4 do not hold for them, and changing
 *     them never bumps IK_ABI_VERSION. They move to the stable part, unchanged, when they settle.
 * These rules only add to the ABI, so IK_ABI_VERSION stays 1.
 *
 * ---------------------------------------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------------------------------------
 * Every call that can fail returns an int status: IK_OK (0) or a negative ik_status. On failure the
 * library writes nothing to any output argument (arrays, info structs, scalars), and
 * ik_last_error_message() describes what was wrong, naming the argument. No input, however
 * malformed, makes the library abort, trap or write outside the buffers it was given. Handles are
 * checked for their kind: an ik_tv_prox* passed where an ik_linop* is expected (or the reverse)
 * gives IK_ERR_INVALID_ARGUMENT, and the destroy functions ignore handles of the other kind. What
 * the library cannot check is that `data` really points at enough memory for the described array,
 * and that a handle is live (not destroyed): those are the caller's promises.
 *
 * ---------------------------------------------------------------------------------------------------
 * Threading
 * ---------------------------------------------------------------------------------------------------
 * Every function declared here may be called from any thread, concurrently, as long as concurrent
 * calls do not write to the same output buffers. The library keeps no global mutable state except
 * the per-thread error message. Solvers may start worker threads of their own for the duration of a
 * call (see `threads` in the options structs); they are joined before the call returns.
 *
 * ---------------------------------------------------------------------------------------------------
 * Arrays
 * ---------------------------------------------------------------------------------------------------
 * Arrays cross the boundary as ik_array, laid out like DLPack's DLTensor so that a DLTensor (and thus
 * a NumPy or PyTorch CPU tensor) can be passed without copying. The array's element at index
 * (i_0, ..., i_{ndim-1}) lives at
 *     (char*)data + byte_offset + sizeof(element) * sum_k i_k * strides[k].
 * Strides are counted in elements and may be negative or zero; strides == NULL means C-contiguous
 * (row-major). An output array must not overlap itself (no zero strides, no interleaving); inputs may
 * use any strides. Supported element types: float32, float64, complex64, complex128, with lanes == 1,
 * on the CPU. Each function states which of these it accepts.
 */
#ifndef INVERSEKIT_H
#define INVERSEKIT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  define IK_API __declspec(dllimport)
#else
#  define IK_API __attribute__((visibility("default")))
#endif

/* =================================================================================================
 * Versions
 * ================================================================================================= */

#define IK_VERSION_MAJOR 0
#define IK_VERSION_MINOR 1
#define IK_VERSION_PATCH 0
/* MAJOR * 10000 + MINOR * 100 + PATCH, e.g. 100 for 0.1.0. */
#define IK_VERSION_NUMBER (IK_VERSION_MAJOR * 10000 + IK_VERSION_MINOR * 100 + IK_VERSION_PATCH)
#define IK_ABI_VERSION 1

/* The library's version as "MAJOR.MINOR.PATCH". Static storage; never NULL. */
IK_API const char* ik_version_string(void);

/* The library's version as IK_VERSION_NUMBER computes it. */
IK_API int ik_version_number(void);

/* The library's ABI version. Compare it with IK_ABI_VERSION before using the library. */
IK_API int ik_abi_version(void);

/* ---- Instruction sets ---------------------------------------------------------------------------
 * libinversekit.so runs on every x86-64 processor. Its computations live in compute libraries
 * installed beside it, one per instruction-set level (libinversekit_core_sse2.so, _avx2.so with FMA,
 * _avx512.so with the F, BW, DQ, VL and CD subsets), of which the first call loads the widest that
 * the running processor and operating system support, the way the dynamic loader picks among
 * glibc-hwcaps subdirectories. The environment variable INVERSEKIT_ISA (sse2, avx2 or avx512),
 * read once at that first call, asks for a lower level; a level the processor lacks falls back to
 * the widest it has. An unknown value, or a compute library that cannot be loaded, makes every
 * call fail with IK_ERR_UNAVAILABLE and a message saying why (the version functions still answer,
 * from this header's constants). */

/* The level in use: "sse2", "avx2" or "avx512"; NULL when no compute library could be loaded
 * (ik_last_error_message() then says why). Static storage. Loads the compute library if no call
 * has yet. */
IK_API const char* ik_isa(void);

/* =================================================================================================
 * Status codes and error messages
 * ================================================================================================= */

typedef enum ik_status {
    IK_OK = 0,
    IK_ERR_NULL_POINTER = -1,       /* a required pointer argument was NULL */
    IK_ERR_INVALID_ARGUMENT = -2,   /* a parameter is out of its range (e.g. lambda < 0) */
    IK_ERR_UNSUPPORTED_DTYPE = -3,  /* element type not accepted by this function */
    IK_ERR_UNSUPPORTED_DEVICE = -4, /* array not on the CPU */
    IK_ERR_SHAPE = -5,              /* wrong number of dimensions or mismatched extents */
    IK_ERR_LAYOUT = -6,             /* strides not allowed here, e.g. an output overlapping itself */
    IK_ERR_OVERFLOW = -7,           /* sizes or offsets whose product overflows */
    IK_ERR_NOT_FINITE = -8,         /* NaN or infinity where finite values are required */
    IK_ERR_OUT_OF_MEMORY = -9,      /* a work buffer could not be allocated */
    IK_ERR_STRUCT_VERSION = -10,    /* struct_size of an options or info struct not recognised */
    IK_ERR_CALLBACK = -11,          /* a user callback reported failure */
    IK_ERR_INTERNAL = -12,          /* a bug in the library; please report it */
    IK_ERR_UNAVAILABLE = -13        /* the compute library for this processor could not be loaded
                                       (see ik_isa); ik_last_error_message() says why */
} ik_status;

/* Static, human-readable name of a status code ("invalid argument"); unknown codes give
 * "unknown status". Never NULL. */
IK_API const char* ik_status_string(int status);

/* The message of the last call on this thread: after a failing call, what was wrong
 * ("Invalid y: expected 2 or 3 dimensions, got 4"); after a successful call, "". The string is
 * owned by the library and stays valid until the next ik_ call on the same thread. Never NULL. */
IK_API const char* ik_last_error_message(void);

/* =================================================================================================
 * Array descriptor (same memory layout as DLPack's DLTensor)
 * ================================================================================================= */

/* Device types; the values are DLPack's. Only the CPU is supported. */
typedef enum ik_device_type {
    IK_DEVICE_CPU = 1
} ik_device_type;

typedef struct ik_device {
    int32_t device_type; /* an ik_device_type */
    int32_t device_id;   /* 0 for the CPU */
} ik_device;

/* Element type codes; the values are DLPack's. */
typedef enum ik_dtype_code {
    IK_DTYPE_FLOAT = 2,  /* bits 32 or 64 */
    IK_DTYPE_COMPLEX = 5 /* bits 64 (two float32) or 128 (two float64) */
} ik_dtype_code;

typedef struct ik_dtype {
    uint8_t code;   /* an ik_dtype_code */
    uint8_t bits;   /* bits per element: 32, 64 or 128 */
    uint16_t lanes; /* must be 1 */
} ik_dtype;

/* The largest ndim any function accepts. */
#define IK_MAX_NDIM 8

typedef struct ik_array {
    void* data;           /* start of the allocation; see byte_offset */
    ik_device device;     /* must be {IK_DEVICE_CPU, 0} */
    int32_t ndim;         /* 0 .. IK_MAX_NDIM; each function states what it accepts */
    ik_dtype dtype;       /* element type */
    int64_t* shape;       /* ndim extents, each >= 1 */
    int64_t* strides;     /* ndim strides in elements, or NULL for C-contiguous */
    uint64_t byte_offset; /* bytes from data to the element at index (0, ..., 0) */
} ik_array;

/* =================================================================================================
 * Total variation: value and proximal map (TV denoising)
 *
 * Discretisation: forward differences with Neumann boundary, (D_k x)(i) = x(i + e_k) - x(i) where
 * i + e_k is inside the array, else 0, for each axis k of a 2-D or 3-D array. With per-pixel weights
 * w >= 0 (all ones when absent):
 *     isotropic    TV(x) = sum_i w_i * sqrt(sum_k (D_k x)(i)^2)
 *     anisotropic  TV(x) = sum_i w_i * sum_k |(D_k x)(i)|
 * ================================================================================================= */

typedef enum ik_tv_norm {
    IK_TV_ISOTROPIC = 0,
    IK_TV_ANISOTROPIC = 1
} ik_tv_norm;

/* Options of ik_tv_denoise. Always fill with ik_tv_options_init() first, then change fields. */
typedef struct ik_tv_options {
    uint32_t struct_size;   /* sizeof(ik_tv_options); set by ik_tv_options_init */
    int32_t norm;           /* ik_tv_norm; default IK_TV_ISOTROPIC */
    double lambda;          /* regularisation weight, finite, >= 0; default 0.1 */
    double tolerance;       /* stop when relative_gap (see ik_tv_info) <= tolerance; finite, >= 0;
                               0 runs max_iterations; default 1e-4 */
    int64_t max_iterations; /* >= 1; default 1000 */
    int32_t threads;        /* worker threads, 0 = one per online core; >= 0; default 0. Small
                               problems run on fewer threads than asked. */
    int32_t check_interval; /* evaluate the duality gap at multiples of this many iterations, >= 1;
                               default 10. After the first, evaluations that the gap's trend (about
                               1/k^2) says cannot succeed are skipped, at most three in a row. Each
                               evaluation costs about two iterations. */
    double lower;           /* box constraint lower <= x <= upper; -INFINITY / +INFINITY for none; */
    double upper;           /* not NaN, lower <= upper; default -INFINITY, +INFINITY. The answer
                               meets the bounds exactly in its own dtype (float32 clips to the
                               nearest float32 values inside [lower, upper]); a box that holds
                               no float32 value is IK_ERR_INVALID_ARGUMENT for float32 data. */
    const ik_array* weights; /* NULL, or per-pixel weights w with y's shape, real, finite, >= 0 */
    int32_t warm_start;     /* nonzero: start from the dual passed to ik_tv_denoise; default 0 */
} ik_tv_options;

/* Fills *options with the defaults above. NULL is ignored. */
IK_API void ik_tv_options_init(ik_tv_options* options);
/* The same for a struct of struct_size bytes (sizeof the caller's): IK_ERR_STRUCT_VERSION, nothing
 * written, for a size this library does not know. */
IK_API int ik_tv_options_init_v2(ik_tv_options* options, uint32_t struct_size);

/* What ik_tv_denoise did. Fill with ik_tv_info_init() before passing it. */
typedef struct ik_tv_info {
    uint32_t struct_size; /* sizeof(ik_tv_info); set by ik_tv_info_init */
    int32_t converged;    /* 1 if relative_gap <= tolerance was reached, else 0 */
    int64_t iterations;   /* dual iterations performed */
    double primal;        /* P(x) = 0.5 * ||x - y||^2 + lambda * TV(x) of the returned x */
    double dual;          /* a lower bound on min P from the returned dual q: D(q), divided by the
                             largest |q_i| / (lambda w_i) when rounding left q just outside its
                             ball; evaluated in double from q's values, in either dtype */
    double gap;           /* primal - dual >= P(x) - min P: a certificate of suboptimality in
                             float32 as in float64 (primal is evaluated in double at the x
                             returned, the box of the dual is the caller's, not its rounding) */
    double relative_gap;  /* gap / dual >= (P(x) - min P) / min P (0 when the gap is 0, +INFINITY
                             when dual <= 0 and the gap is not 0) */
    int32_t threads;      /* threads actually used */
} ik_tv_info;

/* Fills *info with zeros and sets struct_size. NULL is ignored. */
IK_API void ik_tv_info_init(ik_tv_info* info);
/* The same for a struct of struct_size bytes (rule 3). */
IK_API int ik_tv_info_init_v2(ik_tv_info* info, uint32_t struct_size);

/* The shape of the dual variable of ik_tv_denoise for an array y: (ndim, shape of y...).
 * out_shape receives y->ndim + 1 extents (room for IK_MAX_NDIM is enough); *out_ndim the count.
 * Errors: IK_ERR_NULL_POINTER, IK_ERR_SHAPE (y not 2-D or 3-D), the array checks of ik_tv_denoise. */
IK_API int ik_tv_dual_shape(const ik_array* y, int64_t* out_shape, int32_t* out_ndim);

/* TV denoising, the proximal map of lambda * TV plus the box:
 *     x = argmin_{lower <= x <= upper}  0.5 * ||x - y||^2 + lambda * TV(x)
 * With the dual variable q = (q_0, ..., q_{ndim-1}), |q_i| <= lambda * w_i, and
 * x(q) = clip(y + div q, lower, upper) (div = -D^T), the dual objective
 *     D(q) = 0.5 ||y||^2 - 0.5 ||y + div q||^2 + 0.5 ||x(q) - (y + div q)||^2
 * is a lower bound on the optimum, so info->gap = P(x) - D(q) bounds how far x is from optimal
 * (and x is within sqrt(2 * gap) of the optimum, P being 1-strongly convex). Two methods:
 *  - accelerated projected gradient on the dual (Beck and Teboulle's FGP with adaptive restart):
 *    x is the better (lower P) of x(q) and a weighted average of the primal iterates (Tseng's
 *    averaging), which reaches a given gap in about two thirds of the iterations x(q) needs;
 *  - for 2-D problems solved from a cold start with tolerance > 0 and dual == NULL: a primal-dual
 *    hybrid gradient with Zhu and Chan's growing dual steps, about 1.6x fewer iterations. Its x is
 *    its primal iterate. Every gap evaluation watches it; should its gap stop falling, FGP
 *    continues from its dual and x. It is not used when the caller keeps the dual, because its
 *    final q is a poor warm start (x(q) is far from x), nor in 3-D, where its steps are unstable.
 * info->iterations counts the iterations of both.
 * float64 problems of at least 2^16 pixels with tolerance >= 5e-5 iterate in float32 first (about
 * 1.5x faster) and continue in float64 when needed; x, q and the certificate are always float64.
 *
 * y        2-D or 3-D real array (float32 or float64), finite values, any strides.
 * x        output, same shape and dtype as y, non-overlapping strides. May be the same memory as y
 *          or overlap it in any way: y is fully read before x is written.
 * dual     NULL, or an array of the shape given by ik_tv_dual_shape() and y's dtype, non-overlapping
 *          strides: on return it holds q, a warm start for a later call with a nearby y or lambda.
 *          With options->warm_start set it is also read (and must be finite) as the starting point;
 *          it is projected onto |q_i| <= lambda * w_i first. May not overlap y, x or the weights.
 * options  NULL for the defaults, else filled by ik_tv_options_init().
 * info     NULL, or filled by ik_tv_info_init(); receives the statistics.
 *
 * Returns IK_OK whether or not the tolerance was reached (see info->converged), or:
 * IK_ERR_NULL_POINTER, IK_ERR_UNSUPPORTED_DTYPE (complex, or dtypes of y and x differ),
 * IK_ERR_UNSUPPORTED_DEVICE, IK_ERR_SHAPE (rank not 2 or 3, x / dual / weights shape mismatch),
 * IK_ERR_LAYOUT (overlapping output), IK_ERR_OVERFLOW, IK_ERR_NOT_FINITE (NaN or Inf in y, weights,
 * a warm-start dual or lambda), IK_ERR_INVALID_ARGUMENT (negative lambda or weight, lower > upper,
 * bad iteration counts), IK_ERR_STRUCT_VERSION, IK_ERR_OUT_OF_MEMORY. On error nothing is written.
 * Thread safety: reentrant; concurrent calls must use distinct x, dual and info. */
IK_API int ik_tv_denoise(const ik_array* y, ik_array* x, ik_array* dual,
                         const ik_tv_options* options, ik_tv_info* info);

/* The value TV(x) (see the formulas above) of a 2-D or 3-D real array x, with optional weights of
 * x's shape (NULL for all ones). norm is an ik_tv_norm. Writes *value only on success.
 * Errors: as for ik_tv_denoise's y and weights, plus IK_ERR_INVALID_ARGUMENT for an unknown norm.
 * Thread safety: reentrant. */
IK_API int ik_tv_value(const ik_array* x, int32_t norm, const ik_array* weights, double* value);

/* ---- The TV proximal map as a reusable object ----------------------------------------------------
 * For algorithms that apply prox_{lambda TV} many times to slowly changing points (FISTA, ADMM,
 * Chambolle-Pock with a TV term): the object is made once for a shape, dtype, norm, box and weights,
 * and each application starts from the dual of the previous one (rescaled when lambda changes), so
 * later calls need far fewer iterations. An object holds iteration state: use it from one thread at
 * a time; distinct objects are independent. */
typedef struct ik_tv_prox ik_tv_prox;

/* Creates a TV proximal map for arrays of `ndim` (2 or 3) extents `shape` and element type `dtype`
 * (float32 or float64). `options` (NULL for the defaults) supplies norm, tolerance,
 * max_iterations, threads, check_interval, lower, upper and weights; its lambda and warm_start are
 * ignored. The weights, if any, are copied: the caller may free them afterwards.
 * On success *out receives the object, which the caller releases with ik_tv_prox_destroy(); on
 * error *out is left untouched. Errors: IK_ERR_NULL_POINTER, IK_ERR_SHAPE, IK_ERR_UNSUPPORTED_DTYPE,
 * IK_ERR_OVERFLOW, IK_ERR_STRUCT_VERSION, IK_ERR_INVALID_ARGUMENT, IK_ERR_NOT_FINITE,
 * IK_ERR_OUT_OF_MEMORY. */
IK_API int ik_tv_prox_create(ik_tv_prox** out, int32_t ndim, const int64_t* shape, ik_dtype dtype,
                             const ik_tv_options* options);

/* x = argmin_{lower <= x <= upper} 0.5 ||x - y||^2 + lambda * TV_w(x), warm-started from the
 * object's previous solve. y and x as in ik_tv_denoise, with the object's shape and dtype; x may
 * alias y. info: NULL or filled by ik_tv_info_init(). On error x and info are untouched (the stored
 * dual may have been rescaled to the new lambda, which keeps it a valid starting point). */
IK_API int ik_tv_prox_apply(ik_tv_prox* prox, const ik_array* y, double lambda, ik_array* x,
                            ik_tv_info* info);

/* Forgets the stored dual: the next application starts cold. Errors: IK_ERR_NULL_POINTER. */
IK_API int ik_tv_prox_reset(ik_tv_prox* prox);

/* Releases the object. NULL is a no-op. */
IK_API void ik_tv_prox_destroy(ik_tv_prox* prox);

/* =================================================================================================
 * Linear operators
 *
 * An ik_linop is a linear map A from arrays of an input shape and dtype to arrays of an output
 * shape and dtype, with its exact adjoint A^H (the conjugate transpose for complex data). Every
 * solver and sampler consumes them. Operators are immutable once created: ik_linop_apply and
 * ik_linop_apply_adjoint may run concurrently on one operator with different output buffers.
 * An operator made from others (product, sum, ...) keeps them alive itself: the caller may destroy
 * its own handles to the parts right away. Every ik_linop* returned must be released with
 * ik_linop_destroy().
 *
 * Shapes and dtypes passed to the create functions: 1 <= ndim <= IK_MAX_NDIM, extents >= 1;
 * dtype one of float32, float64, complex64, complex128 unless a function says otherwise. On error
 * *out is left untouched.
 * ================================================================================================= */

typedef struct ik_linop ik_linop;

/* y = x. */
IK_API int ik_linop_create_identity(ik_linop** out, int32_t ndim, const int64_t* shape, ik_dtype dtype);

/* y = scale * x, scale real and finite. */
IK_API int ik_linop_create_scaling(ik_linop** out, int32_t ndim, const int64_t* shape, ik_dtype dtype,
                                   double scale);

/* y = d * x elementwise (A^H y = conj(d) * y). The diagonal d (any strides, finite) gives the
 * shape; `dtype` is the data's element type, of d's precision. A real d acts on real or complex
 * data, a complex d needs complex data. */
IK_API int ik_linop_create_diagonal(ik_linop** out, const ik_array* diagonal, ik_dtype dtype);

/* Inpainting: y = m * x with a real mask m of 0 (missing) and 1 (observed) values, at least one 1.
 * The mask gives the shape; `dtype` is the data's element type (float32 mask for single precision
 * data, float64 for double). */
IK_API int ik_linop_create_mask(ik_linop** out, const ik_array* mask, ik_dtype dtype);

/* The finite-difference gradient of a 1-, 2- or 3-D array: forward differences with Neumann
 * boundary, exactly TV's discretisation. Output shape (ndim, shape...). */
IK_API int ik_linop_create_gradient(ik_linop** out, int32_t ndim, const int64_t* shape, ik_dtype dtype);

/* The divergence div = -D^T (D the gradient above): input (ndim, shape...), output shape. */
IK_API int ik_linop_create_divergence(ik_linop** out, int32_t ndim, const int64_t* shape, ik_dtype dtype);

/* y = M x for a dense 2-D matrix M (m x n, any strides, finite), through BLAS. Input shape (n,),
 * output (m,), both of M's dtype. The matrix is copied. */
IK_API int ik_linop_create_matrix(ik_linop** out, const ik_array* matrix);

/* y = A x for a sparse rows x columns matrix in compressed sparse row form: indptr (rows + 1
 * entries, from 0 up to nnz, non-decreasing), indices (nnz column indices in 0..columns-1) and
 * values (a 1-D array of nnz finite entries whose dtype is the data's). Input (columns,), output
 * (rows,). Everything is copied. */
IK_API int ik_linop_create_csr(ik_linop** out, int64_t rows, int64_t columns, const int64_t* indptr,
                               const int64_t* indices, const ik_array* values);

/* A user function computing output = A input. `input` and `output` are contiguous arrays of the
 * shapes and dtypes declared at creation; the function must fill `output` and return 0, or return
 * nonzero to fail the call (the library then returns IK_ERR_CALLBACK). It must not keep the
 * pointers after returning. */
typedef int (*ik_linop_function)(void* user_data, const ik_array* input, ik_array* output);

/* Called once, when the operator is destroyed, with the user_data given at creation. */
typedef void (*ik_release_function)(void* user_data);

/* An operator defined by two user functions: `apply` (input shape -> output shape) and `adjoint`
 * (output shape -> input shape). Both required; `release` may be NULL. The functions may be called
 * from several threads at once if the operator is used so. If creation fails, release is not
 * called. */
IK_API int ik_linop_create_callback(ik_linop** out, int32_t input_ndim, const int64_t* input_shape,
                                    ik_dtype input_dtype, int32_t output_ndim, const int64_t* output_shape,
                                    ik_dtype output_dtype, ik_linop_function apply,
                                    ik_linop_function adjoint, void* user_data, ik_release_function release);

/* outer * inner: apply inner, then outer. inner's output must match outer's input. */
IK_API int ik_linop_create_product(ik_linop** out, const ik_linop* outer, const ik_linop* inner);

/* terms[0] + ... + terms[count-1], all of one input and output shape and dtype. count >= 1. */
IK_API int ik_linop_create_sum(ik_linop** out, const ik_linop* const* terms, int32_t count);

/* The vertical stack [blocks[0]; ...; blocks[count-1]]: one input shared by all; the outputs are
 * flattened and concatenated, output shape (total,). */
IK_API int ik_linop_create_stack(ik_linop** out, const ik_linop* const* blocks, int32_t count);

/* diag(blocks[0], ..., blocks[count-1]). When all blocks have the same shapes it is a batch:
 * input (count, in...), output (count, out...); otherwise inputs and outputs are flattened and
 * concatenated. A batch of one operator: pass the same pointer count times. */
IK_API int ik_linop_create_block_diagonal(ik_linop** out, const ik_linop* const* blocks, int32_t count);

/* A^H as an operator. */
IK_API int ik_linop_create_adjoint(ik_linop** out, const ik_linop* op);

/* The normal operator A^H A (input shape to input shape). */
IK_API int ik_linop_create_normal(ik_linop** out, const ik_linop* op);

/* ---- Physics ------------------------------------------------------------------------------------ */

/* Boundaries of ik_linop_create_convolution. */
typedef enum ik_boundary {
    IK_BOUNDARY_PERIODIC = 0, /* circular; output shape = image shape; kernel centre at index k // 2 */
    IK_BOUNDARY_SAME = 1,     /* zeros outside; output shape = image shape, scipy.signal mode "same" */
    IK_BOUNDARY_VALID = 2     /* zeros outside; only unpadded outputs, image - kernel + 1 ("valid") */
} ik_boundary;

/* Convolution of a real 1-, 2- or 3-D image of `shape` with `kernel` (real, finite, same rank,
 * any strides; copied), through FFTW. The kernel's dtype gives the data's (float32 uses FFTW's
 * single-precision plans). Periodic and valid need kernel extents <= image extents. */
IK_API int ik_linop_create_convolution(ik_linop** out, int32_t ndim, const int64_t* shape, const ik_array* kernel,
                                       int32_t boundary);

/* Undersampled orthonormal Fourier transform of 2-D or 3-D complex images (MRI):
 *   single coil (coil_maps NULL): y = M . F x, output shape = shape;
 *   SENSE (coil_maps of shape (coils, shape...), complex, finite): y_c = M . F (s_c . x), output
 *   (coils, shape...).
 * F is the DFT scaled by 1/sqrt(N). centered = 0: numpy.fft.fftn (DC at index 0); centered != 0:
 * fftshift(fftn(ifftshift(x))) (image centre and DC at index n // 2). mask: NULL for full
 * sampling, else real 0/1 values of `shape` with at least one 1. dtype: complex64 or complex128;
 * mask and coil maps are converted to its precision. */
IK_API int ik_linop_create_fourier(ik_linop** out, int32_t ndim, const int64_t* shape, ik_dtype dtype,
                                   const ik_array* mask, const ik_array* coil_maps, int32_t centered);

/* The 2-D parallel-beam X-ray transform (Joseph's method) and its exact adjoint. Image: rows x
 * columns unit pixels; the rotation axis passes through pixel (rows / 2, columns / 2) (integer
 * division, scikit-image's convention): pixel (i, j) sits at x = j - columns/2, y = rows/2 - i.
 * Detector: `detectors` bins (0 = ceil of the image diagonal) of width `spacing` (> 0), bin
 * detectors/2 on the axis; `angles` (radians, finite, angle_count >= 1) give the rays
 * x cos(theta) + y sin(theta) = s. Input (rows, columns), output sinogram (angle_count, detectors);
 * with slices >= 1 the input is (slices, rows, columns) and each slice is projected. dtype: float32
 * or float64. threads: 0 = one per core. */
IK_API int ik_linop_create_radon(ik_linop** out, int64_t rows, int64_t columns, const double* angles,
                                 int64_t angle_count, int64_t detectors, double spacing, int64_t slices,
                                 ik_dtype dtype, int32_t threads);

/* Blur then decimation (super-resolution): y = S (k (*) x) with the periodic convolution of
 * ik_linop_create_convolution and S keeping every `factor`-th sample of each axis from index 0.
 * Real 2-D or 3-D images whose extents are multiples of factor (>= 1); output shape / factor.
 * ik_linop_solve_normal has a closed form for it. */
IK_API int ik_linop_create_super_resolution(ik_linop** out, int32_t ndim, const int64_t* shape,
                                            const ik_array* kernel, int32_t factor);

/* Filters of ik_fbp (windows on the ramp). */
typedef enum ik_fbp_filter {
    IK_FBP_RAMP = 0,
    IK_FBP_SHEPP_LOGAN = 1,
    IK_FBP_COSINE = 2,
    IK_FBP_HANN = 3,
    IK_FBP_HAMMING = 4
} ik_fbp_filter;

/* Filtered back-projection in the geometry of ik_linop_create_radon: sinogram (angle_count,
 * detectors), real, finite, any strides; image: the output, real, of shape (rows, columns), which
 * sets the image size. Angles should cover [0, pi) evenly. circle != 0 sets the pixels outside the
 * circle of radius min(rows, columns) / 2 around the rotation axis to 0 (where an object inside
 * that circle leaves only artefacts), as scikit-image's iradon(circle=True). A spacing so fine that
 * the image spans more than 2^30 detector bins is IK_ERR_INVALID_ARGUMENT. */
IK_API int ik_fbp(const ik_array* sinogram, const double* angles, int64_t angle_count, double spacing,
                  int32_t filter, int32_t circle, ik_array* image);

/* y = A x. x: the operator's input shape and dtype, any strides. y: its output shape and dtype,
 * non-overlapping strides; may overlap x (x is read first). On error y is untouched. */
IK_API int ik_linop_apply(const ik_linop* op, const ik_array* x, ik_array* y);

/* x = A^H y, with the roles of the shapes swapped. */
IK_API int ik_linop_apply_adjoint(const ik_linop* op, const ik_array* y, ik_array* x);

/* x = (A^H A + rho I)^{-1} b in closed form (FFTs and elementwise divisions, no iterations) for
 * the operators that have one: identity, scaling, diagonal, mask, periodic convolution, single-coil
 * Fourier, super-resolution. Others return IK_ERR_INVALID_ARGUMENT. b and x have the operator's
 * input shape and dtype (any strides; x non-overlapping, may overlap b); rho finite and > 0. */
IK_API int ik_linop_solve_normal(const ik_linop* op, double rho, const ik_array* b, ik_array* x);

/* 1 if ik_linop_solve_normal works for this operator, 0 if not, negative status on error. */
IK_API int ik_linop_has_normal_solve(const ik_linop* op);

/* The input (or output) shape and dtype: shape receives ndim extents (room for IK_MAX_NDIM is
 * enough), *ndim the count, *dtype the element type. */
IK_API int ik_linop_input_shape(const ik_linop* op, int64_t* shape, int32_t* ndim, ik_dtype* dtype);
IK_API int ik_linop_output_shape(const ik_linop* op, int64_t* shape, int32_t* ndim, ik_dtype* dtype);

/* ||A||_2 by the Lanczos method on A^H A from a random start drawn with `seed` (restarted every 512
 * steps), stopped when the residual bound of the largest Ritz value shows it within `tolerance`
 * (relative, >= 0) of an eigenvalue of A^H A, or after max_iterations (>= 1) applications of A^H A.
 * The figure is a lower bound on ||A||_2 up to rounding (a Ritz value never exceeds the largest
 * eigenvalue); after convergence it is within `tolerance` of it unless the start is almost
 * orthogonal to the top singular vector. Step sizes need an upper bound: add a margin. */
IK_API int ik_linop_norm(const ik_linop* op, uint64_t seed, double tolerance, int64_t max_iterations,
                         double* norm);

/* The adjoint test: |<A x, y> - <x, A^H y>| / (||A x|| ||y||) for random x and y drawn with `seed`.
 * Near machine precision (about 1e-15 in double, 1e-7 in single) for an exact adjoint. */
IK_API int ik_linop_adjoint_test(const ik_linop* op, uint64_t seed, double* mismatch);

/* Releases the handle. NULL is a no-op. */
IK_API void ik_linop_destroy(ik_linop* op);

/* =================================================================================================
 * EXPERIMENTAL API: MAY CHANGE OR DISAPPEAR IN ANY RELEASE (ABI rule 10)
 *
 * Declared only when IK_EXPERIMENTAL_API is defined before this header is included:
 *     #define IK_EXPERIMENTAL_API
 *     #include <inversekit.h>
 * ================================================================================================= */
#ifdef IK_EXPERIMENTAL_API

/* ---- Operator checks and norm bounds ------------------------------------------------------------ */

/* The normal-solve test: ||(A^H A + rho I) x - b|| / ||b|| for x = ik_linop_solve_normal(rho, b)
 * and a random b drawn with `seed`: near machine precision for a correct closed form. rho finite,
 * > 0. IK_ERR_INVALID_ARGUMENT for an operator without a normal solve. */
IK_API int ik_linop_normal_test(const ik_linop* op, double rho, uint64_t seed, double* mismatch);

/* An upper bound on ||A||_2, for step sizes: the analytic bound where one is known (identity and
 * scaling, diagonal and mask: max |d|, the gradient: sqrt(4 ndim), single-coil Fourier: 1), else
 * the Lanczos estimate of ik_linop_norm (seed 0, tolerance 1e-6) times a safety margin of 1.01.
 * Computed once and cached on the operator (also for the solvers and functionals that use it);
 * safe to call concurrently. */
IK_API int ik_linop_norm_bound(const ik_linop* op, double* bound);

/* Replaces the cached bound with one the caller knows (finite, >= 0). */
IK_API int ik_linop_set_norm_bound(const ik_linop* op, double bound);

/* ---- User-defined operators through a versioned callback struct (ABI rule 9) --------------------- */

/* x = (A^H A + rho I)^{-1} b for the user's operator; b and x contiguous of the input shape and
 * dtype. Return 0, or nonzero to fail the call (IK_ERR_CALLBACK). */
typedef int (*ik_linop_normal_solve_function)(void* user_data, double rho, const ik_array* b, ik_array* x);

typedef struct ik_linop_callbacks {
    uint32_t struct_size;             /* sizeof(ik_linop_callbacks) */
    void* user_data;                  /* passed to every function */
    ik_linop_function apply;          /* required: output = A input */
    ik_linop_function adjoint;        /* required: input = A^H output */
    ik_release_function release;      /* NULL, or called once when the operator is destroyed */
    ik_linop_normal_solve_function normal_solve; /* NULL, or the closed-form normal solve */
    double norm_bound;                /* 0 (unknown), or an upper bound on ||A||_2 (finite) */
} ik_linop_callbacks;

/* An operator from user functions, like ik_linop_create_callback, with the optional members of
 * `callbacks`: a normal solve (then ik_linop_solve_normal, closed-form least-squares proxes and
 * ADMM-type solvers use it) and a norm bound (then step sizes use it instead of an estimate).
 * Members are only ever appended. If creation fails, release is not called. */
IK_API int ik_linop_create_from_callbacks(ik_linop** out, int32_t input_ndim, const int64_t* input_shape,
                                          ik_dtype input_dtype, int32_t output_ndim, const int64_t* output_shape,
                                          ik_dtype output_dtype, const ik_linop_callbacks* callbacks);

/* ---- Functionals ---------------------------------------------------------------------------------
 * An ik_functional is a convex f: R^n or C^n -> R u {+inf} on arrays of one shape and dtype, with
 * what a solver needs of it: value (+INFINITY off the domain), gradient, prox_{tau f}, the prox of
 * the convex conjugate prox_{sigma f*}, the conjugate's value f*(s) (+INFINITY off its domain:
 * duality gaps are made of it), the dual scale (the largest c in [0, 1] with f*(c s) finite: how
 * far a dual point must shrink to give a finite gap), and the gradient's Lipschitz constant and
 * strong-convexity modulus where known. ik_functional_capabilities says which of these an object
 * has; asking for one it lacks is IK_ERR_INVALID_ARGUMENT ("l1 norm has no gradient").
 *
 * Complex data is treated as the real vector of its interleaved parts (<a, b> = Re a^H b). Every
 * map accepts an output that is its input (the same memory).
 *
 * State and threads: a functional without IK_FUNCTIONAL_STATEFUL is immutable and may be used from
 * any number of threads at once. A stateful one (TV keeps its warm start; least squares,
 * translated and composed functionals keep work buffers sized at creation, so that applying
 * allocates nothing) serves one call at a time: a call that arrives while another is running
 * returns IK_ERR_INVALID_ARGUMENT ("in use by another call") instead of racing.
 * A functional made from others (scaled, translated, composed, separable sums) keeps its parts
 * alive; the caller may destroy its own handles right away. Shapes and dtypes at creation as for
 * operators. On error *out is left untouched and outputs are not written. */
typedef struct ik_functional ik_functional;

typedef enum ik_functional_capability {
    IK_FUNCTIONAL_VALUE = 1,            /* ik_functional_value */
    IK_FUNCTIONAL_GRADIENT = 2,         /* ik_functional_gradient */
    IK_FUNCTIONAL_PROX = 4,             /* ik_functional_prox */
    IK_FUNCTIONAL_PROX_CONJUGATE = 8,   /* ik_functional_prox_conjugate */
    IK_FUNCTIONAL_CONJUGATE_VALUE = 16, /* ik_functional_conjugate_value and _dual_scale */
    IK_FUNCTIONAL_LIPSCHITZ = 32,       /* a Lipschitz constant of the gradient is known */
    IK_FUNCTIONAL_STRONGLY_CONVEX = 64, /* a strong-convexity modulus > 0 is known */
    IK_FUNCTIONAL_STATEFUL = 128        /* one call at a time (see above) */
} ik_functional_capability;

/* f(x) = sum_i w_i |x_i| (modulus for complex data): soft thresholding keeps phases. weights: NULL
 * (all ones) or a real array of `shape` (finite, >= 0; converted to dtype's precision). */
IK_API int ik_functional_create_l1(ik_functional** out, int32_t ndim, const int64_t* shape, ik_dtype dtype,
                                   const ik_array* weights);

/* f(x) = 0.5 ||x||^2. */
IK_API int ik_functional_create_squared_l2(ik_functional** out, int32_t ndim, const int64_t* shape, ik_dtype dtype);

/* f(x) = sum over groups of ||x_g||_2, a group being the vector along `axis` (0 .. ndim-1) at each
 * position of the other axes (both parts of a complex element belong to its group). */
IK_API int ik_functional_create_group_l21(ik_functional** out, int32_t ndim, const int64_t* shape, ik_dtype dtype,
                                          int32_t axis);

/* The indicator of lower <= x_i <= upper on real data (lower <= upper, not NaN; infinite bounds
 * allowed). The prox is exact in the data's dtype (the bounds are rounded into the box). */
IK_API int ik_functional_create_box(ik_functional** out, int32_t ndim, const int64_t* shape, ik_dtype dtype,
                                    double lower, double upper);

/* The indicator of x >= 0 (real data). */
IK_API int ik_functional_create_nonnegative(ik_functional** out, int32_t ndim, const int64_t* shape, ik_dtype dtype);

/* The indicator of ||x - centre||_2 <= radius (finite, >= 0). The centre (finite, any strides,
 * copied) gives shape and dtype. The prox lands a few rounding units inside the ball. */
IK_API int ik_functional_create_l2_ball(ik_functional** out, const ik_array* centre, double radius);

/* The Kullback-Leibler divergence of Poisson counts y from a mean z + b:
 *     f(z) = sum_i (z_i + b_i) - y_i + y_i log(y_i / (z_i + b_i)),  0 log 0 = 0,
 * +INFINITY where z_i + b_i <= 0 with y_i > 0 or z_i + b_i < 0. counts: real, finite, >= 0; it gives
 * shape and dtype. background: NULL (zero) or counts' shape, finite, >= 0. Compose with a forward
 * model A >= 0 (ik_functional_create_composed) for KL(y, A x + b). */
IK_API int ik_functional_create_kl(ik_functional** out, const ik_array* counts, const ik_array* background);

/* f(x) = 0.5 sum_j w_j |(A x - y)_j|^2. data: NULL (y = 0) or A's output shape and dtype; weights:
 * NULL (all ones) or real, A's output shape, finite, >= 0, in A's precision. The prox is solved in
 * closed form through ik_linop_solve_normal when A has one and there are no weights, otherwise by
 * conjugate gradients (relative residual 1e-10 in double, 1e-5 in single). The gradient's
 * Lipschitz constant is ik_linop_norm_bound(A)^2 max w, computed at creation. Stateful. */
IK_API int ik_functional_create_least_squares(ik_functional** out, const ik_linop* op, const ik_array* data,
                                              const ik_array* weights);

/* Generalised Tikhonov f(x) = 0.5 ||L x||^2 (least squares with y = 0). */
IK_API int ik_functional_create_tikhonov(ik_functional** out, const ik_linop* op);

/* TV_w(x) + the indicator of options' box, for 2-D or 3-D real arrays. options: NULL or filled by
 * ik_tv_options_init; its norm, tolerance, max_iterations, threads, check_interval, lower, upper
 * and weights apply (lambda and warm_start are ignored: scale with ik_functional_create_scaled).
 * The prox is the TV denoiser with lambda = tau, warm-started from the previous prox;
 * ik_functional_tv_info reports its certificate. No conjugate value. Stateful.
 * (ik_tv_prox_* stays as it is: the stable form of the same solver.) */
IK_API int ik_functional_create_tv(ik_functional** out, int32_t ndim, const int64_t* shape, ik_dtype dtype,
                                   const ik_tv_options* options);

/* scale * f, scale finite and > 0. */
IK_API int ik_functional_create_scaled(ik_functional** out, const ik_functional* f, double scale);

/* g(x) = f(x - offset), offset of f's shape and dtype (finite, copied). Stateful. */
IK_API int ik_functional_create_translated(ik_functional** out, const ik_functional* f, const ik_array* offset);

/* g(x) = f(A x), A's output shape and dtype being f's. Value and gradient only (its prox has no
 * closed form: solvers take f and A separately). Stateful. */
IK_API int ik_functional_create_composed(ik_functional** out, const ik_functional* f, const ik_linop* op);

/* f(x_1, ..., x_k) = sum_i terms[i](x_i) on the flat concatenation of the terms' arguments (shape
 * (total elements,)), all terms of one dtype; count >= 1. It has the capabilities all terms share. */
IK_API int ik_functional_create_separable_sum(ik_functional** out, const ik_functional* const* terms, int32_t count);

/* The bit set of ik_functional_capability values. */
IK_API int ik_functional_capabilities(const ik_functional* f, uint32_t* capabilities);

/* The argument's shape and dtype (as ik_linop_input_shape). */
IK_API int ik_functional_shape(const ik_functional* f, int64_t* shape, int32_t* ndim, ik_dtype* dtype);

/* The gradient's Lipschitz constant (+INFINITY when unknown or not smooth) and the strong-convexity
 * modulus (0 when unknown). Either pointer may be NULL. */
IK_API int ik_functional_constants(const ik_functional* f, double* lipschitz, double* strong_convexity);

/* *value = f(x) (or f*(s)), evaluated with double accumulation in either precision; +INFINITY off
 * the domain. x: the functional's shape and dtype, any strides. */
IK_API int ik_functional_value(ik_functional* f, const ik_array* x, double* value);
IK_API int ik_functional_conjugate_value(ik_functional* f, const ik_array* s, double* value);

/* *scale = the largest c in [0, 1] with f*(c s) finite (kept a few rounding units inside the domain,
 * so that c s computed in s's precision is feasible). */
IK_API int ik_functional_dual_scale(ik_functional* f, const ik_array* s, double* scale);

/* g = grad f(x); x = prox_{tau f}(v); s = prox_{sigma f*}(v). Steps finite and > 0. Outputs: the
 * functional's shape and dtype, non-overlapping strides, may be the input's memory. */
IK_API int ik_functional_gradient(ik_functional* f, const ik_array* x, ik_array* g);
IK_API int ik_functional_prox(ik_functional* f, const ik_array* v, double tau, ik_array* x);
IK_API int ik_functional_prox_conjugate(ik_functional* f, const ik_array* v, double sigma, ik_array* s);

/* The statistics and certificate of the last prox of a TV functional (or of a scaled or translated
 * one around it); IK_ERR_INVALID_ARGUMENT for other functionals. */
IK_API int ik_functional_tv_info(const ik_functional* f, ik_tv_info* info);

/* The contract checks (see ik_functional_check). Each figure is a relative error, about the working
 * precision for a correct functional; NaN when the functional lacks what the check needs. */
typedef struct ik_functional_check_report {
    uint32_t struct_size;   /* sizeof(ik_functional_check_report); set by ik_functional_check_report_init */
    double moreau;          /* ||prox_{tau f}(v) + tau prox_{f* / tau}(v / tau) - v|| / ||v|| */
    double prox_optimality; /* largest violation of f(z) >= f(p) + <(v - p)/tau, z - p> at test points
                               z, p = prox_{tau f}(v) (p is the prox exactly when none is violated) */
    double fenchel_young;   /* |f(p) + f*(s) - <p, s>| at the prox pair p, s (relative) */
    double gradient;        /* central (or, on the domain's edge, one-sided) finite difference against
                               <grad f(x), step> */
} ik_functional_check_report;

/* Fills *report with NaN and sets struct_size. NULL is ignored. */
IK_API void ik_functional_check_report_init(ik_functional_check_report* report);
/* The same for a struct of struct_size bytes (rule 3). */
IK_API int ik_functional_check_report_init_v2(ik_functional_check_report* report, uint32_t struct_size);

/* Runs the checks at a random point v (entries in [-1, 1)) drawn with `seed`, with step tau (finite,
 * > 0). */
IK_API int ik_functional_check(ik_functional* f, uint64_t seed, double tau, ik_functional_check_report* report);

/* Releases the handle. NULL is a no-op. */
IK_API void ik_functional_destroy(ik_functional* f);

/* ---- Solvers -------------------------------------------------------------------------------------
 * ik_solve minimises
 *     P(x) = sum_i F_i(K_i x) + G(x)
 * over x, for functionals F_i (each reached through an operator K_i, NULL for the identity) and an
 * optional G, with one of three methods:
 *   IK_SOLVER_PRIMAL_DUAL         Chambolle-Pock: needs the conjugate prox of every F_i and the prox
 *                                 of G; steps tau sigma ||K||^2 < 1 from the operators' norm bounds
 *                                 (ik_linop_norm_bound), default tau = sigma = 0.99 / ||K||;
 *                                 over-relaxation; the accelerated schedule when G is strongly convex;
 *                                 or diagonal preconditioning (options.precondition).
 *   IK_SOLVER_PROXIMAL_GRADIENT   FISTA: needs the gradient of every F_i and the prox of G; step
 *                                 1 / L from the terms' Lipschitz constants, or backtracking;
 *                                 adaptive restart; options.ista runs plain ISTA. With G = lambda TV
 *                                 (ik_functional_create_tv, scaled) the certificate pairs the smooth
 *                                 terms' gradients with the TV prox's dual; it is finite when the
 *                                 TV functional has a box or options.solution_radius is set.
 *   IK_SOLVER_CONJUGATE_GRADIENT  for quadratic objectives (least squares, Tikhonov, squared norms
 *                                 and their scaled, translated, composed forms).
 *   IK_SOLVER_CGLS, IK_SOLVER_LSQR  for objectives whose every term (and G, if given) is a
 *                                 least-squares residual (c/2) ||M K x - b||_W^2: least squares,
 *                                 weighted least squares, Tikhonov, squared norms and their scaled,
 *                                 composed and (operator-free) translated forms. They apply K and
 *                                 K^H only, never K^H K, so they lose less to rounding than CG when K
 *                                 is ill-conditioned; LSQR (Paige-Saunders) is the steadier.
 *   IK_SOLVER_ADMM                scaled ADMM with penalty options.penalty: least-squares terms stay
 *                                 in the x-step, every other term (and G, unless least squares) is
 *                                 split off and needs its prox. The x-step is solved in closed form
 *                                 when one block's operator has a normal solve (ik_linop_solve_normal)
 *                                 and the others are the identity, by CG otherwise. When G is split,
 *                                 the x returned is its prox-side copy, inside G's domain.
 *
 * Certificate. At every check the solver evaluates P at its iterate and a lower bound D <= min P
 * from a dual point (the dual iterate, or the terms' gradients): D(y) = -sum_i F_i*(y_i) -
 * G*(-sum_i K_i^H y_i), with y made feasible first by the functionals' dual scales (an l1 or TV
 * ball, the Kullback-Leibler domain, the Lasso scaling). Under a G that is a box bounded below
 * (x >= 0), a least-squares or Kullback-Leibler term whose operator has K^H 1 > 0 (every pixel
 * seen, as in CT or deblurring) has its dual point moved until -sum K_i^H y_i <= 0, which makes
 * G* finite with no further help. Where G* stays infinite otherwise (no G),
 * options.solution_radius R, if the caller knows ||x*||_2 <= R for a minimiser, bounds G's part
 * over that ball instead. CG uses ||grad P||^2 / (2 mu) with mu the strong
 * convexity of the terms applied to x directly (CGLS and LSQR too, with the true gradient). info->gap = P(x) - (best D) then bounds
 * P(x) - min P (in float32 too: a rounding allowance is added); info->relative_gap = gap / D. The
 * run stops when relative_gap <= tolerance, or, while no certificate exists (gap infinite), when
 * ||x_k - x_{k-1}|| <= change_tolerance ||x_k||, or at max_iterations, or when the callback says so.
 * The x returned is the checked iterate with the lowest P. Identical inputs and thread counts give
 * identical results. Work space is allocated once per call; the iterations allocate nothing.
 * A NaN or infinity in an iterate ends the run with IK_ERR_NOT_FINITE (x untouched). */

typedef enum ik_solver_method {
    IK_SOLVER_PRIMAL_DUAL = 0,
    IK_SOLVER_PROXIMAL_GRADIENT = 1,
    IK_SOLVER_CONJUGATE_GRADIENT = 2,
    IK_SOLVER_CGLS = 3,
    IK_SOLVER_LSQR = 4,
    IK_SOLVER_ADMM = 5
} ik_solver_method;

typedef enum ik_stop_reason {
    IK_STOP_CONVERGED = 0,       /* relative_gap <= tolerance: certified */
    IK_STOP_MAX_ITERATIONS = 1,
    IK_STOP_RELATIVE_CHANGE = 2, /* no certificate; the iterate stopped moving */
    IK_STOP_CALLBACK = 3         /* the callback returned 1 */
} ik_stop_reason;

/* What the callback sees at each check. x is the current iterate (x's shape and dtype,
 * contiguous), valid only during the call. */
typedef struct ik_solver_progress {
    uint32_t struct_size; /* sizeof(ik_solver_progress) */
    int64_t iteration;
    double primal;        /* P at the current iterate */
    double dual;          /* the best lower bound so far (-INFINITY when none) */
    double gap;           /* best primal - best dual (+INFINITY when no certificate) */
    double relative_gap;
    double seconds;       /* since the call started */
    const ik_array* x;
} ik_solver_progress;

/* Returns 0 to continue, 1 to stop the run cleanly (it then returns its best iterate with
 * IK_STOP_CALLBACK), anything else to fail it with IK_ERR_CALLBACK (x untouched). */
typedef int (*ik_solver_callback)(void* user_data, const ik_solver_progress* progress);

typedef struct ik_solver_options {
    uint32_t struct_size;     /* sizeof(ik_solver_options); set by ik_solver_options_init */
    int32_t method;           /* ik_solver_method; default IK_SOLVER_PRIMAL_DUAL */
    double tolerance;         /* relative gap to stop at, finite, >= 0 (0: run max_iterations); 1e-4 */
    double change_tolerance;  /* relative change to stop at without a certificate, >= 0; 1e-6 */
    int64_t max_iterations;   /* >= 1; 1000 */
    int32_t check_interval;   /* iterations between checks, >= 1; 10 */
    int32_t warm_start;       /* nonzero: start from the x passed in (else from 0); 0 */
    double primal_step;       /* tau (primal-dual) or the fixed step (proximal gradient); 0: automatic.
                                 A step above the convergence bound is IK_ERR_INVALID_ARGUMENT. */
    double dual_step;         /* sigma (primal-dual); 0: automatic */
    double relaxation;        /* theta in [0, 1] (primal-dual); 1 */
    int32_t accelerate;       /* primal-dual: the accelerated schedule when G is strongly convex; 0 */
    int32_t ista;             /* proximal gradient: nonzero drops FISTA's momentum (ISTA); 0 */
    int32_t backtracking;     /* proximal gradient: find the step by backtracking; 0 (forced when a
                                 term has no Lipschitz constant) */
    int32_t restart;          /* proximal gradient: adaptive restart; 1 */
    double solution_radius;   /* R with ||x*||_2 <= R, for the certificate; 0 = unknown. The
                                 caller's promise: a wrong R gives a wrong certificate. */
    ik_solver_callback callback; /* NULL, or called at every check */
    void* callback_data;      /* passed to the callback */
    double penalty;           /* ADMM's rho > 0 (finite); 0: 1 */
    int32_t precondition;     /* primal-dual: nonzero takes diagonal steps from the operators' row
                                 and column sums of |K| (Pock-Chambolle, one sigma per term, tau
                                 per pixel when G is absent or a box) instead of ||K||; then
                                 primal_step, dual_step and accelerate must stay 0; 0 */
} ik_solver_options;

/* Fills *options with the defaults above. NULL is ignored. */
IK_API void ik_solver_options_init(ik_solver_options* options);
/* The same for a struct of struct_size bytes (rule 3). */
IK_API int ik_solver_options_init_v2(ik_solver_options* options, uint32_t struct_size);

typedef struct ik_solver_info {
    uint32_t struct_size; /* sizeof(ik_solver_info); set by ik_solver_info_init */
    int32_t stop_reason;  /* ik_stop_reason */
    int64_t iterations;
    double primal;        /* P(x) of the returned x */
    double dual;          /* the best lower bound on min P found (-INFINITY when none) */
    double gap;           /* primal - dual >= P(x) - min P (+INFINITY without a certificate) */
    double relative_gap;  /* gap / dual (+INFINITY when dual <= 0) */
    double seconds;
    double primal_step;   /* the last tau or step used */
    double dual_step;     /* the last sigma used (primal-dual) */
    double check_seconds; /* of `seconds`, those spent in checks (objective, certificate, callback) */
    double call_seconds;  /* primal-dual: those spent in operator applications and prox calls; the
                             rest is the solver's own vector work */
} ik_solver_info;

/* Fills *info with zeros and sets struct_size. NULL is ignored. */
IK_API void ik_solver_info_init(ik_solver_info* info);
/* The same for a struct of struct_size bytes (rule 3). */
IK_API int ik_solver_info_init_v2(ik_solver_info* info, uint32_t struct_size);

/* Minimises sum_i functionals[i](operators[i] x) + g(x). functionals: `count` (>= 0) handles;
 * operators: NULL (all identities) or `count` entries, each NULL (identity) or an operator from x's
 * shape and dtype to functionals[i]'s; g: NULL or a functional of x's shape and dtype. x: in/out,
 * non-overlapping strides (read when options->warm_start). info: NULL or filled by
 * ik_solver_info_init. The functionals are used from this call's thread only; a stateful one
 * shared with another running call is refused. Errors: IK_ERR_NULL_POINTER, IK_ERR_SHAPE (shapes
 * or dtypes that do not chain), IK_ERR_INVALID_ARGUMENT (a capability the method needs is
 * missing, a step above its bound, a bad option), IK_ERR_STRUCT_VERSION, IK_ERR_NOT_FINITE,
 * IK_ERR_CALLBACK, IK_ERR_OUT_OF_MEMORY; on error x and info are untouched. */
IK_API int ik_solve(const ik_functional* const* functionals, const ik_linop* const* operators, int32_t count,
                    const ik_functional* g, ik_array* x, const ik_solver_options* options, ik_solver_info* info);

#endif /* IK_EXPERIMENTAL_API */

#ifdef __cplusplus
}
#endif

#endif /* INVERSEKIT_H */
