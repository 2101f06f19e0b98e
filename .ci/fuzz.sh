#!/usr/bin/env bash
# Coverage-guided fuzzing of the C ABI (Tests/fuzz/fuzz_capi.c) with libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer. The library is built with coverage and AddressSanitizer in its own
# scratch folder, so the fuzzer is guided by the library's branches as well as the harness's.
#   bash .ci/fuzz.sh              # FUZZ_SECONDS (default 60) from the checked-in corpus
#   FUZZ_SECONDS=3600 bash .ci/fuzz.sh --grow   # longer, adding new inputs to the corpus
# A crash, leak, hang (10 s per input) or out-of-memory abort fails the run and leaves the input
# in out/fuzz/ for reproduction: out/fuzz/fuzz_capi <that file>.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
scratch=.build/fuzz
echo "== fuzzing the C ABI for ${seconds} s"
# The compute library itself (the harness links it directly, without the dispatch library).
swift build -c release --product inversekit_core --scratch-path "$scratch" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library 2>&1 | { grep -E 'error:' || true; }
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then echo "fuzz build failed ($status)"; exit "$status"; fi
lib="$PWD/$scratch/release"
mkdir -p out/fuzz
# The linker's notes about exporting the sanitizer's local symbols are noise.
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Iinclude \
    Tests/fuzz/fuzz_capi.c -L"$lib" -linversekit_core -Wl,-rpath,"$lib" -lm -o out/fuzz/fuzz_capi 2>&1 \
    | { grep -v "Cannot export local symbol" || true; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
corpus=Tests/fuzz/corpus
if [ "${1:-}" = "--grow" ]; then target=$PWD/$corpus; else cp -r "$corpus" "$work/corpus"; target=$work/corpus; fi
export ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# Huge allocation attempts are part of the test (they must fail softly): no malloc limit, only an
# RSS one.
status=0
(cd out/fuzz && ./fuzz_capi -max_total_time="$seconds" -rss_limit_mb=4096 -malloc_limit_mb=1000000 \
    -max_len=4096 -timeout=10 -print_final_stats=1 "$target" > log.txt 2>&1) || status=$?
grep -E "INITED|DONE|^Done|stat::number_of_executed_units|stat::peak_rss" out/fuzz/log.txt || true
if [ "$status" -ne 0 ]; then
    tail -n 60 out/fuzz/log.txt
    echo "fuzzing found a failure ($status); its input is in out/fuzz/, the log in out/fuzz/log.txt"
    exit 1
fi
echo "fuzz: 1 passed, 0 failed"
