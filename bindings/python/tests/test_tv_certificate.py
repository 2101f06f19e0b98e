"""The TV certificate is a bound and the box holds exactly, on random problems over every code path
(cold start, kept dual, warm start, mixed precision, the reusable prox object) in float32 and
float64: gap >= P(x) - P*, with P(x) evaluated here in float64 from the returned x and P* bounded
above by a float64 solve certified far tighter, and lower <= x <= upper in x's own dtype."""
from __future__ import annotations

import numpy as np
import pytest

import inversekit as ik


def tv_numpy(x: np.ndarray, norm: str, weights=None) -> float:
    """TV of x in float64: forward differences, Neumann boundary (zero difference at the end)."""
    x = x.astype(np.float64)
    grads = []
    for axis in range(x.ndim):
        d = np.diff(x, axis=axis, append=np.take(x, [-1], axis=axis))
        grads.append(d)
    g = np.stack(grads)
    pixel = np.sqrt((g ** 2).sum(axis=0)) if norm == "isotropic" else np.abs(g).sum(axis=0)
    w = np.ones_like(pixel) if weights is None else weights.astype(np.float64)
    return float((w * pixel).sum())


def objective(x, y, lam, norm, weights):
    d = x.astype(np.float64) - y.astype(np.float64)
    return 0.5 * float((d * d).sum()) + lam * tv_numpy(x, norm, weights)


def reference(y, lam, norm, weights, lower, upper):
    """An upper bound on P* (of the data as given, in float64)."""
    y64 = y.astype(np.float64)
    w64 = None if weights is None else weights.astype(np.float64)
    x, info = ik.tv_denoise(y64, lam, norm=norm, weights=w64, lower=lower, upper=upper, tol=1e-10,
                            max_iter=100_000, return_info=True)
    return min(objective(x, y64, lam, norm, w64), info.primal)


def check(x, info, y, lam, norm, weights, lower, upper, label):
    lo = -np.inf if lower is None else lower
    hi = np.inf if upper is None else upper
    assert x.dtype == y.dtype
    assert (x >= lo).all() and (x <= hi).all(), f"{label}: box violated by {max((lo - x).max(), (x - hi).max())}"
    p = objective(x, y, lam, norm, weights)
    p_star = reference(y, lam, norm, weights, lower, upper)
    slack = 1e-12 * max(p_star, 1e-300)
    assert info.gap >= p - p_star - slack, f"{label}: gap {info.gap:.3e} < P(x) - P* >= {p - p_star:.3e}"
    assert info.dual <= p_star + slack, f"{label}: dual bound {info.dual!r} above P* <= {p_star!r}"
    if info.gap > 0 and info.dual > 0:
        assert info.relative_gap >= (p - p_star) / p_star - 1e-12


def random_problem(rng, index):
    if index % 7 == 6:
        shape = tuple(int(n) for n in rng.integers(1, 18, size=3))
    else:
        rows = int(rng.integers(1, 301))
        cols = int(rng.integers(1, max(2, min(301, 6000 // rows))))
        shape = (rows, cols)
    dtype = np.float32 if index % 2 == 0 else np.float64
    y = (rng.random(shape) * 1.3 + 0.1 * rng.standard_normal(shape)).astype(dtype)
    lam = float(10 ** rng.uniform(-2, 1))
    norm = "isotropic" if index % 4 < 2 else "anisotropic"
    weights = (rng.random(shape) + 0.2).astype(dtype) if index % 3 == 0 else None
    lower, upper = (0.0, 0.85) if index % 5 in (1, 3) else (None, None)
    return y, lam, norm, weights, lower, upper


@pytest.mark.parametrize("index", range(24))
def test_random_problems_every_path(index):
    rng = np.random.default_rng(1000 + index)
    y, lam, norm, weights, lower, upper = random_problem(rng, index)
    tol = 1e-6 if y.dtype == np.float32 else 1e-8
    kw = dict(norm=norm, weights=weights, lower=lower, upper=upper, tol=tol, max_iter=20_000, return_info=True)
    x, info = ik.tv_denoise(y, lam, **kw)  # cold: the primal-dual method in 2-D
    check(x, info, y, lam, norm, weights, lower, upper, "cold")
    dual = np.zeros(ik.dual_shape(y.shape), y.dtype)
    x, info = ik.tv_denoise(y, lam, dual=dual, **kw)  # kept dual: the dual method
    check(x, info, y, lam, norm, weights, lower, upper, "kept dual")
    lam2 = lam * 1.3
    x, info = ik.tv_denoise(y, lam2, dual=dual * 1.3, **kw)  # warm start from the previous dual
    check(x, info, y, lam2, norm, weights, lower, upper, "warm start")
    with ik.TVProx(y.shape, y.dtype, norm=norm, weights=weights, lower=lower, upper=upper, tol=tol,
                   max_iter=20_000) as prox:
        for value in (lam, lam2):
            x, info = prox(y, value, return_info=True)
            check(x, info, y, value, norm, weights, lower, upper, "prox object")


@pytest.mark.parametrize("norm", ["isotropic", "anisotropic"])
@pytest.mark.parametrize("box", [(None, None), (0.0, 0.85)])
def test_mixed_precision_path(norm, box):
    # float64 problems of >= 65536 pixels at tol >= 5e-5 iterate in float32 first.
    rng = np.random.default_rng(1)
    y = 1.3 * rng.random((256, 256))
    lower, upper = box
    for tol in (1e-4, 5e-5):
        x, info = ik.tv_denoise(y, 0.02, norm=norm, lower=lower, upper=upper, tol=tol, return_info=True)
        check(x, info, y, 0.02, norm, None, lower, upper, "mixed precision")
        dual = np.zeros(ik.dual_shape(y.shape))
        x, info = ik.tv_denoise(y, 0.02, norm=norm, lower=lower, upper=upper, tol=tol, dual=dual, return_info=True)
        check(x, info, y, 0.02, norm, None, lower, upper, "mixed precision, kept dual")


def test_box_exact_in_float32():
    y = (1.3 * np.random.default_rng(1).random((64, 64))).astype(np.float32)
    x = ik.tv_denoise(y, 0.02, lower=0.1, upper=0.85, tol=1e-4)
    assert x.max() <= 0.85 and x.min() >= 0.1
    assert x.max() == np.nextafter(np.float32(0.85), np.float32(0))  # float32's 0.85 lies above 0.85
    with pytest.raises(ik.InvalidArgumentError, match="box"):
        ik.tv_denoise(y, 0.02, lower=0.85, upper=0.85)  # no float32 value equals 0.85


def test_float32_photograph_crop_anisotropic():
    skimage = pytest.importorskip("skimage")
    photo = skimage.data.camera().astype(np.float64) / 255
    y = photo[200:233, 250:297].astype(np.float32)
    kw = dict(norm="anisotropic", tol=1e-6, max_iter=200_000, return_info=True)
    x, info = ik.tv_denoise(y, 0.09, **kw)
    check(x, info, y, 0.09, "anisotropic", None, None, None, "cold")
    dual = np.zeros(ik.dual_shape(y.shape), np.float32)
    x, info = ik.tv_denoise(y, 0.09, dual=dual, **kw)
    check(x, info, y, 0.09, "anisotropic", None, None, None, "kept dual")
    x, info = ik.tv_denoise(y, 0.09, dual=dual, **kw)
    check(x, info, y, 0.09, "anisotropic", None, None, None, "warm start")
