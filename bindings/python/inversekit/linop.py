"""Linear operators: forward models with exact adjoints, composable, usable by every solver."""
from __future__ import annotations

import ctypes
from typing import Callable, Optional, Sequence, Tuple

import numpy as np

from . import _checks, _raw
from ._arrays import Descriptor
from .errors import CallbackError, InvalidArgumentError, ShapeError, UnsupportedDtypeError

_DTYPE_CODES = {
    np.dtype(np.float32): (_raw.IK_DTYPE_FLOAT, 32),
    np.dtype(np.float64): (_raw.IK_DTYPE_FLOAT, 64),
    np.dtype(np.complex64): (_raw.IK_DTYPE_COMPLEX, 64),
    np.dtype(np.complex128): (_raw.IK_DTYPE_COMPLEX, 128),
}
_FROM_CODES = {v: k for k, v in _DTYPE_CODES.items()}


def _ik_dtype(dtype, name="dtype") -> _raw.IkDtype:
    dt = np.dtype(dtype)
    if dt not in _DTYPE_CODES:
        raise UnsupportedDtypeError(f"Invalid {name}: {dt} is not supported; use float32, float64, complex64 or complex128")
    code, bits = _DTYPE_CODES[dt]
    return _raw.IkDtype(code, bits, 1)


def _shape_args(shape, name="shape"):
    extents = _checks.shape(shape, name)
    return len(extents), (ctypes.c_int64 * max(len(extents), 1))(*extents)


