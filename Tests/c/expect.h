/* Expectation macros shared by the C tests; each test program ends with "N passed, N failed". */
#ifndef IK_TESTS_EXPECT_H
#define IK_TESTS_EXPECT_H

#include <stdio.h>
#include <string.h>

#include "inversekit.h"

static int passed = 0, failed = 0;

#define EXPECT(cond)                                                                        \
    do {                                                                                    \
        if (cond) {                                                                         \
            passed++;                                                                       \
        } else {                                                                            \
            failed++;                                                                       \
            fprintf(stderr, "%s:%d: expectation failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                                   \
    } while (0)

/* Expect a status and a message mentioning `needle`. */
#define EXPECT_ERROR(call, status, needle)                                                           \
    do {                                                                                             \
        int got_ = (call);                                                                           \
        const char* msg_ = ik_last_error_message();                                                  \
        if (got_ == (status) && strstr(msg_, (needle)) != NULL) {                                    \
            passed++;                                                                                \
        } else {                                                                                     \
            failed++;                                                                                \
            fprintf(stderr, "%s:%d: %s returned %d (%s) \"%s\", expected %d with \"%s\"\n", __FILE__, \
                    __LINE__, #call, got_, ik_status_string(got_), msg_, (int)(status), (needle));     \
        }                                                                                            \
    } while (0)

/* A real array descriptor (bits 32 or 64) over caller memory; strides NULL for C order. */
static inline ik_array make_array(void* data, int32_t ndim, int64_t* shape, int64_t* strides, int bits) {
    ik_array a = {data, {IK_DEVICE_CPU, 0}, ndim, {IK_DTYPE_FLOAT, (uint8_t)bits, 1}, shape, strides, 0};
    return a;
}

static inline int report(void) {
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

#endif
