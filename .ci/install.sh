#!/usr/bin/env bash
# Installs the built library for C and C++ programs (run .ci/build_library.sh, or the README's first
# command, before):
#   PREFIX=/usr/local bash .ci/install.sh            # the default prefix
#   PREFIX=$HOME/.local bash .ci/install.sh
#   PREFIX=/usr/local bash .ci/install.sh --uninstall
# Puts inversekit.h in $PREFIX/include, libinversekit.so and its compute libraries in $PREFIX/lib
# and inversekit.pc in $PREFIX/lib/pkgconfig, so that
#   cc prog.c $(pkg-config --cflags --libs inversekit)
# builds a program that runs with no environment variable (the .pc file adds an rpath, for
# prefixes the dynamic loader does not search). DESTDIR stages the files elsewhere, for packaging.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${PREFIX:-/usr/local}
root="${DESTDIR:-}$prefix"
libraries=(libinversekit.so libinversekit_core_sse2.so libinversekit_core_avx2.so libinversekit_core_avx512.so)

if [ "${1:-}" = "--uninstall" ]; then
    rm -f "$root/include/inversekit.h" "$root/lib/pkgconfig/inversekit.pc"
    for library in "${libraries[@]}"; do rm -f "$root/lib/$library"; done
    echo "removed InverseKit from $root"
    exit 0
fi

for library in "${libraries[@]}"; do
    [ -f ".build/release/$library" ] || { echo "error: .build/release/$library is missing: run bash .ci/build_library.sh first" >&2; exit 1; }
done
version=$(sed -n 's/^#define IK_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\)$/\2/p' include/inversekit.h | paste -sd.)
install -d "$root/include" "$root/lib/pkgconfig"
install -m 644 include/inversekit.h "$root/include/inversekit.h"
for library in "${libraries[@]}"; do install -m 755 ".build/release/$library" "$root/lib/$library"; done
cat > "$root/lib/pkgconfig/inversekit.pc" <<PC
prefix=$prefix
includedir=\${prefix}/include
libdir=\${prefix}/lib

Name: inversekit
Description: Imaging inverse problems: forward operators, regularizers, certified solvers
Version: $version
Cflags: -I\${includedir}
Libs: -L\${libdir} -linversekit -Wl,-rpath,\${libdir}
PC
# Refresh the loader's cache where the prefix is one it searches (harmless elsewhere).
if [ -z "${DESTDIR:-}" ] && [ "$(id -u)" -eq 0 ] && command -v ldconfig >/dev/null; then ldconfig || true; fi
echo "installed InverseKit $version into $root (pkg-config: $root/lib/pkgconfig)"
