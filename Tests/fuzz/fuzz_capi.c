/* Coverage-guided fuzzing of the C ABI (libFuzzer). Each input is a program: its bytes are decoded
 * into calls of every exported function, with array descriptors (rank, shapes, strides, dtypes,
 * byte offsets, devices), option and info structs, scalars and handle choices. The harness owns
 * every buffer it describes: a descriptor whose elements would fall outside its buffer is replaced
 * by one whose shape overflows (which the library must refuse), so any crash, hang or leak is the
 * library's. Build and run: see Tests/fuzz/README.md. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define IK_EXPERIMENTAL_API /* the functional and solver families too */
#include "inversekit.h"

enum { POOL = 4, ARENA = 1 << 14, SLOTS = 6, MAX_ELEMENTS = 4096 };

typedef struct {
    const uint8_t* data;
    size_t size;
    size_t at;
} reader;

static uint8_t u8(reader* r) { return r->at < r->size ? r->data[r->at++] : 0; }
static uint16_t u16(reader* r) { return (uint16_t)(u8(r) | (uint16_t)u8(r) << 8); }
static uint64_t u64(reader* r) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v |= (uint64_t)u8(r) << (8 * i);
    return v;
}

/* A double: mostly small values, sometimes special ones. */
static double scalar(reader* r) {
    uint8_t kind = u8(r);
    switch (kind % 16) {
    case 0: return NAN;
    case 1: return INFINITY;
    case 2: return -INFINITY;
    case 3: return 0.0;
    case 4: return -1.0;
    case 5: { uint64_t bits = u64(r); double d; memcpy(&d, &bits, 8); return d; }
    default: return ((double)u16(r) - 32768.0) / 4096.0;
    }
}

/* An integer that is usually small and sometimes extreme. */
static int64_t count(reader* r, int64_t small) {
    uint8_t kind = u8(r);
    switch (kind % 16) {
    case 0: return 0;
    case 1: return -1;
    case 2: return INT64_MAX;
    case 3: return INT64_MIN;
    case 4: return (int64_t)1 << 31;
    case 5: return (int64_t)1 << 40;
    default: return (int64_t)(u8(r) % (small + 1));
    }
}

/* Harness-owned memory: each slot an arena of ARENA bytes filled from the input. */
static _Alignas(64) uint8_t arenas[SLOTS][ARENA];

typedef struct {
    ik_array a;
    int64_t shape[IK_MAX_NDIM + 2];
    int64_t strides[IK_MAX_NDIM + 2];
} descriptor;

static ik_dtype dtype_of(reader* r) {
    static const ik_dtype table[] = {
        {IK_DTYPE_FLOAT, 32, 1}, {IK_DTYPE_FLOAT, 64, 1}, {IK_DTYPE_COMPLEX, 64, 1},
        {IK_DTYPE_COMPLEX, 128, 1}, {IK_DTYPE_FLOAT, 16, 1}, {0, 32, 1}, {IK_DTYPE_FLOAT, 64, 2},
    };
    uint8_t k = u8(r);
    return table[k % 8 < 7 ? k % 8 : 1];
}

static int element_bytes(ik_dtype d) { return d.bits / 8 > 0 ? d.bits / 8 : 1; }

/* Whether every element of `a` lies inside arena `slot`; the span uses int128 arithmetic so that
 * nothing wraps. */
static int fits(const descriptor* d, int slot) {
    const ik_array* a = &d->a;
    if (a->ndim < 0 || a->ndim > IK_MAX_NDIM) return 1; /* refused before any access */
    __int128 elements = 1, low = 0, high = 0;
    for (int i = 0; i < a->ndim; i++) {
        if (a->shape[i] < 0) return 1;
        elements *= a->shape[i];
        if (elements > ((__int128)1 << 62)) return 1; /* overflows: refused */
    }
    if (elements == 0) return 1;
    int size = element_bytes(a->dtype);
    for (int i = 0; i < a->ndim; i++) {
        __int128 step = a->strides ? a->strides[i] : 0;
        if (!a->strides) {
            step = 1;
            for (int j = i + 1; j < a->ndim; j++) step *= a->shape[j];
        }
        __int128 reach = step * (a->shape[i] - 1) * size;
        if (reach < 0) low += reach; else high += reach;
    }
    __int128 origin = (uint8_t*)a->data + a->byte_offset - arenas[slot];
    return origin + low >= 0 && origin + high + size <= ARENA;
}

