"""Finds and loads libinversekit.so, then checks that its ABI matches this binding."""
from __future__ import annotations

import ctypes
import os
from pathlib import Path

from .errors import LibraryNotFoundError

#: The IK_ABI_VERSION this binding was written against.
ABI_VERSION = 1
LIBRARY_NAME = "libinversekit.so"


def candidate_paths() -> list[Path]:
    """Where the library is looked for, in order: $INVERSEKIT_LIBRARY, this package, build folders."""
    paths: list[Path] = []
    override = os.environ.get("INVERSEKIT_LIBRARY")
    if override:
        paths.append(Path(override))
    here = Path(__file__).resolve().parent
    paths.append(here / LIBRARY_NAME)
    # A source checkout: bindings/python/inversekit -> repository root -> .build/{release,debug}.
    for root in here.parents:
        for config in ("release", "debug"):
            paths.append(root / ".build" / config / LIBRARY_NAME)
        if (root / "Package.swift").exists():
            break
    return paths


def load() -> ctypes.CDLL:
    """Loads the first library found and verifies ik_abi_version(); raises LibraryNotFoundError
    listing every path tried (and why each failed) otherwise."""
    tried: list[str] = []
    for path in candidate_paths():
        if not path.is_file():
            tried.append(f"{path} (not found)")
            continue
        try:
            lib = ctypes.CDLL(str(path))
        except OSError as exc:
            tried.append(f"{path} ({exc})")
            continue
        lib.ik_abi_version.restype = ctypes.c_int
        lib.ik_abi_version.argtypes = []
        found = lib.ik_abi_version()
        if found != ABI_VERSION:
            tried.append(f"{path} (ABI version {found}, this binding needs {ABI_VERSION})")
            continue
        # The compute library for this processor is loaded by the first call.
        lib.ik_isa.restype = ctypes.c_char_p
        lib.ik_isa.argtypes = []
        if lib.ik_isa() is None:
            lib.ik_last_error_message.restype = ctypes.c_char_p
            reason = (lib.ik_last_error_message() or b"").decode("utf-8", "replace")
            tried.append(f"{path} ({reason})")
            continue
        return lib
    raise LibraryNotFoundError(
        "Could not load libinversekit.so; tried:\n  " + "\n  ".join(tried)
        + "\nBuild it with `swift build -c release` or set INVERSEKIT_LIBRARY to its path.")
