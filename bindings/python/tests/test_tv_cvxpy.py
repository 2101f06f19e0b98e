"""TV denoising against independent optima computed by cvxpy with the CLARABEL interior-point solver."""
from __future__ import annotations

import functools
import zlib

import cvxpy as cp
import numpy as np
import pytest
import scipy.sparse as sp

import inversekit as ik
from conftest import piecewise_image

LAMBDA = 0.12
SHAPES = [(31, 24), (12, 10, 7)]


def difference_matrices(shape):
    """Forward differences with Neumann boundary (zero row at the end of each axis), one per axis."""
    mats = []
    for axis, n in enumerate(shape):
        d = sp.diags([-np.ones(n), np.ones(n - 1)], [0, 1], shape=(n, n), format="lil")
        d[n - 1, n - 1] = 0
        factors = [sp.identity(m, format="csr") for m in shape]
        factors[axis] = d.tocsr()
        full = factors[0]
        for f in factors[1:]:
            full = sp.kron(full, f, format="csr")
        mats.append(full)
    return mats


@functools.lru_cache(maxsize=None)
def problem(shape, norm, weighted, boxed):
    rng = np.random.default_rng(zlib.crc32(repr((shape, norm, weighted, boxed)).encode()))
    y = piecewise_image(shape, rng)
    w = 0.5 + rng.random(shape) if weighted else None
    box = (0.2, 0.8) if boxed else (None, None)
    x = cp.Variable(int(np.prod(shape)))
    grads = [d @ x for d in difference_matrices(shape)]
    if norm == "isotropic":
        pixel = cp.norm(cp.vstack(grads), 2, axis=0)
    else:
        pixel = sum(cp.abs(g) for g in grads)
    weight = np.ones(x.size) if w is None else w.ravel()
    objective = 0.5 * cp.sum_squares(x - y.ravel()) + LAMBDA * cp.sum(cp.multiply(weight, pixel))
    constraints = [] if not boxed else [x >= box[0], x <= box[1]]
    prob = cp.Problem(cp.Minimize(objective), constraints)
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10, max_iter=500)
    assert prob.status == cp.OPTIMAL
    return y, w, box, prob.value


def objective64(x, y, w, norm):
    """P(x) evaluated in float64 whatever the dtype of x."""
    return ik.tv_objective(np.asarray(x, np.float64), y, LAMBDA, norm, w)


@pytest.mark.parametrize("shape", SHAPES, ids=["2d", "3d"])
@pytest.mark.parametrize("norm", ["isotropic", "anisotropic"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("boxed", [False, True], ids=["free", "box"])
@pytest.mark.parametrize("dtype,tol,accept", [(np.float64, 1e-8, 1e-6), (np.float32, 1e-5, 1e-4)],
                         ids=["f64", "f32"])
@pytest.mark.parametrize("keep_dual", [False, True], ids=["", "kept-dual"])
def test_matches_cvxpy_optimum(shape, norm, weighted, boxed, dtype, tol, accept, keep_dual):
    # In 2-D a kept dual selects the dual method, none the primal-dual one: both must get there.
    y, w, box, p_star = problem(shape, norm, weighted, boxed)
    dual = np.zeros(ik.dual_shape(shape), dtype) if keep_dual else None
    x, info = ik.tv_denoise(y.astype(dtype), LAMBDA, norm=norm, weights=None if w is None else w.astype(dtype),
                            lower=box[0], upper=box[1], tol=tol, max_iter=200_000, dual=dual, return_info=True)
    assert x.dtype == dtype
    assert info.converged
    p_ours = objective64(x, y, w, norm)
    assert abs(p_ours - p_star) / p_star <= accept
    if boxed:
        assert x.min() >= box[0] and x.max() <= box[1]


@pytest.mark.parametrize("shape", SHAPES, ids=["2d", "3d"])
@pytest.mark.parametrize("norm", ["isotropic", "anisotropic"])
@pytest.mark.parametrize("keep_dual", [False, True], ids=["", "kept-dual"])
def test_reported_gap_bounds_true_suboptimality(shape, norm, keep_dual):
    y, w, box, p_star = problem(shape, norm, True, True)
    for tol in (1e-2, 1e-3, 1e-4):
        dual = np.zeros(ik.dual_shape(shape)) if keep_dual else None
        x, info = ik.tv_denoise(y, LAMBDA, norm=norm, weights=w, lower=box[0], upper=box[1], tol=tol,
                                dual=dual, return_info=True)
        p_ours = objective64(x, y, w, norm)
        assert info.primal == pytest.approx(p_ours, rel=1e-12)
        # cvxpy's value is itself optimal only to ~1e-10; the certificate must cover the rest.
        assert p_ours - p_star <= info.gap + 1e-10 * p_star
        assert info.dual <= p_star + 1e-10 * p_star
        assert info.relative_gap <= tol