/* Decodes a descriptor over arena `slot`. */
static void decode_array(reader* r, descriptor* d, int slot) {
    memset(d, 0, sizeof *d);
    ik_array* a = &d->a;
    uint8_t rank = u8(r);
    a->ndim = rank % 16 < 12 ? 1 + rank % 3 : (int32_t)(rank % 12) - 1; /* mostly 1-3, sometimes -1..10 */
    for (int i = 0; i < IK_MAX_NDIM + 2; i++) d->shape[i] = 1 + u8(r) % 12;
    if (u8(r) % 8 == 0) d->shape[u8(r) % (IK_MAX_NDIM + 2)] = count(r, 20);
    a->shape = u8(r) % 32 == 0 ? NULL : d->shape;
    if (u8(r) % 4 == 0) {
        for (int i = 0; i < IK_MAX_NDIM + 2; i++) d->strides[i] = (int64_t)(u8(r) % 9) - 3;
        a->strides = d->strides;
    }
    a->dtype = dtype_of(r);
    a->device.device_type = u8(r) % 16 == 0 ? 2 : IK_DEVICE_CPU;
    a->device.device_id = u8(r) % 32 == 0 ? 1 : 0;
    a->byte_offset = u8(r) % 8 == 0 ? u8(r) % 9 : 0;
    a->data = u8(r) % 32 == 0 ? NULL : arenas[slot] + ARENA / 2 - (u8(r) % 4) * 512;
    if (a->data && a->shape && !fits(d, slot)) {
        /* Out of the harness's memory: make the shape overflow instead. */
        a->ndim = 2;
        d->shape[0] = INT64_MAX / 2;
        d->shape[1] = 4;
        a->strides = NULL;
    }
}

static void fill_arenas(reader* r) {
    for (int s = 0; s < SLOTS; s++) {
        uint8_t mode = u8(r);
        if (mode % 4 == 0) {
            /* Small doubles and floats with occasional non-finite values. */
            double* d = (double*)arenas[s];
            for (int i = 0; i < ARENA / 8; i++) d[i] = (double)((i * 2654435761u + mode) % 1000) / 500.0 - 0.5;
            if (mode & 16) d[u8(r) % (ARENA / 8)] = NAN;
        } else if (mode % 4 == 1) {
            float* f = (float*)arenas[s];
            for (int i = 0; i < ARENA / 4; i++) f[i] = (float)((i * 40503u + mode) % 1000) / 500.0f - 0.5f;
        } else if (mode % 4 == 2) {
            memset(arenas[s], 0, ARENA);
            double* d = (double*)arenas[s];
            for (int i = 0; i < ARENA / 8; i += 1 + mode % 7) d[i] = 1.0; /* 0/1 masks */
        } else {
            for (int i = 0; i < ARENA; i++) arenas[s][i] = u8(r);
        }
    }
}

static int callback_apply(void* user, const ik_array* in, ik_array* out) {
    (void)in;
    int64_t n = 1;
    for (int i = 0; i < out->ndim; i++) n *= out->shape[i];
    memset(out->data, 0, (size_t)(n * (out->dtype.bits / 8)));
    return user != NULL && ((uintptr_t)user & 1); /* odd user data: the callback fails */
}

static void release(void* user) { (void)user; }

static int callback_normal_solve(void* user, double rho, const ik_array* b, ik_array* x) {
    (void)rho;
    (void)b;
    return callback_apply(user, b, x);
}

