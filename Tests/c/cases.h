/* The shared case lists of Tests/cases/ (the files the Swift and Python suites read too): one case
 * per line, "kind dtype shape [key=value ...]", '#' starting a comment. */
#ifndef IK_TESTS_CASES_H
#define IK_TESTS_CASES_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"

typedef struct test_case {
    char kind[32];
    ik_dtype dtype;
    int32_t ndim;
    int64_t shape[8];
    char params[256];
    int line;
} test_case;

static inline int64_t elements(const test_case* c) {
    int64_t n = 1;
    for (int i = 0; i < c->ndim; i++) n *= c->shape[i];
    return n;
}

static inline int components(ik_dtype d) { return d.code == IK_DTYPE_COMPLEX ? 2 : 1; }
static inline int is_single(ik_dtype d) { return d.bits == 32 || (d.code == IK_DTYPE_COMPLEX && d.bits == 64); }
static inline ik_dtype real_of(ik_dtype d) {
    ik_dtype r = {IK_DTYPE_FLOAT, (uint8_t)(is_single(d) ? 32 : 64), 1};
    return r;
}

/* "key=value" in the parameters, or NULL. */
static inline const char* param(const test_case* c, const char* key) {
    static char value[64];
    size_t k = strlen(key);
    const char* p = c->params;
    while ((p = strstr(p, key)) != NULL) {
        if ((p == c->params || p[-1] == ' ') && p[k] == '=') {
            size_t n = strcspn(p + k + 1, " \n");
            if (n >= sizeof value) n = sizeof value - 1;
            memcpy(value, p + k + 1, n);
            value[n] = 0;
            return value;
        }
        p += k;
    }
    return NULL;
}

static inline double number(const test_case* c, const char* key) {
    const char* v = param(c, key);
    if (v == NULL) return NAN;
    if (strcmp(v, "inf") == 0) return INFINITY;
    if (strcmp(v, "-inf") == 0) return -INFINITY;
    return strtod(v, NULL);
}

/* "5x4" into extents; returns the rank. */
static inline int32_t parse_extents(const char* text, int64_t* extents) {
    int32_t n = 0;
    char* p = (char*)text;
    while (*p && *p != ' ' && *p != '\n' && n < 8) {
        extents[n++] = strtoll(p, &p, 10);
        if (*p == 'x') p++;
    }
    return n;
}

static inline int parse_case(const char* line, int number, test_case* c) {
    char dtype[16], shape[64];
    int consumed = 0;
    memset(c, 0, sizeof *c);
    if (sscanf(line, "%31s %15s %63s %n", c->kind, dtype, shape, &consumed) != 3 || c->kind[0] == '#') return 0;
    snprintf(c->params, sizeof c->params, "%s", line + consumed);
    char* comment = strchr(c->params, '#');
    if (comment) *comment = 0;
    c->line = number;
    if (strcmp(dtype, "float32") == 0) c->dtype = (ik_dtype){IK_DTYPE_FLOAT, 32, 1};
    else if (strcmp(dtype, "float64") == 0) c->dtype = (ik_dtype){IK_DTYPE_FLOAT, 64, 1};
    else if (strcmp(dtype, "complex64") == 0) c->dtype = (ik_dtype){IK_DTYPE_COMPLEX, 64, 1};
    else c->dtype = (ik_dtype){IK_DTYPE_COMPLEX, 128, 1};
    c->ndim = parse_extents(shape, c->shape);
    return 1;
}

/* Runs `run` on every case of the file at `path` (relative to the repository root); returns the
 * number of cases. */
static inline int for_each_case(const char* path, void (*run)(const test_case*)) {
    FILE* file = fopen(path, "r");
    EXPECT(file != NULL);
    if (file == NULL) return 0;
    char line[512];
    int number = 0, cases = 0;
    while (fgets(line, sizeof line, file)) {
        test_case c;
        number++;
        if (parse_case(line, number, &c)) {
            run(&c);
            cases++;
        }
    }
    fclose(file);
    return cases;
}

#endif
