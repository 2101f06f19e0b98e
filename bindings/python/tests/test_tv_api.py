"""Behaviour of the binding: layouts, aliasing, warm starts, threads, value."""
from __future__ import annotations

import numpy as np
import pytest

import inversekit as ik
from conftest import piecewise_image


@pytest.fixture
def image(rng):
    return piecewise_image((40, 36), rng)


def reference(y, **kw):
    return ik.tv_denoise(np.ascontiguousarray(y), 0.1, tol=1e-9, max_iter=100_000, **kw)


@pytest.mark.parametrize("view", ["transpose", "negative", "step", "fortran"])
def test_any_input_strides(image, view):
    big = np.stack([image, image + 1])
    y = {"transpose": image.T, "negative": image[::-1, ::-2], "step": big[0, ::2, 1::1],
         "fortran": np.asfortranarray(image)}[view]
    assert not y.flags.c_contiguous or view == "fortran"
    x = ik.tv_denoise(y, 0.1, tol=1e-9, max_iter=100_000)
    np.testing.assert_allclose(x, reference(y), atol=1e-7)


def test_strided_output_and_untouched_neighbours(image):
    target = np.full((40, 72), -7.0)
    out = target[:, ::2]
    ik.tv_denoise(image, 0.1, tol=1e-9, max_iter=100_000, out=out)
    np.testing.assert_allclose(out, reference(image), atol=1e-7)
    assert np.all(target[:, 1::2] == -7.0)


def test_output_may_alias_input(image):
    expected = reference(image)
    y = image.copy()
    result = ik.tv_denoise(y, 0.1, tol=1e-9, max_iter=100_000, out=y)
    assert result is y
    np.testing.assert_allclose(y, expected, atol=1e-7)


def test_partially_overlapping_output(image):
    # out is y shifted by one row: the library must read all of y before writing.
    storage = np.zeros((41, 36))
    storage[:40] = image
    y, out = storage[:40], storage[1:]
    expected = reference(image)
    ik.tv_denoise(y, 0.1, tol=1e-9, max_iter=100_000, out=out)
    np.testing.assert_allclose(out, expected, atol=1e-7)


def test_warm_start_reuses_and_returns_dual(image):
    dual = np.zeros(ik.dual_shape(image.shape))
    x1, info1 = ik.tv_denoise(image, 0.1, tol=1e-6, dual=dual, return_info=True)
    assert np.abs(dual).max() > 0
    # The dual certifies x: |q_i| <= lambda, D(q) is the reported dual, and x is the better of
    # x(q) = y + div q and the averaged iterate, so both lie within sqrt(2 gap) of the optimum.
    assert np.sqrt(dual[0] ** 2 + dual[1] ** 2).max() <= 0.1 * (1 + 1e-12)
    div = dual[0].copy()
    div[1:] -= dual[0][:-1]
    div += dual[1]
    div[:, 1:] -= dual[1][:, :-1]
    xq = image + div
    dual_value = 0.5 * np.vdot(image, image) - 0.5 * np.vdot(xq, xq)
    assert dual_value == pytest.approx(info1.dual, rel=1e-10)
    assert ik.tv_objective(x1, image, 0.1) == pytest.approx(info1.primal, rel=1e-10)
    primal_q = ik.tv_objective(xq, image, 0.1)
    assert primal_q >= info1.primal * (1 - 1e-12)
    radius = np.sqrt(2 * info1.gap) + np.sqrt(2 * max(0.0, primal_q - info1.dual))
    assert np.linalg.norm(x1 - xq) <= radius + 1e-12
    # A nearby problem converges faster from it than from zeros (a kept dual: the same method).
    cold = ik.tv_denoise(image * 1.01, 0.1, tol=1e-6, dual=np.zeros_like(dual), return_info=True)[1]
    warm = ik.tv_denoise(image * 1.01, 0.1, tol=1e-6, dual=dual, return_info=True)[1]
    assert warm.converged and warm.iterations < cold.iterations


def test_float32_in_float32_out(image):
    x, info = ik.tv_denoise(image.astype(np.float32), 0.1, tol=1e-5, return_info=True)
    assert x.dtype == np.float32 and info.converged
    np.testing.assert_allclose(x, reference(image), atol=2e-4)


def test_threads_agree(rng):
    y = piecewise_image((300, 200), rng)
    x1, i1 = ik.tv_denoise(y, 0.1, tol=1e-7, max_iter=10_000, threads=1, return_info=True)
    x2, i2 = ik.tv_denoise(y, 0.1, tol=1e-7, max_iter=10_000, threads=2, return_info=True)
    assert i1.threads == 1 and i2.threads == 2
    assert abs(i1.primal - i2.primal) <= 2e-7 * i1.primal
    np.testing.assert_allclose(x1, x2, atol=1e-3)


