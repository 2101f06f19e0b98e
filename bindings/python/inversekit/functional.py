"""Functionals: the terms of a reconstruction objective, with value, gradient, prox, conjugate and
the constants solvers need. (Experimental tier of the C API: the interface may change in a release.)

    >>> import numpy as np, inversekit as ik
    >>> f = 0.1 * ik.functional.l1((64, 64))
    >>> x = f.prox(np.random.randn(64, 64), tau=1.0)        # soft thresholding at 0.1

A functional without the "stateful" capability may be shared between threads; a stateful one
(TV, least squares, translated or composed functionals) serves one call at a time and raises
InvalidArgumentError when called while another call runs.
"""
from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass
from typing import FrozenSet, Optional, Sequence, Tuple

import numpy as np

from . import _checks, _raw
from ._arrays import Descriptor
from .errors import InvalidArgumentError, UnsupportedDtypeError
from .linop import LinearOperator, _FROM_CODES, _ik_dtype, _operand, _result, _shape_args
from .tv import TVInfo, _info, _make_options

_CAPABILITIES = {
    "value": _raw.IK_FUNCTIONAL_VALUE,
    "gradient": _raw.IK_FUNCTIONAL_GRADIENT,
    "prox": _raw.IK_FUNCTIONAL_PROX,
    "prox_conjugate": _raw.IK_FUNCTIONAL_PROX_CONJUGATE,
    "conjugate_value": _raw.IK_FUNCTIONAL_CONJUGATE_VALUE,
    "lipschitz": _raw.IK_FUNCTIONAL_LIPSCHITZ,
    "strongly_convex": _raw.IK_FUNCTIONAL_STRONGLY_CONVEX,
    "stateful": _raw.IK_FUNCTIONAL_STATEFUL,
}


@dataclass(frozen=True)
class CheckReport:
    """The contract checks' relative errors (about the working precision when correct); None where
    the functional lacks what a check needs."""

    moreau: Optional[float]
    prox_optimality: Optional[float]
    fenchel_young: Optional[float]
    gradient: Optional[float]


class Functional:
    """A convex functional f on arrays of `shape` and `dtype`, R u {+inf} valued.

    `lam * f` scales it, `f.shifted(b)` is f(x - b), `f.composed(A)` is f(A x).
    """

    def __init__(self, handle: ctypes.c_void_p, keepalive=()) -> None:
        self._handle = handle
        self._keepalive = tuple(keepalive)
        shape = (ctypes.c_int64 * _raw.IK_MAX_NDIM)()
        ndim = ctypes.c_int32()
        dtype = _raw.IkDtype()
        _raw.lib.ik_functional_shape(handle, shape, ctypes.byref(ndim), ctypes.byref(dtype))
        self.shape: Tuple[int, ...] = tuple(shape[: ndim.value])
        self.dtype: np.dtype = _FROM_CODES[(dtype.code, dtype.bits)]
        bits = ctypes.c_uint32()
        _raw.lib.ik_functional_capabilities(handle, ctypes.byref(bits))
        self._bits = bits.value

    @property
    def capabilities(self) -> FrozenSet[str]:
        """What it can compute: value, gradient, prox, prox_conjugate, conjugate_value, lipschitz,
        strongly_convex, and whether it is stateful."""
        return frozenset(name for name, bit in _CAPABILITIES.items() if self._bits & bit)

    @property
    def lipschitz(self) -> float:
        """A Lipschitz constant of the gradient (inf when unknown or not smooth)."""
        value = ctypes.c_double()
        _raw.lib.ik_functional_constants(self._handle, ctypes.byref(value), None)
        return value.value

    @property
    def strong_convexity(self) -> float:
        """The strong-convexity modulus (0 when unknown)."""
        value = ctypes.c_double()
        _raw.lib.ik_functional_constants(self._handle, None, ctypes.byref(value))
        return value.value

    def __repr__(self) -> str:
        return f"Functional({self.shape} {self.dtype}, {sorted(self.capabilities)})"

    # -- evaluation ---------------------------------------------------------------------------

    def _scalar(self, fn, a, name) -> float:
        a = _operand(a, name, self.shape, self.dtype)
        value = ctypes.c_double()
        fn(self._handle, Descriptor(a, name).ref, ctypes.byref(value))
        return value.value

    def value(self, x) -> float:
        """f(x); inf off the domain."""
        return self._scalar(_raw.lib.ik_functional_value, x, "x")

    __call__ = value

    def conjugate_value(self, s) -> float:
        """f*(s); inf off the conjugate's domain."""
        return self._scalar(_raw.lib.ik_functional_conjugate_value, s, "s")

    def dual_scale(self, s) -> float:
        """The largest c in [0, 1] with f*(c s) finite."""
        return self._scalar(_raw.lib.ik_functional_dual_scale, s, "s")

    def _map(self, fn, a, name, out, *scalars):
        a = _operand(a, name, self.shape, self.dtype)
        out = _result(out, self.shape, self.dtype)
        fn(self._handle, Descriptor(a, name).ref, *scalars, Descriptor(out, "out").ref)
        return out

    def gradient(self, x, out: Optional[np.ndarray] = None) -> np.ndarray:
        """grad f(x)."""
        return self._map(_raw.lib.ik_functional_gradient, x, "x", out)

    def prox(self, v, tau: float, out: Optional[np.ndarray] = None) -> np.ndarray:
        """argmin_x f(x) + ||x - v||^2 / (2 tau); `out` may be `v` itself."""
        return self._map(_raw.lib.ik_functional_prox, v, "v", out, _checks.real(tau, "tau"))

    def prox_conjugate(self, v, sigma: float, out: Optional[np.ndarray] = None) -> np.ndarray:
        """prox_{sigma f*}(v)."""
        return self._map(_raw.lib.ik_functional_prox_conjugate, v, "v", out, _checks.real(sigma, "sigma"))

    def tv_info(self) -> TVInfo:
        """The certificate of the last prox of a TV functional (or of a scaled or shifted one)."""
        info = _raw.initialized(_raw.IkTVInfo, "ik_tv_info_init")
        _raw.lib.ik_functional_tv_info(self._handle, ctypes.byref(info))
        return _info(info)

    def check(self, seed: int = 0, tau: float = 0.7) -> CheckReport:
        """The contract checks (Moreau identity, prox optimality, Fenchel-Young, gradient) at a
        random point drawn with `seed`."""
        report = _raw.initialized(_raw.IkFunctionalCheckReport, "ik_functional_check_report_init")
        _raw.lib.ik_functional_check(self._handle, _checks.integer(seed, "seed", *_checks.UINT64),
                                     _checks.real(tau, "tau"), ctypes.byref(report))

        def figure(v):
            return None if math.isnan(v) else float(v)

        return CheckReport(figure(report.moreau), figure(report.prox_optimality), figure(report.fenchel_young),
                           figure(report.gradient))

    # -- combinations ---------------------------------------------------------------------------

    def __rmul__(self, scale) -> "Functional":
        if isinstance(scale, (bool, np.bool_)) or not isinstance(scale, (int, float, np.integer, np.floating)):
            return NotImplemented
        return scaled(self, scale)

    __mul__ = __rmul__

    def shifted(self, offset) -> "Functional":
        """x -> f(x - offset)."""
        return translated(self, offset)

    def composed(self, op: LinearOperator) -> "Functional":
        """x -> f(A x)."""
        return composed(self, op)

    def close(self) -> None:
        """Releases the library object now (it is also released when garbage collected)."""
        if getattr(self, "_handle", None):
            _raw.lib.ik_functional_destroy(self._handle)
            self._handle = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass


def _create(fn, *args, keep=()) -> Functional:
    handle = ctypes.c_void_p()
    fn(ctypes.byref(handle), *args)
    return Functional(handle, keepalive=keep)


def _real_data(values, name, dtype, shape=None) -> np.ndarray:
    """A real array (weights, counts) in `dtype`'s real precision; complex is refused."""
    array = _checks.no_complex(np.asarray(values), name)
    real = np.dtype(np.float32) if np.dtype(dtype) in (np.float32, np.complex64) else np.dtype(np.float64)
    if array.dtype != real:
        if array.dtype.kind not in "biuf":
            raise UnsupportedDtypeError(f"Invalid {name}: expected real numbers, got {array.dtype}")
        array = array.astype(real)
    return array


def _require(f, name):
    if not isinstance(f, Functional):
        raise UnsupportedDtypeError(f"Invalid {name}: expected a Functional, got {type(f).__name__}")
    return f


def _require_operator(op, name="op"):
    if not isinstance(op, LinearOperator):
        raise UnsupportedDtypeError(f"Invalid {name}: expected a LinearOperator, got {type(op).__name__}")
    return op


# -- factories ------------------------------------------------------------------------------------

def l1(shape, dtype=np.float64, weights=None) -> Functional:
    """sum_i w_i |x_i| (modulus for complex data); weights >= 0 of `shape`, all ones when None."""
    ndim, extents = _shape_args(shape)
    w = None if weights is None else Descriptor(_real_data(weights, "weights", dtype), "weights")
    return _create(_raw.lib.ik_functional_create_l1, ndim, extents, _ik_dtype(dtype), w.ref if w else None)


def squared_l2(shape, dtype=np.float64) -> Functional:
    """0.5 ||x||^2."""
    ndim, extents = _shape_args(shape)
    return _create(_raw.lib.ik_functional_create_squared_l2, ndim, extents, _ik_dtype(dtype))


def group_l21(shape, axis: int, dtype=np.float64) -> Functional:
    """sum of Euclidean norms of the vectors along `axis`."""
    ndim, extents = _shape_args(shape)
    return _create(_raw.lib.ik_functional_create_group_l21, ndim, extents, _ik_dtype(dtype),
                   _checks.integer(axis, "axis", *_checks.INT32))