class LinearOperator:
    """A linear map A with its exact adjoint. `A @ x` or `A(x)` applies it, `A.H @ y` the adjoint.

    Operators compose: `A @ B` (product), `A + B`, `c * A` (real c), `A.H`, `A.normal()`,
    `stack([A, B])`, `block_diag([A, B])`. They are immutable and may be shared between threads.
    """

    def __init__(self, handle: ctypes.c_void_p, keepalive=()) -> None:
        self._handle = handle
        self._keepalive = tuple(keepalive)  # e.g. Python callbacks a callback operator calls
        self.input_shape, self.input_dtype = self._query(_raw.lib.ik_linop_input_shape)
        self.output_shape, self.output_dtype = self._query(_raw.lib.ik_linop_output_shape)

    def _query(self, fn) -> Tuple[Tuple[int, ...], np.dtype]:
        shape = (ctypes.c_int64 * _raw.IK_MAX_NDIM)()
        ndim = ctypes.c_int32()
        dtype = _raw.IkDtype()
        fn(self._handle, shape, ctypes.byref(ndim), ctypes.byref(dtype))
        return tuple(shape[: ndim.value]), _FROM_CODES[(dtype.code, dtype.bits)]

    @property
    def shape(self) -> Tuple[int, int]:
        """(output size, input size), as for a matrix."""
        return int(np.prod(self.output_shape)), int(np.prod(self.input_shape))

    def __repr__(self) -> str:
        return (f"LinearOperator({self.input_shape} {self.input_dtype} -> "
                f"{self.output_shape} {self.output_dtype})")

    # -- application --------------------------------------------------------------------------

    def apply(self, x, out: Optional[np.ndarray] = None) -> np.ndarray:
        """y = A x. x must have the input shape and dtype; `out` may be given (any strides)."""
        return self._run(_raw.lib.ik_linop_apply, x, "x", self.input_shape, self.input_dtype,
                         self.output_shape, self.output_dtype, out)

    def adjoint(self, y, out: Optional[np.ndarray] = None) -> np.ndarray:
        """x = A^H y."""
        return self._run(_raw.lib.ik_linop_apply_adjoint, y, "y", self.output_shape, self.output_dtype,
                         self.input_shape, self.input_dtype, out)

    def _run(self, fn, a, name, a_shape, a_dtype, b_shape, b_dtype, out):
        a, out = _operand(a, name, a_shape, a_dtype), _result(out, b_shape, b_dtype)
        ad, bd = Descriptor(a, name), Descriptor(out, "out")
        fn(self._handle, ad.ref, bd.ref)
        return out

    __call__ = apply

    def __matmul__(self, other):
        if isinstance(other, LinearOperator):
            return product(self, other)
        # `A @ v` and `A.H @ v` have no argument name: messages call v "the operand of @".
        return self._run(_raw.lib.ik_linop_apply, other, "operand of @", self.input_shape, self.input_dtype,
                         self.output_shape, self.output_dtype, None)

    def __add__(self, other: "LinearOperator") -> "LinearOperator":
        if not isinstance(other, LinearOperator):
            return NotImplemented
        return sum_of([self, other])

    def __sub__(self, other: "LinearOperator") -> "LinearOperator":
        if not isinstance(other, LinearOperator):
            return NotImplemented
        return sum_of([self, -1.0 * other])

    def __rmul__(self, scale: float) -> "LinearOperator":
        if isinstance(scale, (bool, np.bool_)) or not isinstance(scale, (int, float, np.integer, np.floating)):
            return NotImplemented
        return product(scaling(self.output_shape, float(scale), self.output_dtype), self)

    __mul__ = __rmul__

    def __neg__(self) -> "LinearOperator":
        return -1.0 * self

    @property
    def H(self) -> "LinearOperator":
        """The adjoint A^H as an operator."""
        return _create(_raw.lib.ik_linop_create_adjoint, self._handle, keep=(self,))

    def normal(self) -> "LinearOperator":
        """A^H A."""
        return _create(_raw.lib.ik_linop_create_normal, self._handle, keep=(self,))

    def solve_normal(self, b, rho: float, out: Optional[np.ndarray] = None) -> np.ndarray:
        """x = (A^H A + rho I)^-1 b in closed form (see has_normal_solve)."""
        b = _operand(b, "b", self.input_shape, self.input_dtype)
        out = _result(out, self.input_shape, self.input_dtype)
        bd, xd = Descriptor(b, "b"), Descriptor(out, "out")
        _raw.lib.ik_linop_solve_normal(self._handle, _checks.real(rho, "rho"), bd.ref, xd.ref)
        return out

    @property
    def has_normal_solve(self) -> bool:
        """Whether solve_normal has a closed form for this operator."""
        return _raw.lib.ik_linop_has_normal_solve(self._handle) == 1

    # -- analysis -----------------------------------------------------------------------------

    def norm(self, seed: int = 0, tol: float = 1e-6, max_iter: int = 1000) -> float:
        """||A||_2 by the Lanczos method on A^H A from a seeded start: a lower bound, within `tol`
        (relative) of the norm."""
        value = ctypes.c_double()
        _raw.lib.ik_linop_norm(self._handle, _checks.integer(seed, "seed", *_checks.UINT64), _checks.real(tol, "tol"),
                               _checks.integer(max_iter, "max_iter", *_checks.INT64), ctypes.byref(value))
        return value.value

    def adjoint_test(self, seed: int = 0) -> float:
        """|<A x, y> - <x, A^H y>| / (||A x|| ||y||) for seeded random x, y."""
        value = ctypes.c_double()
        _raw.lib.ik_linop_adjoint_test(self._handle, _checks.integer(seed, "seed", *_checks.UINT64),
                                       ctypes.byref(value))
        return value.value

    def normal_test(self, rho: float, seed: int = 0) -> float:
        """The closed-form normal solve's contract: ||(A^H A + rho I) x - b|| / ||b|| for
        x = solve_normal(b, rho) at a seeded random b (operators with has_normal_solve)."""
        value = ctypes.c_double()
        _raw.lib.ik_linop_normal_test(self._handle, _checks.real(rho, "rho"),
                                      _checks.integer(seed, "seed", *_checks.UINT64), ctypes.byref(value))
        return value.value

    def norm_bound(self) -> float:
        """The cached upper bound on ||A||_2 that solvers take their steps from: analytic where
        one is known, else the Lanczos estimate times a safety margin (computed once)."""
        value = ctypes.c_double()
        _raw.lib.ik_linop_norm_bound(self._handle, ctypes.byref(value))
        return value.value

    def set_norm_bound(self, bound: float) -> None:
        """Replace the cached bound with the caller's (finite, >= 0, at least ||A||: a
        smaller one makes solver steps diverge)."""
        _raw.lib.ik_linop_set_norm_bound(self._handle, _checks.real(bound, "bound"))

    def to_dense(self) -> np.ndarray:
        """The matrix of A (output size x input size), column by column; for small operators."""
        n = int(np.prod(self.input_shape))
        columns = []
        for j in range(n):
            e = np.zeros(n, dtype=self.input_dtype)
            e[j] = 1
            columns.append(self.apply(e.reshape(self.input_shape)).ravel())
        return np.stack(columns, axis=1)

    # -- lifetime -----------------------------------------------------------------------------

    def close(self) -> None:
        """Release the library object now (idempotent); the operator is unusable afterwards."""
        handle, self._handle = self._handle, None
        if handle:
            _raw.lib.ik_linop_destroy(handle)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # at interpreter shutdown the library table may already be gone
            pass

    def __enter__(self) -> "LinearOperator":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _operand(a, name, shape, dtype) -> np.ndarray:
    """An input array of the operator's shape and dtype: integers and exact promotions (float32 to
    float64, real to complex, as numpy's) are converted; anything else is refused, naming `name`."""
    a, dtype = np.asarray(a), np.dtype(dtype)
    if a.dtype != dtype and a.dtype.kind in "biu" and np.can_cast(a.dtype, dtype, "same_kind"):
        a = a.astype(dtype)
    elif a.dtype != dtype and a.dtype.kind in "fc" and np.can_cast(a.dtype, dtype, "safe"):
        a = a.astype(dtype)
    if a.dtype != dtype:
        raise UnsupportedDtypeError(f"Invalid {name}: the operator takes {dtype} data, got {a.dtype}")
    if a.shape != tuple(shape):
        raise ShapeError(f"Invalid {name}: the operator takes shape {tuple(shape)}, got {a.shape}")
    return a


