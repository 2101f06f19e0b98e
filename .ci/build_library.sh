#!/usr/bin/env bash
# Builds libinversekit.so and its compute libraries into .build/release:
#   libinversekit.so              the library programs link (x86-64 baseline, loads one of:)
#   libinversekit_core_sse2.so    every x86-64 processor
#   libinversekit_core_avx2.so    AVX2 and FMA (Haswell, Zen and later)
#   libinversekit_core_avx512.so  AVX-512 F/BW/DQ/VL/CD (Skylake-SP, Ice Lake, Zen 4 and later)
# Each compute level has its own scratch folder (.build/avx2, .build/avx512), which the test
# command reuses for the Swift tests of that level. Fails with a message naming what to install when
# the toolchain or a system library is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v swift >/dev/null 2>&1 || { echo "error: the Swift toolchain (swift) is not on PATH; install it from swift.org" >&2; exit 1; }
[ -e /usr/include/fftw3.h ] || missing+=(libfftw3-dev)
[ -e /usr/include/cblas.h ] || [ -e /usr/include/x86_64-linux-gnu/cblas.h ] || missing+=(libopenblas-dev)
[ -e /usr/include/lapacke.h ] || missing+=(liblapacke-dev)
if [ ${#missing[@]} -gt 0 ]; then
    echo "error: missing system libraries; install them with: apt-get install ${missing[*]}" >&2
    exit 1
fi

# build LABEL [swift build arguments...]: a release build with the progress lines filtered out.
build() {
    local label=$1; shift
    echo "== building the $label compute library"
    swift build -c release "$@" 2>&1 | { grep -vE '^\[[0-9]+/[0-9]+\]|^Building for|^Build (of product .* )?complete' || true; }
    local status=${PIPESTATUS[0]}
    if [ "$status" -ne 0 ]; then echo "swift build ($label) failed ($status)"; exit "$status"; fi
}

# The whole package (the dispatch library, and the core for the baseline) in .build.
build sse2
out=.build/release
cp "$out/libinversekit_core.so" "$out/libinversekit_core_sse2.so"
build avx2 --product inversekit_core --scratch-path .build/avx2 $(bash .ci/isa_flags.sh avx2)
cp .build/avx2/release/libinversekit_core.so "$out/libinversekit_core_avx2.so"
build avx512 --product inversekit_core --scratch-path .build/avx512 $(bash .ci/isa_flags.sh avx512)
cp .build/avx512/release/libinversekit_core.so "$out/libinversekit_core_avx512.so"
