"""Argument checks shared by the Pythonic layer: every scalar is checked here before ctypes
converts it, because ctypes wraps integers that do not fit and casts whatever it is given."""
from __future__ import annotations

import numbers
import operator

import numpy as np

from .errors import InvalidArgumentError, LayoutError, ShapeError, UnsupportedDtypeError

INT32 = (-2 ** 31, 2 ** 31 - 1)
INT64 = (-2 ** 63, 2 ** 63 - 1)
UINT64 = (0, 2 ** 64 - 1)


def integer(value, name: str, low: int, high: int) -> int:
    """`value` as an int in [low, high]; bools, floats and strings are refused."""
    if isinstance(value, (bool, np.bool_)):
        raise InvalidArgumentError(f"Invalid {name}: expected an integer, got {value!r}")
    try:
        number = operator.index(value)
    except TypeError:
        raise InvalidArgumentError(f"Invalid {name}: expected an integer, got {value!r}") from None
    if not low <= number <= high:
        raise InvalidArgumentError(f"Invalid {name}: {number} is out of range [{low}, {high}]")
    return number


def real(value, name: str) -> float:
    """`value` as a float; complex numbers, bools and strings are refused (NaN and inf pass, for
    the library to judge)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "fiu":
            return float(value)
        raise InvalidArgumentError(f"Invalid {name}: expected a real number, got {value!r}")
    return float(value)


def shape(extents, name: str = "shape", max_ndim: int = 8) -> tuple:
    """A tuple of extents, each an integer in [1, 2^63 - 1]."""
    if isinstance(extents, (int, np.integer)) and not isinstance(extents, bool):
        extents = (extents,)
    try:
        items = list(extents)
    except TypeError:
        raise InvalidArgumentError(f"Invalid {name}: expected a sequence of integers, got {extents!r}") from None
    if not 1 <= len(items) <= max_ndim:
        raise ShapeError(f"Invalid {name}: expected 1 to {max_ndim} dimensions, got {len(items)}")
    result = []
    for axis, n in enumerate(items):
        n = integer(n, f"{name}[{axis}]", *INT64)
        if n < 1:
            raise ShapeError(f"Invalid {name}: extent of axis {axis} must be >= 1, got {n}")
        result.append(n)
    return tuple(result)


def no_complex(array: np.ndarray, name: str) -> np.ndarray:
    """Refuses complex values where only real ones have a meaning (casting would drop the
    imaginary part)."""
    if np.iscomplexobj(array):
        raise UnsupportedDtypeError(f"Invalid {name}: expected real values, got {array.dtype}")
    return array


def writeable(out, name: str = "out") -> np.ndarray:
    """An output array the library may write into."""
    if not isinstance(out, np.ndarray):
        raise InvalidArgumentError(f"Invalid {name}: expected a numpy array, got {type(out).__name__}")
    if not out.flags.writeable:
        raise LayoutError(f"Invalid {name}: the array is read-only")
    return out
