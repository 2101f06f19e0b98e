#!/usr/bin/env bash
# The C tests and examples under AddressSanitizer + UndefinedBehaviorSanitizer, and the concurrency
# tests (one operator, and TV denoising, from several threads at once) under ThreadSanitizer, all
# against the release library. Instrumented on the C side: they catch a library that writes past a
# caller's buffer, reads freed memory the caller passed, or breaks the threading rules.
set -euo pipefail
cd "$(dirname "$0")/.."
lib="$PWD/.build/release"
swiftlib=$(dirname "$(dirname "$(command -v swift)")")/lib/swift/linux
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(-std=c11 -g -O1 -fno-omit-frame-pointer -D_DEFAULT_SOURCE -Iinclude -Iexamples/c -ITests/c)
link=(-L"$lib" -linversekit -Wl,-rpath,"$lib" -lpthread -lm)
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
quiet() { grep -v "Cannot export local symbol" || true; }
runs=0 # each run below must succeed (set -e), so reaching the end means all passed

echo "== C tests under AddressSanitizer and UndefinedBehaviorSanitizer"
for test in test_capi test_linop test_functional test_solver; do
    clang "${flags[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all "Tests/c/$test.c" "${link[@]}" \
        -o "$work/$test" 2>&1 | quiet
    "$work/$test"
    runs=$((runs + 1))
done
clang "${flags[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all examples/c/ct_fbp.c "${link[@]}" \
    -o "$work/ct_fbp" 2>&1 | quiet
"$work/ct_fbp" 30 >/dev/null
runs=$((runs + 1))
clang "${flags[@]}" -fsanitize=address,undefined -fno-sanitize-recover=all examples/c/tv_denoise_pgm.c "${link[@]}" \
    -o "$work/tv_denoise_pgm" 2>&1 | quiet
python3 examples/python/make_test_images.py --pgm "$work/noisy.pgm" --clean "$work/clean.pgm"
"$work/tv_denoise_pgm" "$work/noisy.pgm" "$work/denoised.pgm" 0.1 >/dev/null
runs=$((runs + 1))

echo "== concurrency tests under ThreadSanitizer"
# The toolchain's ThreadSanitizer runtime also intercepts libdispatch, which it then needs.
for test in test_capi test_linop; do
    clang "${flags[@]}" -fsanitize=thread "Tests/c/$test.c" "${link[@]}" -L"$swiftlib" -ldispatch -lBlocksRuntime \
        -Wl,-rpath,"$swiftlib" -o "$work/${test}_tsan" 2>&1 | quiet
    "$work/${test}_tsan"
    runs=$((runs + 1))
done
echo "== functional and solver tests under Valgrind's Memcheck"
# The sanitizers above instrument only the C side; Memcheck also sees the library's own reads and
# writes, e.g. a work buffer used after it was released.
for test in test_functional test_solver; do
    cc -std=c11 -g -O1 -D_DEFAULT_SOURCE -Iinclude -ITests/c "Tests/c/$test.c" "${link[@]}" -o "$work/${test}_memcheck"
    valgrind -q --error-exitcode=3 --suppressions=.ci/valgrind.supp "$work/${test}_memcheck" 2>&1 \
        | { grep -vE "^--[0-9]+-- |^### unhandled dwarf2|^get_Form" || true; }
    [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "$test failed under Memcheck"; exit 1; }
    runs=$((runs + 1))
done
echo "sanitizers: $runs passed, 0 failed"