def _result(out, shape, dtype) -> np.ndarray:
    """The output array: a new one, or the caller's `out` when it is writeable and fits."""
    dtype = np.dtype(dtype)
    if out is None:
        return np.empty(shape, dtype=dtype)
    _checks.writeable(out)
    if out.shape != tuple(shape) or out.dtype != dtype:
        error = ShapeError if out.shape != tuple(shape) else UnsupportedDtypeError
        raise error(f"Invalid out: expected shape {tuple(shape)} and dtype {dtype}, got {out.shape} and {out.dtype}")
    return out


def _create(fn, *args, keep=()) -> LinearOperator:
    handle = ctypes.c_void_p()
    fn(ctypes.byref(handle), *args)
    return LinearOperator(handle, keepalive=keep)


# -- factories ------------------------------------------------------------------------------------

def identity(shape, dtype=np.float64) -> LinearOperator:
    ndim, extents = _shape_args(shape)
    return _create(_raw.lib.ik_linop_create_identity, ndim, extents, _ik_dtype(dtype))


def scaling(shape, scale: float, dtype=np.float64) -> LinearOperator:
    ndim, extents = _shape_args(shape)
    return _create(_raw.lib.ik_linop_create_scaling, ndim, extents, _ik_dtype(dtype), _checks.real(scale, "scale"))


def diagonal(d, dtype=None) -> LinearOperator:
    """y = d * x; `dtype` of the data defaults to d's."""
    d = np.asarray(d)
    return _create(_raw.lib.ik_linop_create_diagonal, Descriptor(d, "diagonal").ref,
                   _ik_dtype(d.dtype if dtype is None else dtype))


def mask(m, dtype=None) -> LinearOperator:
    """Inpainting: y = m * x with m of 0 (missing) and 1 (observed)."""
    m = _checks.no_complex(np.asarray(m), "mask")
    if m.dtype == bool or m.dtype.kind in "iu":
        m = m.astype(np.float64 if dtype is None or np.dtype(dtype) in (np.float64, np.complex128) else np.float32)
    return _create(_raw.lib.ik_linop_create_mask, Descriptor(m, "mask").ref,
                   _ik_dtype(m.dtype if dtype is None else dtype))


def gradient(shape, dtype=np.float64) -> LinearOperator:
    """Forward differences, Neumann boundary (TV's discretisation); output (ndim, *shape)."""
    ndim, extents = _shape_args(shape)
    return _create(_raw.lib.ik_linop_create_gradient, ndim, extents, _ik_dtype(dtype))


