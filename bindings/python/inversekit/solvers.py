"""Solvers: minimise sum_i F_i(K_i x) + G(x) with a certificate of how close the answer is.
(Experimental tier of the C API: the interface may change in a release.)

    >>> import numpy as np, inversekit as ik
    >>> from inversekit import functional as fn, linop
    >>> y = np.random.rand(64, 64)
    >>> D = linop.gradient(y.shape)
    >>> x, result = ik.solvers.solve([(0.1 * fn.group_l21(D.output_shape, 0), D)],
    ...                              g=fn.squared_l2(y.shape).shifted(y), tol=1e-6)
    >>> result.gap >= 0
    True

`result.history` lists, for every check, the iteration, P, the best lower bound D, the gap and the
relative gap, for plotting the certificate against iterations.
"""
from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _checks, _raw
from ._arrays import Descriptor
from .errors import CallbackError, InvalidArgumentError, UnsupportedDtypeError
from .functional import Functional
from .linop import LinearOperator, _wrap

_METHODS = {
    "pdhg": _raw.IK_SOLVER_PRIMAL_DUAL,
    "primal-dual": _raw.IK_SOLVER_PRIMAL_DUAL,
    "fista": _raw.IK_SOLVER_PROXIMAL_GRADIENT,
    "ista": _raw.IK_SOLVER_PROXIMAL_GRADIENT,
    "cg": _raw.IK_SOLVER_CONJUGATE_GRADIENT,
    "cgls": _raw.IK_SOLVER_CGLS,
    "lsqr": _raw.IK_SOLVER_LSQR,
    "admm": _raw.IK_SOLVER_ADMM,
}
_REASONS = {
    _raw.IK_STOP_CONVERGED: "converged",
    _raw.IK_STOP_MAX_ITERATIONS: "max_iterations",
    _raw.IK_STOP_RELATIVE_CHANGE: "relative_change",
    _raw.IK_STOP_CALLBACK: "callback",
}


@dataclass(frozen=True)
class Progress:
    """One check: what the callback receives (x is a read-only view, valid during the call)."""

    iteration: int
    primal: float
    dual: float
    gap: float
    relative_gap: float
    seconds: float
    x: np.ndarray


@dataclass
class SolveResult:
    """How a solve ended; `gap` bounds P(x) - min P (inf without a certificate). Of `seconds`,
    `check_seconds` went to checks and (pdhg) `call_seconds` to operator and prox calls."""

    stop_reason: str
    iterations: int
    primal: float
    dual: float
    gap: float
    relative_gap: float
    seconds: float
    primal_step: float
    dual_step: float
    history: List[dict] = field(default_factory=list)
    check_seconds: float = 0.0
    call_seconds: float = 0.0

    @property
    def converged(self) -> bool:
        return self.stop_reason == "converged"


Term = Union[Functional, Tuple[Functional, Optional[LinearOperator]]]


