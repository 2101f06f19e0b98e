"""The public surface pinned: header declarations == exported symbols == checked-in export list ==
Python declarations, and every version number agrees."""
from __future__ import annotations

import re
import subprocess
import tomllib

import inversekit as ik
from inversekit import _raw
from conftest import REPO

HEADER = REPO / "include" / "inversekit.h"


def header_functions() -> set[str]:
    text = re.sub(r"/\*.*?\*/", "", HEADER.read_text(), flags=re.S)
    return set(re.findall(r"\b(ik_[a-z0-9_]+)\s*\(", text))


def exported_functions() -> set[str]:
    out = subprocess.run(["nm", "-D", "--defined-only", ik.library_path()], capture_output=True, text=True,
                         check=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.split()[-1].startswith("ik_")}


def test_header_equals_exports_equals_binding():
    declared = header_functions()
    assert declared, "no functions found in the header"
    assert declared == exported_functions()
    assert declared == set(_raw.DECLARED)
    listed = {line.strip() for line in (REPO / "include" / "inversekit.exports").read_text().splitlines()
              if line.strip() and not line.startswith("#")}
    assert declared == listed


def test_binding_follows_header_order():
    text = re.sub(r"/\*.*?\*/", "", HEADER.read_text(), flags=re.S)
    order = [m for m in re.findall(r"\b(ik_[a-z0-9_]+)\s*\(", text)]
    assert _raw.DECLARED == list(dict.fromkeys(order))


def test_only_c_api_is_global():
    out = subprocess.run(["nm", "-D", "--defined-only", ik.library_path()], capture_output=True, text=True,
                         check=True).stdout
    globals_ = [line.split()[-1] for line in out.splitlines() if line.split()[1] in "TDBRVW"]
    assert globals_ and all(name.startswith("ik_") for name in globals_)


def test_versions_agree():
    text = HEADER.read_text()
    major, minor, patch = (int(re.search(rf"#define IK_VERSION_{k} (\d+)", text).group(1))
                           for k in ("MAJOR", "MINOR", "PATCH"))
    abi = int(re.search(r"#define IK_ABI_VERSION (\d+)", text).group(1))
    assert ik.version() == f"{major}.{minor}.{patch}" == ik.__version__
    assert _raw.lib.ik_version_number() == major * 10000 + minor * 100 + patch
    assert ik.abi_version() == abi == ik.ABI_VERSION
    project = tomllib.loads((REPO / "bindings" / "python" / "pyproject.toml").read_text())["project"]
    assert project["version"] == ik.__version__


def test_no_swift_runtime_dependency():
    out = subprocess.run(["ldd", ik.library_path()], capture_output=True, text=True, check=True).stdout
    assert "libswift" not in out and "libFoundation" not in out and "libdispatch" not in out


def test_compute_libraries_have_no_swift_runtime_dependency():
    from pathlib import Path
    folder = Path(ik.library_path()).parent
    cores = sorted(folder.glob("libinversekit_core_*.so"))
    assert {p.name for p in cores} >= {"libinversekit_core_sse2.so", "libinversekit_core_avx2.so",
                                       "libinversekit_core_avx512.so"}
    for core in cores:
        out = subprocess.run(["ldd", str(core)], capture_output=True, text=True, check=True).stdout
        assert "libswift" not in out, core


def test_dispatch_forwarders_match_the_header():
    import importlib.util
    path = REPO / "Sources" / "InverseKitDispatch" / "generate_forwarders.py"
    spec = importlib.util.spec_from_file_location("generate_forwarders", path)
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    text = HEADER.read_text()
    for name, make in generator.OUTPUTS.items():
        assert (path.parent / name).read_text() == make(text), f"{name} is stale: run {path.name}"


def test_instruction_set_level():
    import os
    level = ik.isa()
    assert level in ("sse2", "avx2", "avx512")
    requested = os.environ.get("INVERSEKIT_ISA")
    order = ["sse2", "avx2", "avx512"]
    if requested:
        assert order.index(level) <= order.index(requested)


def test_unknown_instruction_set_is_a_clear_error():
    import os
    import sys
    script = ("import sys; sys.path.insert(0, %r)\n"
              "try:\n    import inversekit\nexcept Exception as e:\n    print(type(e).__name__, e)\n") % (
        str(REPO / "bindings" / "python"))
    env = dict(os.environ, INVERSEKIT_ISA="avx3")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "LibraryNotFoundError" in done.stdout and "INVERSEKIT_ISA=avx3" in done.stdout, done.stdout


def test_forced_levels_run_the_same_answers():
    import os
    import sys
    script = ("import sys; sys.path.insert(0, %r)\n"
              "import numpy as np, inversekit as ik\n"
              "y = np.random.default_rng(3).random((64, 64))\n"
              "x, info = ik.tv_denoise(y, 0.1, tol=1e-8, max_iter=20000, return_info=True)\n"
              "print(ik.isa(), repr(info.primal))\n") % str(REPO / "bindings" / "python")
    values = {}
    for level in ("sse2", "avx2", "avx512"):
        env = dict(os.environ, INVERSEKIT_ISA=level)
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        got, primal = done.stdout.split()
        values[got] = float(primal)
    assert "sse2" in values
    reference = values["sse2"]
    for level, primal in values.items():
        assert abs(primal - reference) <= 1e-7 * reference, (level, primal, reference)
