#!/usr/bin/env bash
# The library built here runs on older processors: a C example under qemu-x86_64 emulating a
# processor without AVX-512 (Haswell) and one without AVX (Nehalem) gives the same answers as the
# same instruction-set level natively, and reports the level it chose.
set -euo pipefail
cd "$(dirname "$0")/.."
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
if ! command -v qemu-x86_64 >/dev/null; then
    echo "== installing qemu-user"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user >/dev/null
fi
lib="$PWD/.build/release"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -std=c11 -O2 -D_DEFAULT_SOURCE -Iinclude -Iexamples/c examples/c/ct_fbp.c -L"$lib" -linversekit \
    -Wl,-rpath,"$lib" -lpthread -lm -o "$work/ct_fbp"
runs=0
for pair in Haswell:avx2 Nehalem:sse2; do
    cpu=${pair%%:*} level=${pair##*:}
    echo "== ct_fbp under qemu -cpu $cpu (expects $level)"
    INVERSEKIT_ISA=$level "$work/ct_fbp" 30 > "$work/native.txt"
    qemu-x86_64 -cpu "$cpu" "$work/ct_fbp" 30 > "$work/emulated.txt" 2> "$work/qemu.err" || {
        cat "$work/qemu.err"; echo "ct_fbp failed under qemu -cpu $cpu"; exit 1; }
    cat "$work/emulated.txt"
    grep -q "instruction set $level" "$work/emulated.txt" || { echo "expected the $level level under $cpu"; exit 1; }
    # The same PSNR to the printed digits (the BLAS and FFT libraries pick their own kernels for
    # the emulated processor, so the last bits may differ).
    if ! diff <(grep -o "PSNR [0-9.]* dB" "$work/native.txt") <(grep -o "PSNR [0-9.]* dB" "$work/emulated.txt"); then
        echo "answers differ under qemu -cpu $cpu"; exit 1
    fi
    runs=$((runs + 1))
done
echo "emulation: $runs passed, 0 failed"