@pytest.mark.parametrize("shape", [(3, 200, 200), (5, 150, 150), (4, 20_000)])
def test_slabs_of_one_and_two_planes_agree(rng, shape):
    # With as many threads as planes each thread owns one or two planes, the edge cases of the
    # pipeline that runs two iterations per pass (steps deferred to the slab's first and last plane).
    y = rng.random(shape)
    base, first = ik.tv_denoise(y, 0.1, tol=1e-6, max_iter=20_000, threads=1, return_info=True)
    assert first.converged and first.threads == 1
    for threads in range(2, shape[0] + 1):
        x, info = ik.tv_denoise(y, 0.1, tol=1e-6, max_iter=20_000, threads=threads, return_info=True)
        assert info.converged and info.threads == threads
        assert info.primal == pytest.approx(ik.tv_objective(x, y, 0.1), rel=1e-10)
        assert abs(info.primal - first.primal) <= info.gap + first.gap
        assert np.linalg.norm(x - base) <= np.sqrt(2 * info.gap) + np.sqrt(2 * first.gap)


def test_space_variant_weights_protect_a_region(rng):
    y = piecewise_image((32, 32), rng)
    w = np.ones_like(y)
    w[:16] = 0.0  # no regularisation in the top half: x = y there
    x = ik.tv_denoise(y, 0.3, weights=w, tol=1e-9, max_iter=100_000)
    plain = ik.tv_denoise(y, 0.3, tol=1e-9, max_iter=100_000)
    assert np.abs(x[:15] - y[:15]).max() < np.abs(plain[:15] - y[:15]).max() / 10


def test_value_matches_numpy(rng):
    x = rng.random((7, 9, 5))
    w = rng.random(x.shape)
    g = [np.diff(x, axis=a, append=np.take(x, [-1], axis=a)) for a in range(3)]
    iso = (w * np.sqrt(sum(gi ** 2 for gi in g))).sum()
    aniso = (w * sum(np.abs(gi) for gi in g)).sum()
    assert ik.tv_value(x, "isotropic", w) == pytest.approx(iso, rel=1e-12)
    assert ik.tv_value(x, "anisotropic", w) == pytest.approx(aniso, rel=1e-12)


def test_info_fields(image):
    _, info = ik.tv_denoise(image, 0.1, tol=1e-3, check_interval=5, return_info=True)
    assert info.converged and info.iterations % 5 == 0
    assert info.gap == pytest.approx(info.primal - info.dual)
    # Relative to the dual bound, so that it bounds (P(x) - P*) / P*.
    assert info.relative_gap == pytest.approx(info.gap / info.dual)
    _, capped = ik.tv_denoise(image, 0.1, tol=1e-12, max_iter=7, return_info=True)
    assert not capped.converged and capped.iterations == 7


def test_prox_object_matches_function_and_warm_starts(rng):
    y = piecewise_image((48, 40), rng)
    with ik.TVProx(y.shape, np.float64, lower=0.0, upper=1.0, tol=1e-7, max_iter=50_000) as prox:
        x1, first = prox(y, 0.1, return_info=True)
        expected, best = ik.tv_denoise(y, 0.1, lower=0.0, upper=1.0, tol=1e-9, max_iter=100_000, return_info=True)
        # Both within sqrt(2 gap) of the optimum (P is 1-strongly convex).
        assert np.linalg.norm(x1 - expected) <= np.sqrt(2 * first.gap) + np.sqrt(2 * best.gap)
        assert first.primal == pytest.approx(best.primal, rel=2e-7)
        # A nearby point and a nearby lambda: the stored dual makes it cheaper than a cold start
        # of the same (dual) method, which a kept dual selects.
        x2, second = prox(y * 0.98 + 0.01, 0.11, return_info=True)
        cold = ik.tv_denoise(y * 0.98 + 0.01, 0.11, lower=0.0, upper=1.0, tol=1e-7, max_iter=50_000,
                             dual=np.zeros(ik.dual_shape(y.shape)), return_info=True)[1]
        assert second.converged and second.iterations < cold.iterations
        assert second.primal == pytest.approx(cold.primal, rel=1e-6)
        prox.reset()
        _, again = prox(y * 0.98 + 0.01, 0.11, return_info=True)
        assert again.iterations == cold.iterations
        z = y.copy()
        assert prox(z, 0.1, out=z) is z  # in place
    prox.close()  # idempotent
    with pytest.raises(ik.InvalidArgumentError, match="closed"):
        prox(y, 0.1)


def test_prox_object_float32_3d(rng):
    y = piecewise_image((6, 10, 12), rng).astype(np.float32)
    with ik.TVProx(y.shape, np.float32, norm="anisotropic", tol=1e-5) as prox:
        x, info = prox(y, 0.05, return_info=True)
    assert x.dtype == np.float32 and info.converged


