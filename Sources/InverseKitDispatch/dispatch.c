/* libinversekit.so: the library programs link. It holds no computation: each function of
 * inversekit.h forwards to the compute library built for the widest instruction-set level that the
 * running processor supports (libinversekit_core_<level>.so, installed beside this file), loaded on
 * the first call. This file is compiled for the x86-64 baseline, so nothing here can execute an
 * instruction the processor lacks. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IK_EXPERIMENTAL_API /* the dispatch library forwards the whole header */
#include "inversekit.h"
#include "forwarded_functions.h"

enum level { LEVEL_SSE2, LEVEL_AVX2, LEVEL_AVX512 };
static const char* const level_names[] = {"sse2", "avx2", "avx512"};

/* Every forwarded function's address in the loaded compute library. */
#define IK_POINTER(name) __typeof__(&name) name;
static struct {
    IK_FORWARDED_FUNCTIONS(IK_POINTER)
} backend;
#undef IK_POINTER

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded = 0;
static const char* active_level = NULL;
static char failure[1024] = "";

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/* The extended control register: which register states the operating system saves. */
static unsigned long long xgetbv0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

/* The widest level whose instructions the processor has and whose registers the OS saves. */
static enum level detect_level(void) {
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return LEVEL_SSE2;
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    if (!osxsave || !avx || !fma) return LEVEL_SSE2;
    unsigned long long xcr0 = xgetbv0();
    if ((xcr0 & 0x6) != 0x6) return LEVEL_SSE2; /* XMM and YMM state */
    if (__get_cpuid_max(0, NULL) < 7) return LEVEL_SSE2;
    __cpuid_count(7, 0, a, b, c, d);
    int avx2 = (b >> 5) & 1;
    if (!avx2) return LEVEL_SSE2;
    int avx512 = ((b >> 16) & 1) && ((b >> 17) & 1) && ((b >> 28) & 1) && ((b >> 30) & 1) && ((b >> 31) & 1);
    if (avx512 && (xcr0 & 0xE6) == 0xE6) return LEVEL_AVX512; /* opmask, ZMM upper halves, ZMM16-31 */
    return LEVEL_AVX2;
}
#else
static enum level detect_level(void) { return LEVEL_SSE2; }
#endif

/* The directory this library was loaded from, with a trailing slash ("" if unknown). */
static void own_directory(char* out, size_t size) {
    Dl_info info;
    out[0] = 0;
    if (dladdr((void*)&detect_level, &info) && info.dli_fname) {
        const char* slash = strrchr(info.dli_fname, '/');
        if (slash && (size_t)(slash - info.dli_fname + 1) < size) {
            memcpy(out, info.dli_fname, (size_t)(slash - info.dli_fname + 1));
            out[slash - info.dli_fname + 1] = 0;
        }
    }
}

static void load(void) {
    enum level best = detect_level(), wanted = best;
    const char* requested = getenv("INVERSEKIT_ISA");
    if (requested && *requested) {
        int found = -1;
        for (int i = 0; i < 3; i++)
            if (strcmp(requested, level_names[i]) == 0) found = i;
        if (found < 0) {
            snprintf(failure, sizeof failure,
                     "INVERSEKIT_ISA=%s is not an instruction-set level; use sse2, avx2 or avx512", requested);
            return;
        }
        wanted = (enum level)found < best ? (enum level)found : best;
    }
    char directory[4096];
    own_directory(directory, sizeof directory);
    char path[4200];
    snprintf(path, sizeof path, "%slibinversekit_core_%s.so", directory, level_names[wanted]);
    void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* why = dlerror();
        snprintf(failure, sizeof failure, "Could not load the %s compute library %s: %s", level_names[wanted], path,
                 why ? why : "unknown error");
        return;
    }
#define IK_RESOLVE(name)                                                                              \
    backend.name = (__typeof__(&name))dlsym(handle, #name);                                           \
    if (!backend.name) {                                                                              \
        snprintf(failure, sizeof failure, "The compute library %s lacks %s: it does not match this "  \
                 "libinversekit.so", path, #name);                                                    \
        return;                                                                                       \
    }
    IK_FORWARDED_FUNCTIONS(IK_RESOLVE)
#undef IK_RESOLVE
    if (backend.ik_abi_version() != IK_ABI_VERSION || backend.ik_version_number() != IK_VERSION_NUMBER) {
        snprintf(failure, sizeof failure, "The compute library %s has version %s (ABI %d); this "
                 "libinversekit.so needs %d.%d.%d (ABI %d)", path, backend.ik_version_string(),
                 backend.ik_abi_version(), IK_VERSION_MAJOR, IK_VERSION_MINOR, IK_VERSION_PATCH, IK_ABI_VERSION);
        return;
    }
    active_level = level_names[wanted];
    loaded = 1;
}

static int ready(void) {
    pthread_once(&load_once, load);
    return loaded;
}

#define IK_STRINGIFY_(x) #x
#define IK_STRINGIFY(x) IK_STRINGIFY_(x)

#define IK_FORWARD_INT(name, ...)                                                   \
    do {                                                                            \
        if (!ready()) return unavailable_int(#name);                                \
        return backend.name(__VA_ARGS__);                                           \
    } while (0)
#define IK_FORWARD_VOID(name, ...)                                                  \
    do {                                                                            \
        if (ready()) backend.name(__VA_ARGS__);                                     \
    } while (0)
#define IK_FORWARD_TEXT(name, ...)                                                  \
    do {                                                                            \
        if (!ready()) return unavailable_text(#name);                               \
        return backend.name(__VA_ARGS__);                                           \
    } while (0)

/* What a function answers when no compute library is loaded: the header's versions, the reason as
 * the last error message, IK_ERR_UNAVAILABLE from everything else. */
static int unavailable_int(const char* name) {
    if (strcmp(name, "ik_version_number") == 0) return IK_VERSION_NUMBER;
    if (strcmp(name, "ik_abi_version") == 0) return IK_ABI_VERSION;
    return IK_ERR_UNAVAILABLE;
}

static const char* unavailable_text(const char* name) {
    if (strcmp(name, "ik_version_string") == 0)
        return IK_STRINGIFY(IK_VERSION_MAJOR) "." IK_STRINGIFY(IK_VERSION_MINOR) "." IK_STRINGIFY(IK_VERSION_PATCH);
    if (strcmp(name, "ik_last_error_message") == 0) return failure;
    return "compute library unavailable";
}

IK_API const char* ik_isa(void) { return ready() ? active_level : NULL; }

#include "forwarders.h"