static ik_tv_options decode_options(reader* r, descriptor* weights) {
    ik_tv_options o;
    ik_tv_options_init(&o);
    uint8_t flags = u8(r);
    if (flags & 1) o.struct_size = (uint32_t)u8(r);
    o.norm = flags & 2 ? (int32_t)(u8(r) % 4) - 1 : o.norm;
    o.lambda = flags & 4 ? scalar(r) : 0.1;
    o.tolerance = flags & 8 ? scalar(r) : 1e-3;
    o.max_iterations = 1 + u8(r) % 40;
    if (flags & 16) o.max_iterations = count(r, 40);
    o.threads = (int32_t)(u8(r) % 4) - (flags & 32 ? 1 : 0);
    o.check_interval = 1 + u8(r) % 5;
    if (flags & 64) { o.lower = scalar(r); o.upper = scalar(r); }
    if (flags & 128) { decode_array(r, weights, 5); o.weights = &weights->a; }
    o.warm_start = u8(r) % 3 == 0;
    if (o.max_iterations > 200 || o.max_iterations < -1) o.max_iterations = 200; /* bounded time */
    return o;
}

/* Whether an array may be passed: its element count is small (so that every input runs fast), or
 * its shape is invalid (a negative extent, or a product that overflows 64 bits), which the library
 * must refuse before touching anything. A valid large array is a legitimate request for a lot of
 * work, not a finding. */
static int small(const descriptor* d) {
    if (!d->a.shape || d->a.ndim < 0 || d->a.ndim > IK_MAX_NDIM) return 1;
    __int128 n = 1;
    for (int i = 0; i < d->a.ndim; i++) {
        if (d->a.shape[i] < 0) return 1;
        if (n <= ((__int128)1 << 64)) n *= d->a.shape[i];
    }
    return n <= MAX_ELEMENTS || n >= ((__int128)1 << 63);
}

/* A shape for a create function: valid and small (at most MAX_ELEMENTS elements), or invalid (a
 * zero or negative extent, or a product that overflows), never valid and large: a large operator
 * costs time and memory in every later call without finding anything new. */
static int64_t extents[IK_MAX_NDIM + 2];
static int32_t decode_shape(reader* r) {
    int32_t nd = (int32_t)(u8(r) % 5);
    for (int i = 0; i < IK_MAX_NDIM + 2; i++) extents[i] = u8(r) % 10 == 0 ? count(r, 16) : 1 + u8(r) % 16;
    __int128 n = 1;
    int invalid = 0;
    for (int i = 0; i < nd; i++) {
        if (extents[i] <= 0) invalid = 1;
        else if (n <= ((__int128)1 << 64)) n *= extents[i];
    }
    if (!invalid && n > MAX_ELEMENTS && n < ((__int128)1 << 63))
        for (int i = 0; i < nd; i++) extents[i] = 1 + extents[i] % 8;
    return nd;
}

/* Elements of an operator's input plus output (0 for a NULL or foreign handle). */
/* Elements of a functional's argument (INT64_MAX when unknown or huge). */
static int64_t functional_size(const ik_functional* f) {
    int64_t shape[IK_MAX_NDIM];
    int32_t nd = 0;
    ik_dtype dt;
    if (ik_functional_shape(f, shape, &nd, &dt) != IK_OK) return INT64_MAX;
    __int128 n = 1;
    for (int i = 0; i < nd; i++) n *= shape[i];
    return n > ((__int128)1 << 40) ? INT64_MAX : (int64_t)n;
}

