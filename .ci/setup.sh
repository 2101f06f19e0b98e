#!/usr/bin/env bash
# Installs whatever is missing (system libraries, Python packages), builds libinversekit.so in
# release mode and installs the Python package with its own copy of the library. Idempotent: on a
# machine that has everything it only rebuilds.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for pkg in libopenblas-dev liblapacke-dev libfftw3-dev python3-dev valgrind bart; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! python3 -c "import numpy, scipy, skimage, cvxpy, clarabel, prox_tv, pytest, wheel, matplotlib, pyproximal, pylops" 2>/dev/null; then
    echo "== installing Python packages"
    python3 -m pip install -q --disable-pip-version-check -r bindings/python/requirements-dev.txt
fi

# libinversekit.so and its compute libraries; a failing build fails the script (no stale library
# is used).
bash .ci/build_library.sh

# The Python package with its own copy of the libraries (pip builds them itself when they are
# not there; see bindings/python/setup.py).
cp .build/release/libinversekit.so .build/release/libinversekit_core_*.so bindings/python/inversekit/
python3 -m pip install -q --disable-pip-version-check --no-deps --force-reinstall ./bindings/python 2>&1 \
    | grep -v "Running pip as the 'root' user" || true
rm -rf bindings/python/build bindings/python/*.egg-info