def box(shape, lower: float = -math.inf, upper: float = math.inf, dtype=np.float64) -> Functional:
    """The indicator of lower <= x <= upper (real data)."""
    ndim, extents = _shape_args(shape)
    lo, hi = _checks.real(lower, "lower"), _checks.real(upper, "upper")
    if lo > hi:
        raise InvalidArgumentError(f"Invalid lower, upper: lower ({lo}) > upper ({hi})")
    return _create(_raw.lib.ik_functional_create_box, ndim, extents, _ik_dtype(dtype), lo, hi)


def nonnegative(shape, dtype=np.float64) -> Functional:
    """The indicator of x >= 0."""
    ndim, extents = _shape_args(shape)
    return _create(_raw.lib.ik_functional_create_nonnegative, ndim, extents, _ik_dtype(dtype))


def l2_ball(centre, radius: float) -> Functional:
    """The indicator of ||x - centre|| <= radius; `centre` gives shape and dtype."""
    c = np.asarray(centre)
    if c.dtype.kind in "biu":
        c = c.astype(np.float64)
    return _create(_raw.lib.ik_functional_create_l2_ball, Descriptor(c, "centre").ref, _checks.real(radius, "radius"))


def kl(counts, background=None, dtype=None) -> Functional:
    """The Kullback-Leibler divergence of counts y >= 0 from a mean z + b (b >= 0, zero when None):
    sum (z + b) - y + y log(y / (z + b)). Compose with a forward model for KL(y, A x + b)."""
    dtype = np.float64 if dtype is None else dtype
    y = _real_data(counts, "counts", dtype)
    yd = Descriptor(y, "counts")
    bd = None
    if background is not None:
        bd = Descriptor(_real_data(background, "background", dtype), "background")
    return _create(_raw.lib.ik_functional_create_kl, yd.ref, bd.ref if bd else None)


def least_squares(op: LinearOperator, data=None, weights=None) -> Functional:
    """0.5 sum_j w_j |(A x - y)_j|^2 (y = 0 when data is None; w all ones when weights is None)."""
    _require_operator(op)
    dd = wd = None
    if data is not None:
        dd = Descriptor(_operand(data, "data", op.output_shape, op.output_dtype), "data")
    if weights is not None:
        wd = Descriptor(_real_data(weights, "weights", op.output_dtype), "weights")
    return _create(_raw.lib.ik_functional_create_least_squares, op._handle, dd.ref if dd else None,
                   wd.ref if wd else None, keep=(op,))


def tikhonov(op: LinearOperator) -> Functional:
    """0.5 ||L x||^2."""
    return _create(_raw.lib.ik_functional_create_tikhonov, _require_operator(op)._handle, keep=(op,))


def tv(shape, dtype=np.float64, norm: str = "isotropic", tol: float = 1e-4, max_iter: int = 1000,
       threads: int = 0, check_interval: int = 10, lower: Optional[float] = None, upper: Optional[float] = None,
       weights=None) -> Functional:
    """TV_w(x) plus the box [lower, upper] (2-D or 3-D, real). Its prox is TV denoising to `tol`,
    warm-started from the previous prox; `tv_info()` gives that solve's certificate."""
    ndim, extents = _shape_args(shape)
    options, keep = _make_options(np.dtype(dtype), norm, tol, max_iter, threads, check_interval, lower, upper, weights)
    f = _create(_raw.lib.ik_functional_create_tv, ndim, extents, _ik_dtype(dtype), ctypes.byref(options))
    del keep
    return f


def scaled(f: Functional, scale: float) -> Functional:
    """scale * f, scale > 0."""
    return _create(_raw.lib.ik_functional_create_scaled, _require(f, "f")._handle, _checks.real(scale, "lam"),
                   keep=(f,))


def translated(f: Functional, offset) -> Functional:
    """x -> f(x - offset)."""
    _require(f, "f")
    b = _operand(offset, "offset", f.shape, f.dtype)
    return _create(_raw.lib.ik_functional_create_translated, f._handle, Descriptor(b, "offset").ref, keep=(f,))


def composed(f: Functional, op: LinearOperator) -> Functional:
    """x -> f(A x)."""
    return _create(_raw.lib.ik_functional_create_composed, _require(f, "f")._handle,
                   _require_operator(op)._handle, keep=(f, op))


def separable_sum(terms: Sequence[Functional]) -> Functional:
    """(x_1, ..., x_k) -> sum f_i(x_i) on the flat concatenation of the arguments."""
    terms = list(terms)
    for i, t in enumerate(terms):
        _require(t, f"terms[{i}]")
    _checks.integer(len(terms), "count", 1, _checks.INT32[1])
    handles = (ctypes.c_void_p * max(len(terms), 1))(*[t._handle for t in terms])
    return _create(_raw.lib.ik_functional_create_separable_sum, handles, len(terms), keep=tuple(terms))