static ik_solver_options decode_solver_options(reader* r) {
    ik_solver_options o;
    ik_solver_options_init(&o);
    if (u8(r) % 8 == 0) o.struct_size = (uint32_t)u8(r);
    /* An earlier header's layout, or a size the library does not know (then nothing is written). */
    if (u8(r) % 4 == 0)
        ik_solver_options_init_v2(&o, u8(r) % 2 ? (uint32_t)offsetof(ik_solver_options, precondition) : (uint32_t)u8(r));
    o.method = (int32_t)(u8(r) % 7) - 1;
    o.tolerance = u8(r) % 2 ? scalar(r) : 1e-3;
    o.change_tolerance = u8(r) % 2 ? scalar(r) : 1e-4;
    o.max_iterations = (int64_t)(u8(r) % 40) - 1; /* small: a run costs time only */
    o.check_interval = (int32_t)(u8(r) % 12) - 1;
    o.warm_start = u8(r) % 2;
    o.primal_step = u8(r) % 3 ? 0 : scalar(r);
    o.dual_step = u8(r) % 3 ? 0 : scalar(r);
    o.relaxation = u8(r) % 4 ? 1 : scalar(r);
    o.accelerate = u8(r) % 2;
    o.ista = u8(r) % 2;
    o.backtracking = u8(r) % 2;
    o.solution_radius = u8(r) % 4 ? 0 : scalar(r);
    o.penalty = u8(r) % 4 ? 0 : scalar(r);
    o.precondition = u8(r) % 3 == 0;
    return o;
}

