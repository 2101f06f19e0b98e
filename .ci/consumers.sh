#!/usr/bin/env bash
# The library as others use it, away from this source tree:
#  1. a Swift package that depends on InverseKit by URL and version (a local clone of this
#     repository, tagged) builds, imports InverseKit and runs a TV denoising and an operator;
#  2. `pip wheel` gives a platform wheel holding the libraries, which installs into a fresh virtual
#     environment and works from any folder with no environment variable.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== a Swift package depending on InverseKit 0.1.0"
git clone -q "$root" "$work/inversekit"
git -C "$work/inversekit" tag 0.1.0
mkdir -p "$work/consumer/Sources/consumer"
cat > "$work/consumer/Package.swift" <<SWIFT
// swift-tools-version:6.0
import PackageDescription
let package = Package(
    name: "consumer",
    dependencies: [.package(url: "file://$work/inversekit", from: "0.1.0")],
    targets: [.executableTarget(name: "consumer", dependencies: [.product(name: "InverseKit", package: "inversekit")])]
)
SWIFT
cat > "$work/consumer/Sources/consumer/main.swift" <<'SWIFT'
import InverseKit

var pixels = [Double](repeating: 0, count: 32 * 32)
for i in 0..<32 { for j in 0..<32 { pixels[i * 32 + j] = (j < 16 ? 0.2 : 0.8) + 0.1 * Double((i * 7 + j * 13) % 5 - 2) } }
let y = try NDArray(shape: [32, 32], storage: pixels)
let result = try TotalVariation.denoise(y, options: TVOptions(lambda: 0.1, tolerance: 1e-6))
let gradient = try GradientOperator(shape: [32, 32], type: .float64)
let g = try gradient.apply(result.x.storage)
print("converged \(result.info.converged) gap \(result.info.relativeGap) gradient \(g.count) mismatch \(try gradient.adjointMismatch())")
SWIFT
(cd "$work/consumer" && swift build -c release 2>&1 | { grep -E "error|warning: .*unsafe" || true; })
output=$("$work/consumer/.build/release/consumer")
echo "$output"
grep -q "converged true" <<< "$output"
grep -q "gradient 2048" <<< "$output"

echo "== the wheel in a fresh virtual environment"
python3 -m pip wheel -q --no-deps --no-build-isolation -w "$work/wheels" ./bindings/python 2>&1 \
    | { grep -v "Running pip as the 'root' user" || true; }
rm -rf bindings/python/build bindings/python/*.egg-info
wheel=$(ls "$work"/wheels/inversekit-*.whl)
echo "$(basename "$wheel")"
case "$(basename "$wheel")" in *-none-any.whl) echo "the wheel is not tagged for a platform"; exit 1 ;; esac
python3 -m zipfile -l "$wheel" | grep -q "inversekit/libinversekit_core_avx2.so"
python3 -m venv --system-site-packages "$work/venv"   # numpy from the system, nothing from a network
"$work/venv/bin/python" -m pip install -q --no-deps --no-index --ignore-installed "$wheel" 2>&1 | { grep -v "Running pip as" || true; }
mkdir -p "$work/elsewhere"
(cd "$work/elsewhere" && env -u INVERSEKIT_LIBRARY -u PYTHONPATH "$work/venv/bin/python" - <<'PYTHON'
import numpy as np, inversekit as ik
assert "venv" in ik.library_path(), ik.library_path()
x, info = ik.tv_denoise(np.random.default_rng(0).random((40, 40)), 0.1, return_info=True)
assert info.converged
print("wheel:", ik.library_path(), ik.isa(), f"gap {info.relative_gap:.1e}")
PYTHON
)
ldd "$work"/venv/lib/python3*/site-packages/inversekit/libinversekit_core_sse2.so | grep -q libswift \
    && { echo "the bundled library depends on the Swift runtime"; exit 1; }
echo "== a C program against the installed library (pkg-config), then uninstalled"
prefix="$work/prefix"
PREFIX="$prefix" bash .ci/install.sh
cc -std=c11 -O2 -D_DEFAULT_SOURCE -Iexamples/c examples/c/ct_fbp.c \
    $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs inversekit) -lm -o "$work/ct_fbp_installed"
(cd "$work" && env -u LD_LIBRARY_PATH ./ct_fbp_installed 20)
PREFIX="$prefix" bash .ci/install.sh --uninstall
[ -z "$(find "$prefix" -type f)" ] || { echo "uninstall left files behind"; find "$prefix" -type f; exit 1; }

echo "== a missing toolchain is named"
if env PATH=/usr/bin:/bin bash .ci/build_library.sh > "$work/missing.txt" 2>&1; then
    echo "the build ran without the Swift toolchain on PATH"; exit 1
fi
grep -q "Swift toolchain" "$work/missing.txt"
echo "consumers: 4 passed, 0 failed"
