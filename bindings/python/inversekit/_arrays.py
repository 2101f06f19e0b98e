"""NumPy arrays as ik_array descriptors (no copies for any strides that are whole elements)."""
from __future__ import annotations

import ctypes

import numpy as np

from . import _raw
from .errors import LayoutError, UnsupportedDtypeError

_DTYPES = {
    np.dtype(np.float32): (_raw.IK_DTYPE_FLOAT, 32),
    np.dtype(np.float64): (_raw.IK_DTYPE_FLOAT, 64),
    np.dtype(np.complex64): (_raw.IK_DTYPE_COMPLEX, 64),
    np.dtype(np.complex128): (_raw.IK_DTYPE_COMPLEX, 128),
}
REAL_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class Descriptor:
    """An IkArray describing `array`, holding every buffer it points at alive."""

    def __init__(self, array: np.ndarray, name: str) -> None:
        if array.dtype not in _DTYPES:
            raise UnsupportedDtypeError(
                f"Invalid {name}: dtype {array.dtype} is not supported; use float32, float64, "
                "complex64 or complex128")
        if not array.dtype.isnative:
            raise UnsupportedDtypeError(f"Invalid {name}: byte order must be native")
        itemsize = array.itemsize
        if any(s % itemsize for s in array.strides):
            raise LayoutError(f"Invalid {name}: strides {array.strides} are not whole elements")
        self.array = array
        code, bits = _DTYPES[array.dtype]
        ndim = array.ndim
        self.shape = (ctypes.c_int64 * max(ndim, 1))(*array.shape)
        self.strides = (ctypes.c_int64 * max(ndim, 1))(*(s // itemsize for s in array.strides))
        self.struct = _raw.IkArray()
        self.struct.data = array.ctypes.data if array.size else None
        self.struct.device = _raw.IkDevice(_raw.IK_DEVICE_CPU, 0)
        self.struct.ndim = ndim
        self.struct.dtype = _raw.IkDtype(code, bits, 1)
        self.struct.shape = self.shape
        self.struct.strides = self.strides
        self.struct.byte_offset = 0

    @property
    def ref(self):
        return ctypes.byref(self.struct)

    @property
    def pointer(self):
        return ctypes.pointer(self.struct)
