"""InverseKit: imaging inverse problems (Python binding of libinversekit).

    >>> import numpy as np, inversekit as ik
    >>> x = ik.tv_denoise(np.random.rand(64, 64), lam=0.1)
"""
from __future__ import annotations

from . import _raw, functional, linop, solvers
from ._loader import ABI_VERSION
from .errors import (CallbackError, InternalError, InvalidArgumentError, InverseKitError, LayoutError,
                     LibraryNotFoundError, NotFiniteError, NullPointerError, OutOfMemoryError,
                     OverflowSizeError, ShapeError, StructVersionError, UnsupportedDeviceError,
                     UnavailableError, UnsupportedDtypeError)
from .linop import LinearOperator
from .tv import TVInfo, TVProx, dual_shape, tv_denoise, tv_objective, tv_value

__version__ = "0.1.0"


def version() -> str:
    """Version of the loaded library ("MAJOR.MINOR.PATCH")."""
    return _raw.lib.ik_version_string().decode()


def abi_version() -> int:
    """ABI version of the loaded library (checked against ABI_VERSION at import)."""
    return int(_raw.lib.ik_abi_version())


def isa() -> str:
    """The instruction-set level of the compute library in use: "sse2", "avx2" or "avx512" (the
    widest the processor has, or INVERSEKIT_ISA's lower choice)."""
    return _raw.lib.ik_isa().decode()


def library_path() -> str:
    """File the library was loaded from."""
    return _raw.lib._name


__all__ = [
    "ABI_VERSION", "LinearOperator", "TVInfo", "TVProx", "functional", "linop", "solvers", "abi_version", "dual_shape", "isa", "library_path", "tv_denoise", "tv_objective",
    "tv_value", "version", "CallbackError", "InternalError", "InvalidArgumentError", "InverseKitError",
    "LayoutError", "LibraryNotFoundError", "NotFiniteError", "NullPointerError", "OutOfMemoryError",
    "OverflowSizeError", "ShapeError", "StructVersionError", "UnsupportedDeviceError",
    "UnavailableError", "UnsupportedDtypeError",
]