def divergence(shape, dtype=np.float64) -> LinearOperator:
    """div = -gradient^T; input (ndim, *shape)."""
    ndim, extents = _shape_args(shape)
    return _create(_raw.lib.ik_linop_create_divergence, ndim, extents, _ik_dtype(dtype))


def matrix(m) -> LinearOperator:
    """A dense matrix (copied) acting on vectors."""
    m = np.asarray(m)
    return _create(_raw.lib.ik_linop_create_matrix, Descriptor(m, "matrix").ref)


def csr(a) -> LinearOperator:
    """A scipy.sparse matrix (converted to CSR, copied)."""
    import scipy.sparse as sp
    a = sp.csr_matrix(a)
    indptr = np.ascontiguousarray(a.indptr, dtype=np.int64)
    indices = np.ascontiguousarray(a.indices, dtype=np.int64)
    values = np.ascontiguousarray(a.data)
    if values.dtype not in _DTYPE_CODES:
        values = values.astype(np.float64)
    p64 = ctypes.POINTER(ctypes.c_int64)
    return _create(_raw.lib.ik_linop_create_csr, _checks.integer(a.shape[0], "rows", *_checks.INT64),
                   _checks.integer(a.shape[1], "columns", *_checks.INT64),
                   indptr.ctypes.data_as(p64), indices.ctypes.data_as(p64), Descriptor(values, "values").ref)


def product(outer: LinearOperator, inner: LinearOperator) -> LinearOperator:
    return _create(_raw.lib.ik_linop_create_product, outer._handle, inner._handle, keep=(outer, inner))


def _list_create(fn, ops: Sequence[LinearOperator]) -> LinearOperator:
    ops = list(ops)
    for i, op in enumerate(ops):
        if not isinstance(op, LinearOperator):
            raise UnsupportedDtypeError(f"Invalid operators[{i}]: expected a LinearOperator, got {type(op).__name__}")
    _checks.integer(len(ops), "count", 1, _checks.INT32[1])
    handles = (ctypes.c_void_p * max(len(ops), 1))(*[op._handle for op in ops])
    return _create(fn, handles, len(ops), keep=tuple(ops))


def sum_of(ops: Sequence[LinearOperator]) -> LinearOperator:
    return _list_create(_raw.lib.ik_linop_create_sum, ops)


def stack(ops: Sequence[LinearOperator]) -> LinearOperator:
    """[A; B; ...] with flattened, concatenated outputs."""
    return _list_create(_raw.lib.ik_linop_create_stack, ops)


def block_diag(ops: Sequence[LinearOperator]) -> LinearOperator:
    """diag(A, B, ...); a batch (count, *shape) when all blocks share their shapes."""
    return _list_create(_raw.lib.ik_linop_create_block_diagonal, ops)


def batch(op: LinearOperator, count: int) -> LinearOperator:
    """`op` applied to each of `count` items along a new leading axis: (count, *in) -> (count, *out)."""
    count = _checks.integer(count, "count", 1, _checks.INT32[1])
    return block_diag([op] * count)


_BOUNDARIES = {"periodic": 0, "same": 1, "valid": 2}
_FILTERS = {"ramp": 0, "shepp-logan": 1, "cosine": 2, "hann": 3, "hamming": 4}


def convolution(shape, kernel, boundary: str = "periodic") -> LinearOperator:
    """Convolution of real images of `shape` (1-3 D) with `kernel` (float32 or float64): by FFT,
    or directly, one pass per axis, when the kernel is an outer product of short 1-D taps (a
    Gaussian, a box, any 1-D kernel).

    boundary "periodic" (circular, kernel centre at k // 2), "same" or "valid" (zeros outside,
    cropped as scipy.signal.convolve's modes)."""
    if boundary not in _BOUNDARIES:
        raise InvalidArgumentError(f"Invalid boundary: expected one of {sorted(_BOUNDARIES)}, got {boundary!r}")
    kernel = np.asarray(kernel)
    ndim, extents = _shape_args(shape)
    return _create(_raw.lib.ik_linop_create_convolution, ndim, extents, Descriptor(kernel, "kernel").ref,
                   _BOUNDARIES[boundary])