def solve(terms: Sequence[Term], g: Optional[Functional] = None, method: str = "pdhg", x0=None, *,
          tol: float = 1e-4, change_tol: float = 1e-6, max_iter: int = 1000, check_interval: int = 10,
          tau: Optional[float] = None, sigma: Optional[float] = None, relaxation: float = 1.0,
          accelerate: bool = False, precondition: bool = False, backtracking: bool = False, restart: bool = True,
          solution_radius: Optional[float] = None, rho: Optional[float] = None, callback: Optional[Callable[[Progress], Optional[bool]]] = None,
          progress: bool = False, out: Optional[np.ndarray] = None) -> Tuple[np.ndarray, SolveResult]:
    """Minimises sum_i F_i(K_i x) + g(x).

    terms: functionals F_i, or pairs (F_i, K_i) with K_i a LinearOperator (None: identity).
    method: "pdhg" (Chambolle-Pock; needs conjugate proxes and g's prox), "fista" or "ista"
    (smooth terms, g's prox), "cg" (quadratic objectives), "cgls" or "lsqr" (every term and g a
    least-squares residual (c/2)||M K x - b||^2: least squares, Tikhonov, squared norms; they apply
    K and K^H only, the steadier choice when K is ill-conditioned), "admm" (least-squares terms in
    the x-step, solved in closed form when an operator has a normal solve, CG otherwise; every
    other term, and g, through its prox; penalty rho, default 1). x0: a warm start. tau, sigma: steps
    (automatic from the operators' norm bounds when None; above the convergence bound they are
    refused). precondition=True (pdhg): diagonal steps from the operators' row and column sums of |K|
    (one sigma per term, tau per pixel when g is None or a box) instead of tau and sigma from ||K||;
    leave tau, sigma and accelerate unset with it. solution_radius: R with ||x*|| <= R, if known, for a certificate where g gives none.
    callback(progress) runs at every check; returning False stops the run. progress=True shows a
    tqdm bar (when tqdm is installed). Returns (x, SolveResult)."""
    if method not in _METHODS:
        raise InvalidArgumentError(f"Invalid method: expected one of {sorted(_METHODS)}, got {method!r}")
    pairs = []
    for i, term in enumerate(terms):
        f, op = (term if isinstance(term, tuple) else (term, None))
        if not isinstance(f, Functional):
            raise UnsupportedDtypeError(f"Invalid terms[{i}]: expected a Functional or (Functional, LinearOperator), got {type(f).__name__}")
        if op is not None and not isinstance(op, LinearOperator):
            raise UnsupportedDtypeError(f"Invalid terms[{i}]: expected a LinearOperator, got {type(op).__name__}")
        pairs.append((f, op))
    if g is not None and not isinstance(g, Functional):
        raise UnsupportedDtypeError(f"Invalid g: expected a Functional, got {type(g).__name__}")
    if not pairs and g is None:
        raise InvalidArgumentError("Invalid terms: an objective needs at least one term or g")
    if pairs:
        f, op = pairs[0]
        shape, dtype = (op.input_shape, op.input_dtype) if op is not None else (f.shape, f.dtype)
    else:
        shape, dtype = g.shape, g.dtype

    options = _raw.initialized(_raw.IkSolverOptions, "ik_solver_options_init")
    options.method = _METHODS[method]
    options.tolerance = _nonnegative(tol, "tol")
    options.change_tolerance = _nonnegative(change_tol, "change_tol")
    options.max_iterations = _checks.integer(max_iter, "max_iter", 1, _checks.INT64[1])
    options.check_interval = _checks.integer(check_interval, "check_interval", 1, _checks.INT32[1])
    options.primal_step = 0.0 if tau is None else _positive(tau, "tau")
    options.dual_step = 0.0 if sigma is None else _positive(sigma, "sigma")
    options.relaxation = _checks.real(relaxation, "relaxation")
    if not 0 <= options.relaxation <= 1:
        raise InvalidArgumentError(f"Invalid relaxation: expected a value in [0, 1], got {options.relaxation}")
    options.accelerate = int(bool(accelerate))
    options.precondition = int(bool(precondition))
    if precondition and (tau is not None or sigma is not None or accelerate):
        raise InvalidArgumentError("Invalid precondition: diagonal preconditioning chooses the steps; "
                                   "leave tau, sigma and accelerate unset")
    options.ista = int(method == "ista")
    options.backtracking = int(bool(backtracking))
    options.restart = int(bool(restart))
    options.solution_radius = 0.0 if solution_radius is None else _positive(solution_radius, "solution_radius")
    options.penalty = 0.0 if rho is None else _positive(rho, "rho")

    from .linop import _operand, _result
    target = None if out is None else _result(out, shape, dtype)
    # The library works in its own array (read as the warm start); `out` is written on success only.
    work = np.zeros(shape, dtype=dtype)
    if x0 is not None:
        work[...] = _operand(x0, "x0", shape, dtype)
        options.warm_start = 1

    history: List[dict] = []
    errors: list = []
    bar = _progress_bar(max_iter) if progress else None

    def bridge(_user, p):
        try:
            q = p.contents
            view = _wrap(q.x)
            view.flags.writeable = False
            record = {"iteration": int(q.iteration), "primal": q.primal, "dual": q.dual, "gap": q.gap,
                      "relative_gap": q.relative_gap, "seconds": q.seconds}
            history.append(record)
            if bar is not None:
                bar.update(int(q.iteration) - bar.n)
                bar.set_postfix(gap=f"{q.relative_gap:.2e}")
            if callback is not None:
                answer = callback(Progress(x=view, **record))
                if answer is False:
                    return 1
            return 0
        except BaseException as exc:  # re-raised below, chained to the library's CallbackError
            errors.append(exc)
            return 2

    c_callback = _raw.SOLVER_CALLBACK(bridge)
    options.callback = c_callback
    functionals = (ctypes.c_void_p * max(len(pairs), 1))(*[f._handle for f, _ in pairs])
    operators = (ctypes.c_void_p * max(len(pairs), 1))(*[op._handle if op is not None else None for _, op in pairs])
    info = _raw.initialized(_raw.IkSolverInfo, "ik_solver_info_init")
    xd = Descriptor(work, "x")
    try:
        _raw.lib.ik_solve(functionals, operators, len(pairs), g._handle if g is not None else None, xd.ref,
                          ctypes.byref(options), ctypes.byref(info))
    except CallbackError as error:
        raise error from (errors[-1] if errors else None)
    finally:
        if bar is not None:
            bar.close()
    if target is not None:
        target[...] = work
        work = target
    return work, SolveResult(_REASONS.get(info.stop_reason, str(info.stop_reason)), int(info.iterations), info.primal,
                            info.dual, info.gap, info.relative_gap, info.seconds, info.primal_step, info.dual_step,
                            history, info.check_seconds, info.call_seconds)


def _nonnegative(value, name) -> float:
    v = _checks.real(value, name)
    if not (math.isfinite(v) and v >= 0):
        raise InvalidArgumentError(f"Invalid {name}: expected a finite value >= 0, got {v}")
    return v


def _positive(value, name) -> float:
    v = _checks.real(value, name)
    if not (math.isfinite(v) and v > 0):
        raise InvalidArgumentError(f"Invalid {name}: expected a finite value > 0, got {v}")
    return v


def _progress_bar(total):
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, unit="it", leave=False)
