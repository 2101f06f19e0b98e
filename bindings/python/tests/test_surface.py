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