def fourier(shape, mask=None, coil_maps=None, centered: bool = False, dtype=np.complex128) -> LinearOperator:
    """Undersampled orthonormal DFT of complex 2-D/3-D images (MRI); SENSE when coil_maps
    (coils, *shape) is given. centered=True uses fftshift(fftn(ifftshift(x)))."""
    ndim, extents = _shape_args(shape)
    real = np.float32 if np.dtype(dtype) == np.complex64 else np.float64
    cplx = np.complex64 if real == np.float32 else np.complex128
    md = None if mask is None else Descriptor(_checks.no_complex(np.asarray(mask), "mask").astype(real), "mask")
    cd = None if coil_maps is None else Descriptor(np.asarray(coil_maps).astype(cplx), "coil_maps")
    return _create(_raw.lib.ik_linop_create_fourier, ndim, extents, _ik_dtype(dtype), md.ref if md else None,
                   cd.ref if cd else None, int(bool(centered)))


def super_resolution(shape, kernel, factor: int) -> LinearOperator:
    """Periodic blur with `kernel`, then keep every `factor`-th sample (super-resolution model)."""
    kernel = np.asarray(kernel)
    ndim, extents = _shape_args(shape)
    return _create(_raw.lib.ik_linop_create_super_resolution, ndim, extents, Descriptor(kernel, "kernel").ref,
                   _checks.integer(factor, "factor", *_checks.INT32))


def radon(shape, angles, detectors: Optional[int] = None, spacing: float = 1.0, dtype=np.float64,
          threads: int = 0) -> LinearOperator:
    """2-D parallel-beam X-ray transform (Joseph) for images (rows, cols), or (slices, rows, cols)
    projected slice by slice; `angles` in radians. Sinogram shape (angles, detectors)."""
    shape = _checks.shape(shape)
    if len(shape) not in (2, 3):
        raise ShapeError(f"Invalid shape: expected (rows, columns) or (slices, rows, columns), got {shape}")
    theta = np.ascontiguousarray(_checks.no_complex(np.asarray(angles), "angles"), dtype=np.float64).ravel()
    slices = shape[0] if len(shape) == 3 else 0
    return _create(_raw.lib.ik_linop_create_radon, shape[-2], shape[-1],
                   theta.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), theta.size,
                   0 if detectors is None else _checks.integer(detectors, "detectors", 1, _checks.INT64[1]),
                   _checks.real(spacing, "spacing"), slices, _ik_dtype(dtype),
                   _checks.integer(threads, "threads", 0, _checks.INT32[1]))


def fbp(sinogram, angles, shape, filter: str = "ramp", spacing: float = 1.0, circle: bool = False) -> np.ndarray:
    """Filtered back-projection of a (angles, detectors) sinogram to an image of `shape`; with
    circle=True, pixels outside the inscribed circle are set to 0 (as skimage's iradon)."""
    if filter not in _FILTERS:
        raise InvalidArgumentError(f"Invalid filter: expected one of {sorted(_FILTERS)}, got {filter!r}")
    sinogram = _checks.no_complex(np.asarray(sinogram), "sinogram")
    theta = np.ascontiguousarray(_checks.no_complex(np.asarray(angles), "angles"), dtype=np.float64).ravel()
    out = np.empty(_checks.shape(shape), dtype=sinogram.dtype if sinogram.dtype == np.float32 else np.float64)
    _raw.lib.ik_fbp(Descriptor(sinogram, "sinogram").ref, theta.ctypes.data_as(ctypes.POINTER(ctypes.c_double)),
                    theta.size, _checks.real(spacing, "spacing"), _FILTERS[filter], int(bool(circle)),
                    Descriptor(out, "image").ref)
    return out


_CALLBACK = _raw.LINOP_FUNCTION


def _wrap(array_ptr) -> np.ndarray:
    a = array_ptr.contents
    dtype = _FROM_CODES[(a.dtype.code, a.dtype.bits)]
    shape = tuple(a.shape[i] for i in range(a.ndim))
    count = int(np.prod(shape))
    buffer = (ctypes.c_char * (count * dtype.itemsize)).from_address(a.data)
    return np.frombuffer(buffer, dtype=dtype).reshape(shape)