def test_prox_object_bad_input(rng):
    y = rng.random((8, 9))
    with pytest.raises(ik.ShapeError):
        ik.TVProx((8,), np.float64)
    with pytest.raises(ik.ShapeError):
        ik.TVProx((8, 0), np.float64)
    with pytest.raises(ik.UnsupportedDtypeError):
        ik.TVProx((8, 9), np.complex128)
    with pytest.raises(ik.InvalidArgumentError, match="lower"):
        ik.TVProx((8, 9), lower=2.0, upper=1.0)
    with pytest.raises(ik.ShapeError, match="weights"):
        ik.TVProx((8, 9), weights=np.ones((9, 8)))
    with ik.TVProx((8, 9)) as prox:
        with pytest.raises(ik.ShapeError, match="Invalid y"):
            prox(np.zeros((9, 8)), 0.1)
        with pytest.raises(ik.UnsupportedDtypeError, match="Invalid y"):
            prox(y.astype(np.float32), 0.1)
        out = np.full_like(y, 4.0)
        with pytest.raises(ik.InvalidArgumentError, match="lambda"):
            prox(y, -0.1, out=out)
        bad = y.copy()
        bad[0, 0] = np.nan
        with pytest.raises(ik.NotFiniteError):
            prox(bad, 0.1, out=out)
        assert np.all(out == 4.0)
        assert prox(y, 0.1).shape == y.shape  # still usable after errors
    with pytest.raises(ik.NullPointerError):
        _raw_apply_null()


def _raw_apply_null():
    from inversekit import _raw
    _raw.lib.ik_tv_prox_apply(None, None, 0.1, None, None)


def test_large_float64_problems_are_certified_in_float64(rng):
    # Above 2^16 pixels and for tolerances >= 5e-5, float64 problems iterate in float32 first;
    # the returned x and its certificate are float64, and the gap still bounds the suboptimality.
    y = piecewise_image((300, 260), rng)
    tight = ik.tv_denoise(y, 0.1, tol=1e-9, max_iter=200_000, return_info=True)[1]
    for tol in (1e-3, 1e-4):
        for norm in ("isotropic", "anisotropic"):
            best = ik.tv_denoise(y, 0.1, norm=norm, tol=1e-9, max_iter=200_000, return_info=True)[1]
            x, info = ik.tv_denoise(y, 0.1, norm=norm, tol=tol, return_info=True)
            assert x.dtype == np.float64 and info.converged and info.relative_gap <= tol
            p = ik.tv_objective(x, y, 0.1, norm)
            assert info.primal == pytest.approx(p, rel=1e-12)
            assert 0 <= p - best.primal <= info.gap + 1e-9 * best.primal
    assert tight.converged
    # A warm start from the previous dual goes through the same path. (The dual alone does not
    # carry the averaged primal iterate, so it takes a few iterations, far fewer than from cold.)
    dual = np.zeros(ik.dual_shape(y.shape))
    cold = ik.tv_denoise(y, 0.1, tol=1e-4, dual=dual, return_info=True)[1]
    again = ik.tv_denoise(y, 0.1, tol=1e-4, dual=dual, return_info=True)[1]
    assert again.converged and again.iterations <= cold.iterations // 4


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-9), (np.float32, 1e-5)], ids=["f64", "f32"])
@pytest.mark.parametrize("norm", ["isotropic", "anisotropic"])
def test_every_row_length_agrees_across_methods(rng, dtype, tol, norm):
    # Rows of 1 to 35 pixels cover every partial final vector (8 or 16 lanes) and rows shorter
    # than one vector. The primal-dual method (no dual kept) and the dual method (a kept dual)
    # solve the same problem, each certified: their answers lie within sqrt(2 gap) of the optimum.
    for columns in range(1, 36):
        y = rng.random((7, columns)).astype(dtype)
        a, ia = ik.tv_denoise(y, 0.15, norm=norm, tol=tol, max_iter=50_000, return_info=True)
        dual = np.zeros(ik.dual_shape(y.shape), dtype)
        b, ib = ik.tv_denoise(y, 0.15, norm=norm, tol=tol, max_iter=50_000, dual=dual, return_info=True)
        assert ia.converged and ib.converged, columns
        # Both certificates bracket the same optimum.
        assert ia.dual <= ib.primal * (1 + 4 * tol) and ib.dual <= ia.primal * (1 + 4 * tol), columns
        slack = 1e-6 if dtype == np.float32 else 1e-12
        distance = np.linalg.norm(a.astype(np.float64) - b)
        assert distance <= np.sqrt(2 * ia.gap) + np.sqrt(2 * ib.gap) + slack, columns
