#!/usr/bin/env bash
# The swift build / swift test arguments that compile the core for an instruction-set level:
#   bash .ci/isa_flags.sh sse2|avx2|avx512
case "${1:-}" in
    sse2) ;;
    avx2) echo "-Xswiftc -target-cpu -Xswiftc haswell -Xswiftc -DINVERSEKIT_AVX2" ;;
    avx512) echo "-Xswiftc -target-cpu -Xswiftc skylake-avx512 -Xswiftc -DINVERSEKIT_AVX2 -Xswiftc -DINVERSEKIT_AVX512" ;;
    *) echo "usage: isa_flags.sh sse2|avx2|avx512" >&2; exit 2 ;;
esac
