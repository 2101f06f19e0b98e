#!/usr/bin/env bash
# Builds the C API test and the C examples against include/ and the built library, and runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
lib="$PWD/.build/release"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
flags=(-std=c11 -Wall -Wextra -Werror -O2 -Iinclude -Iexamples/c)
link=(-L"$lib" -linversekit -Wl,-rpath,"$lib" -lpthread -lm)

echo "== C API test: versions, errors, TV"
cc "${flags[@]}" -ITests/c Tests/c/test_capi.c "${link[@]}" -o "$work/test_capi"
"$work/test_capi"

echo "== C API test: linear operators"
cc "${flags[@]}" -D_DEFAULT_SOURCE -ITests/c Tests/c/test_linop.c "${link[@]}" -o "$work/test_linop"
"$work/test_linop"

echo "== C API test: functionals (the shared case list) and their bad input"
cc "${flags[@]}" -D_DEFAULT_SOURCE -ITests/c Tests/c/test_functional.c "${link[@]}" -o "$work/test_functional"
"$work/test_functional"

echo "== C API test: solvers"
cc "${flags[@]}" -D_DEFAULT_SOURCE -ITests/c Tests/c/test_solver.c "${link[@]}" -o "$work/test_solver"
"$work/test_solver"

echo "== C API test: memory exhaustion under an address-space limit"
cc "${flags[@]}" -D_DEFAULT_SOURCE -ITests/c Tests/c/test_oom.c "${link[@]}" -o "$work/test_oom"
"$work/test_oom"

echo "== C++ compiles the header (and its experimental tier)"
printf '#include "inversekit.h"\nint main() { return ik_abi_version() == IK_ABI_VERSION ? 0 : 1; }\n' > "$work/header.cpp"
c++ -std=c++17 -Wall -Wextra -Werror -Iinclude "$work/header.cpp" "${link[@]}" -o "$work/header_cpp"
"$work/header_cpp"
printf '#define IK_EXPERIMENTAL_API\n#include "inversekit.h"\nint main() { ik_solver_options o; ik_solver_options_init(&o); return o.max_iterations == 1000 ? 0 : 1; }\n' \
    > "$work/experimental.cpp"
c++ -std=c++17 -Wall -Wextra -Werror -Iinclude "$work/experimental.cpp" "${link[@]}" -o "$work/experimental_cpp"
"$work/experimental_cpp"

echo "== example: tv_denoise_pgm"
cc "${flags[@]}" examples/c/tv_denoise_pgm.c "${link[@]}" -o "$work/tv_denoise_pgm"
python3 examples/python/make_test_images.py --pgm "$work/noisy.pgm" --clean "$work/clean.pgm"
"$work/tv_denoise_pgm" "$work/noisy.pgm" "$work/denoised.pgm" 0.1
python3 examples/python/make_test_images.py --compare "$work/clean.pgm" "$work/noisy.pgm" "$work/denoised.pgm"
if "$work/tv_denoise_pgm" "$work/noisy.pgm" "$work/bad.pgm" -1 2>"$work/err.txt"; then
    echo "negative lambda was accepted"; exit 1
fi
grep -q "Invalid options.lambda" "$work/err.txt"
echo "== example: ct_fbp"
cc "${flags[@]}" -D_DEFAULT_SOURCE examples/c/ct_fbp.c "${link[@]}" -o "$work/ct_fbp"
"$work/ct_fbp" 60
"$work/ct_fbp" 15
if "$work/ct_fbp" 0 2>/dev/null; then echo "zero angles were accepted"; exit 1; fi
echo "== example: ct_tv"
cc "${flags[@]}" -D_DEFAULT_SOURCE examples/c/ct_tv.c "${link[@]}" -o "$work/ct_tv"
"$work/ct_tv" 30 "$work/ct_tv.pgm"
echo "C examples: 4 passed, 0 failed"