static int64_t operator_size(const ik_linop* op) {
    int64_t shape[IK_MAX_NDIM];
    int32_t nd = 0;
    ik_dtype dt;
    int64_t total = 0;
    for (int side = 0; side < 2; side++) {
        int status = side ? ik_linop_output_shape(op, shape, &nd, &dt) : ik_linop_input_shape(op, shape, &nd, &dt);
        if (status != IK_OK) return 0;
        __int128 n = 1;
        for (int i = 0; i < nd; i++) n *= shape[i];
        if (n > ((__int128)1 << 40)) return INT64_MAX;
        total += (int64_t)n;
    }
    return total;
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    reader r = {data, size, 0};
    fill_arenas(&r);
    ik_linop* ops[POOL] = {NULL, NULL, NULL, NULL};
    ik_tv_prox* prox = NULL;
    ik_functional* funcs[POOL] = {NULL, NULL, NULL, NULL};
    descriptor a, b, c;
    int steps = 0, combinations = 0; /* combinators nest: at most 3 per input keeps the work bounded */
    while (r.at < r.size && steps++ < 24) {
        uint8_t call = u8(&r);
        ik_linop** slot = &ops[u8(&r) % POOL];
        const ik_linop* any = ops[u8(&r) % POOL];
        ik_functional** fslot = &funcs[u8(&r) % POOL];
        ik_functional* f = funcs[u8(&r) % POOL];
        ik_linop* made = NULL;
        ik_functional* fmade = NULL;
        if (((call % 36 >= 9 && call % 36 <= 14) || call % 36 == 30) && ++combinations > 3) continue;
        switch (call % 36) {
        case 0: { int32_t nd = decode_shape(&r); ik_linop_create_identity(&made, nd, extents, dtype_of(&r)); break; }
        case 1: { int32_t nd = decode_shape(&r); ik_linop_create_scaling(&made, nd, extents, dtype_of(&r), scalar(&r)); break; }
        case 2: decode_array(&r, &a, 0); if (small(&a)) ik_linop_create_diagonal(&made, &a.a, dtype_of(&r)); break;
        case 3: decode_array(&r, &a, 2); if (small(&a)) ik_linop_create_mask(&made, &a.a, dtype_of(&r)); break;
        case 4: { int32_t nd = decode_shape(&r); ik_linop_create_gradient(&made, nd, extents, dtype_of(&r)); break; }
        case 5: { int32_t nd = decode_shape(&r); ik_linop_create_divergence(&made, nd, extents, dtype_of(&r)); break; }
        case 6: decode_array(&r, &a, 0); if (small(&a)) ik_linop_create_matrix(&made, &a.a); break;
        case 7: {
            /* CSR with index arrays in arena 4 (rows bounded so that indptr fits). */
            int64_t rows = 1 + u8(&r) % 16, columns = count(&r, 16);
            int64_t* idx = (int64_t*)arenas[4];
            int64_t nnz = u8(&r) % 24;
            idx[0] = 0;
            for (int i = 1; i <= rows; i++) idx[i] = u8(&r) % 3 == 0 ? (int64_t)(u8(&r) % 30) - 2 : nnz * i / rows;
            int64_t* cols = idx + 64;
            for (int i = 0; i < 200; i++) cols[i] = (int64_t)(u8(&r) % 20) - 2;
            decode_array(&r, &a, 0);
            if (small(&a)) ik_linop_create_csr(&made, rows, columns, u8(&r) % 16 ? idx : NULL, cols, &a.a);
            break;
        }
        case 8: {
            int32_t nd = decode_shape(&r);
            int64_t copy[IK_MAX_NDIM + 2];
            memcpy(copy, extents, sizeof copy);
            int32_t nd2 = decode_shape(&r);
            uintptr_t user = u8(&r) % 3;
            if (u8(&r) % 2) {
                ik_linop_create_callback(&made, nd, copy, dtype_of(&r), nd2, extents, dtype_of(&r),
                                         u8(&r) % 16 ? callback_apply : NULL, callback_apply, (void*)user,
                                         u8(&r) % 2 ? release : NULL);
                break;
            }
            /* The versioned struct: wrong sizes, missing functions, extreme norm bounds. */
            ik_linop_callbacks callbacks = {sizeof callbacks, (void*)user, u8(&r) % 16 ? callback_apply : NULL,
                                            u8(&r) % 16 ? callback_apply : NULL, u8(&r) % 2 ? release : NULL,
                                            u8(&r) % 2 ? callback_normal_solve : NULL, u8(&r) % 2 ? scalar(&r) : 0};
            if (u8(&r) % 8 == 0) callbacks.struct_size = (uint32_t)u8(&r);
            ik_linop_create_from_callbacks(&made, nd, copy, dtype_of(&r), nd2, extents, dtype_of(&r),
                                           u8(&r) % 16 ? &callbacks : NULL);
            break;
        }
        case 9: ik_linop_create_product(&made, any, ops[u8(&r) % POOL]); break;
        case 10: { const ik_linop* list[3] = {any, ops[u8(&r) % POOL], ops[u8(&r) % POOL]};
                   ik_linop_create_sum(&made, list, (int32_t)(u8(&r) % 5) - 1); break; }
        case 11: { const ik_linop* list[3] = {any, ops[u8(&r) % POOL], ops[u8(&r) % POOL]};
                   ik_linop_create_stack(&made, list, (int32_t)(u8(&r) % 5) - 1); break; }
        case 12: { const ik_linop* list[3] = {any, ops[u8(&r) % POOL], ops[u8(&r) % POOL]};
                   ik_linop_create_block_diagonal(&made, list, (int32_t)(u8(&r) % 5) - 1); break; }
        case 13: ik_linop_create_adjoint(&made, any); break;
        case 14: ik_linop_create_normal(&made, any); break;
        case 15: { int32_t nd = decode_shape(&r); decode_array(&r, &a, 1);
                   if (small(&a)) ik_linop_create_convolution(&made, nd, extents, &a.a, (int32_t)(u8(&r) % 5) - 1); break; }
        case 16: { int32_t nd = decode_shape(&r); decode_array(&r, &a, 2); decode_array(&r, &b, 3);
                   if (small(&a) && small(&b))
                       ik_linop_create_fourier(&made, nd, extents, dtype_of(&r), u8(&r) % 2 ? &a.a : NULL,
                                               u8(&r) % 2 ? &b.a : NULL, u8(&r) % 2);
                   break; }
        case 17: { int64_t angles = count(&r, 12);
                   if (angles > 64) angles = angles > 0 ? -angles : angles; /* within arena 0 or refused */
                   int64_t rows = count(&r, 24), columns = count(&r, 24), detectors = count(&r, 24), slices = count(&r, 3);
                   if (rows > 64 && rows < INT64_MAX) rows = 64; /* large valid sizes cost time only */
                   if (columns > 64 && columns < INT64_MAX) columns = 64;
                   if (detectors > 64 && detectors < INT64_MAX) detectors = 64;
                   if (slices > 4 && slices < INT64_MAX) slices = 4;
                   ik_linop_create_radon(&made, rows, columns, (const double*)arenas[0], angles, detectors, scalar(&r),
                                         slices, dtype_of(&r), (int32_t)(u8(&r) % 4) - 1);
                   break; }
        case 18: { int32_t nd = decode_shape(&r); decode_array(&r, &a, 1);
                   if (small(&a)) ik_linop_create_super_resolution(&made, nd, extents, &a.a, (int32_t)count(&r, 4)); break; }
        case 19: case 20: case 21: {
            decode_array(&r, &a, 0);
            decode_array(&r, &b, u8(&r) % 2 ? 0 : 1);
            if (small(&a) && small(&b)) {
                if (call % 36 == 19) ik_linop_apply(any, &a.a, &b.a);
                else if (call % 36 == 20) ik_linop_apply_adjoint(any, &a.a, &b.a);
                else ik_linop_solve_normal(any, scalar(&r), &a.a, &b.a);
            }
            break;
        }
        case 22: {
            double value = 0;
            int64_t shape[IK_MAX_NDIM];
            int32_t nd;
            ik_dtype dt;
            ik_linop_has_normal_solve(any);
            ik_linop_input_shape(any, u8(&r) % 8 ? shape : NULL, &nd, &dt);
            ik_linop_output_shape(any, shape, u8(&r) % 8 ? &nd : NULL, &dt);
            if (operator_size(any) <= 8 * MAX_ELEMENTS) {
                ik_linop_norm(any, u64(&r), scalar(&r), (int64_t)(u8(&r) % 12) - 1, u8(&r) % 8 ? &value : NULL);
                ik_linop_adjoint_test(any, u64(&r), u8(&r) % 8 ? &value : NULL);
            }
            break;
        }
        case 23: case 24: {
            decode_array(&r, &a, 0);
            decode_array(&r, &b, u8(&r) % 4 ? 1 : 0);
            decode_array(&r, &c, 3);
            ik_tv_options o = decode_options(&r, &c);
            descriptor dual;
            decode_array(&r, &dual, 4);
            ik_tv_info info;
            ik_tv_info_init(&info);
            if (u8(&r) % 8 == 0) info.struct_size = 3;
            if (small(&a) && small(&b) && small(&dual) && small(&c))
                ik_tv_denoise(&a.a, &b.a, u8(&r) % 2 ? &dual.a : NULL, u8(&r) % 8 ? &o : NULL,
                              u8(&r) % 4 ? &info : NULL);
            break;
        }
        case 25: {
            decode_array(&r, &a, 0);
            decode_array(&r, &b, 1);
            double value;
            int64_t out_shape[4];
            int32_t nd;
            if (small(&a) && small(&b)) {
                ik_tv_value(&a.a, (int32_t)(u8(&r) % 3), u8(&r) % 2 ? &b.a : NULL, &value);
                ik_tv_dual_shape(&a.a, out_shape, &nd);
            }
            break;
        }
        case 26: {
            decode_array(&r, &c, 3);
            ik_tv_options o = decode_options(&r, &c);
            int32_t nd = decode_shape(&r);
            ik_tv_prox_destroy(prox);
            prox = NULL;
            if (small(&c)) {
                int64_t n = 1;
                for (int i = 0; i < nd && i < 3; i++) n *= extents[i] > 0 && extents[i] < 64 ? extents[i] : 64;
                if (n <= MAX_ELEMENTS) ik_tv_prox_create(&prox, nd, extents, dtype_of(&r), u8(&r) % 4 ? &o : NULL);
            }
            break;
        }
        case 27: {
            decode_array(&r, &a, 0);
            decode_array(&r, &b, u8(&r) % 4 ? 1 : 0);
            ik_tv_info info;
            ik_tv_info_init(&info);
            if (small(&a) && small(&b)) ik_tv_prox_apply(prox, &a.a, scalar(&r), &b.a, u8(&r) % 2 ? &info : NULL);
            if (u8(&r) % 4 == 0) ik_tv_prox_reset(prox);
            break;
        }
        case 28: {
            decode_array(&r, &a, 0);
            decode_array(&r, &b, 1);
            int64_t angles = count(&r, 12);
            if (angles > 64) angles = -1;
            if (small(&a) && small(&b))
                ik_fbp(&a.a, u8(&r) % 8 ? (const double*)arenas[2] : NULL, angles, scalar(&r),
                       (int32_t)(u8(&r) % 7) - 1, u8(&r) % 2, &b.a);
            break;
        }
        case 29: { /* the functionals' create functions */
            int32_t nd = decode_shape(&r);
            ik_dtype dt = dtype_of(&r);
            decode_array(&r, &a, 2);
            decode_array(&r, &b, 3);
            int arrays = small(&a) && small(&b);
            int64_t n = 1;
            for (int i = 0; i < nd && i < IK_MAX_NDIM; i++) n *= extents[i] > 0 && extents[i] < 64 ? extents[i] : 64;
            switch (u8(&r) % 9) {
            case 0: if (arrays) ik_functional_create_l1(&fmade, nd, extents, dt, u8(&r) % 2 ? &a.a : NULL); break;
            case 1: ik_functional_create_squared_l2(&fmade, nd, extents, dt); break;
            case 2: ik_functional_create_group_l21(&fmade, nd, extents, dt, (int32_t)(u8(&r) % 6) - 1); break;
            case 3: ik_functional_create_box(&fmade, nd, extents, dt, scalar(&r), scalar(&r)); break;
            case 4: ik_functional_create_nonnegative(&fmade, nd, extents, dt); break;
            case 5: if (arrays) ik_functional_create_l2_ball(&fmade, &a.a, scalar(&r)); break;
            case 6: if (arrays) ik_functional_create_kl(&fmade, &a.a, u8(&r) % 2 ? &b.a : NULL); break;
            case 7: {
                decode_array(&r, &c, 4);
                ik_tv_options o = decode_options(&r, &c);
                if (small(&c) && n <= MAX_ELEMENTS) ik_functional_create_tv(&fmade, nd, extents, dt, u8(&r) % 4 ? &o : NULL);
                break;
            }
            default: ik_functional_create_scaled(&fmade, f, scalar(&r)); break;
            }
            break;
        }
        case 30: { /* functionals made from others and from operators */
            decode_array(&r, &a, 2);
            const ik_functional* list[3] = {f, funcs[u8(&r) % POOL], funcs[u8(&r) % POOL]};
            switch (u8(&r) % 5) {
            case 0: if (small(&a)) ik_functional_create_translated(&fmade, f, &a.a); break;
            case 1: if (operator_size(any) <= 8 * MAX_ELEMENTS) ik_functional_create_composed(&fmade, f, any); break;
            case 2:
                decode_array(&r, &b, 3);
                if (small(&a) && small(&b) && operator_size(any) <= 8 * MAX_ELEMENTS)
                    ik_functional_create_least_squares(&fmade, any, u8(&r) % 2 ? &a.a : NULL, u8(&r) % 2 ? &b.a : NULL);
                break;
            case 3: if (operator_size(any) <= 8 * MAX_ELEMENTS) ik_functional_create_tikhonov(&fmade, any); break;
            default: ik_functional_create_separable_sum(&fmade, u8(&r) % 8 ? list : NULL, (int32_t)(u8(&r) % 5) - 1); break;
            }
            break;
        }
        case 31: { /* values */
            decode_array(&r, &a, 0);
            double value = 0;
            uint32_t caps;
            if (small(&a)) {
                ik_functional_value(f, &a.a, u8(&r) % 8 ? &value : NULL);
                ik_functional_conjugate_value(f, &a.a, &value);
                ik_functional_dual_scale(f, &a.a, &value);
            }
            ik_functional_capabilities(f, u8(&r) % 8 ? &caps : NULL);
            ik_functional_constants(f, u8(&r) % 2 ? &value : NULL, u8(&r) % 2 ? &value : NULL);
            break;
        }
        case 32: { /* maps */
            decode_array(&r, &a, 0);
            decode_array(&r, &b, u8(&r) % 2 ? 0 : 1);
            if (small(&a) && small(&b)) {
                uint8_t which = u8(&r) % 3;
                if (which == 0) ik_functional_gradient(f, &a.a, &b.a);
                else if (which == 1) ik_functional_prox(f, &a.a, scalar(&r), &b.a);
                else ik_functional_prox_conjugate(f, &a.a, scalar(&r), &b.a);
            }
            break;
        }
        case 33: { /* checks and queries */
            ik_functional_check_report report;
            ik_functional_check_report_init(&report);
            if (u8(&r) % 8 == 0) report.struct_size = 5;
            if (u8(&r) % 8 == 0) ik_functional_check_report_init_v2(&report, (uint32_t)u8(&r));
            if (functional_size(f) <= MAX_ELEMENTS)
                ik_functional_check(f, u64(&r), scalar(&r), u8(&r) % 8 ? &report : NULL);
            ik_tv_info info;
            ik_tv_info_init(&info);
            ik_functional_tv_info(f, u8(&r) % 4 ? &info : NULL);
            int64_t shape[IK_MAX_NDIM];
            int32_t nd;
            ik_dtype dt;
            ik_functional_shape(f, u8(&r) % 8 ? shape : NULL, &nd, &dt);
            break;
        }
        case 34: { /* the solver */
            decode_array(&r, &a, 1);
            ik_solver_options o = decode_solver_options(&r);
            ik_solver_info info;
            ik_solver_info_init(&info);
            if (u8(&r) % 8 == 0) info.struct_size = 7;
            if (u8(&r) % 4 == 0)
                ik_solver_info_init_v2(&info, u8(&r) % 2 ? (uint32_t)offsetof(ik_solver_info, check_seconds) : (uint32_t)u8(&r));
            int32_t count = (int32_t)(u8(&r) % 4) - 1;
            const ik_functional* list[2] = {f, funcs[u8(&r) % POOL]};
            const ik_linop* maps[2] = {u8(&r) % 2 ? any : NULL, u8(&r) % 2 ? ops[u8(&r) % POOL] : NULL};
            const ik_functional* g = u8(&r) % 2 ? funcs[u8(&r) % POOL] : NULL;
            int bounded = functional_size(list[0]) <= MAX_ELEMENTS && functional_size(list[1]) <= MAX_ELEMENTS
                          && operator_size(any) <= 8 * MAX_ELEMENTS;
            if (small(&a) && bounded)
                ik_solve(u8(&r) % 8 ? list : NULL, u8(&r) % 2 ? maps : NULL, count, g, &a.a, u8(&r) % 8 ? &o : NULL,
                         u8(&r) % 4 ? &info : NULL);
            break;
        }
        default: {
            /* Handles of the wrong kind, destroy, and the version and status functions. */
            double value;
            ik_linop_norm((const ik_linop*)prox, 1, 1e-3, 3, &value);
            ik_tv_prox_apply((ik_tv_prox*)any, NULL, 0.1, NULL, NULL);
            ik_functional_value((ik_functional*)any, NULL, &value);
            ik_linop_destroy((ik_linop*)f); /* of another kind: ignored */
            ik_linop_destroy(*slot);
            *slot = NULL;
            ik_functional_destroy(*fslot);
            *fslot = NULL;
            (void)ik_status_string((int)(int8_t)u8(&r));
            (void)ik_last_error_message();
            (void)ik_version_string();
            (void)ik_version_number();
            (void)ik_abi_version();
            break;
        }
        }
        if (made) {
            ik_linop_destroy(*slot);
            *slot = made;
        }
        if (fmade) {
            ik_functional_destroy(*fslot);
            *fslot = fmade;
        }
    }
    for (int i = 0; i < POOL; i++) ik_linop_destroy(ops[i]);
    for (int i = 0; i < POOL; i++) ik_functional_destroy(funcs[i]);
    ik_tv_prox_destroy(prox);
    return 0;
}