def from_callable(apply: Callable[[np.ndarray], np.ndarray], adjoint: Callable[[np.ndarray], np.ndarray],
                  input_shape, output_shape, dtype=np.float64, output_dtype=None,
                  normal_solve: Optional[Callable[[np.ndarray, float], np.ndarray]] = None,
                  norm_bound: Optional[float] = None) -> LinearOperator:
    """An operator from two Python functions (numpy in, numpy out). An exception raised by either
    fails the call with CallbackError, chained to the original exception. Optional (experimental
    tier): `normal_solve(b, rho)` returning (A^H A + rho I)^{-1} b gives the operator a closed-form
    normal solve (used by least-squares proxes); `norm_bound` an upper bound on ||A|| for step
    sizes."""
    output_dtype = dtype if output_dtype is None else output_dtype
    errors: list = []

    def bridge(fn, out_shape, out_dtype):
        def call(_user, src, dst):
            try:
                result = np.asarray(fn(_wrap(src).copy()))
                target = _wrap(dst)
                if result.shape != target.shape:
                    raise ValueError(f"callback returned shape {result.shape}, expected {target.shape}")
                if np.iscomplexobj(result) and not np.iscomplexobj(target):
                    raise TypeError(f"callback returned complex values ({result.dtype}) for real {target.dtype} data")
                target[...] = result
                return 0
            except BaseException as exc:  # reported through the status, re-raised below
                errors.append(exc)
                return 1
        return _CALLBACK(call)

    forward = bridge(apply, output_shape, output_dtype)
    backward = bridge(adjoint, input_shape, dtype)
    in_ndim, in_extents = _shape_args(input_shape, "input_shape")
    out_ndim, out_extents = _shape_args(output_shape, "output_shape")
    if normal_solve is None and norm_bound is None:
        op = _create(_raw.lib.ik_linop_create_callback, in_ndim, in_extents, _ik_dtype(dtype), out_ndim, out_extents,
                     _ik_dtype(output_dtype, "output_dtype"), forward, backward, None, None)
        op._keepalive = (forward, backward)
    else:
        def solve_call(_user, rho, src, dst):
            try:
                result = np.asarray(normal_solve(_wrap(src).copy(), rho))
                target = _wrap(dst)
                if result.shape != target.shape:
                    raise ValueError(f"normal_solve returned shape {result.shape}, expected {target.shape}")
                target[...] = result
                return 0
            except BaseException as exc:
                errors.append(exc)
                return 1

        solver = _raw.NORMAL_SOLVE_FUNCTION(solve_call) if normal_solve is not None else _raw.NORMAL_SOLVE_FUNCTION()
        callbacks = _raw.IkLinopCallbacks()
        callbacks.struct_size = ctypes.sizeof(_raw.IkLinopCallbacks)
        callbacks.apply, callbacks.adjoint, callbacks.normal_solve = forward, backward, solver
        if norm_bound is not None:
            bound = _checks.real(norm_bound, "norm_bound")
            if not (np.isfinite(bound) and bound > 0):
                raise InvalidArgumentError(f"Invalid norm_bound: expected a finite value > 0, got {bound}")
            callbacks.norm_bound = bound
        op = _create(_raw.lib.ik_linop_create_from_callbacks, in_ndim, in_extents, _ik_dtype(dtype), out_ndim,
                     out_extents, _ik_dtype(output_dtype, "output_dtype"), ctypes.byref(callbacks))
        op._keepalive = (forward, backward, solver)
    op._callback_errors = errors
    return _CallbackOperator.adopt(op)


class _CallbackOperator(LinearOperator):
    """Re-raises the Python exception a callback raised, chained to the library's CallbackError."""

    @classmethod
    def adopt(cls, op: LinearOperator) -> "_CallbackOperator":
        op.__class__ = cls
        return op

    def _run(self, *args):
        try:
            return super()._run(*args)
        except CallbackError as error:
            cause = self._callback_errors.pop() if self._callback_errors else None
            self._callback_errors.clear()
            raise error from cause
