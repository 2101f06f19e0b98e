"""inversekit.solvers: the callback, history and progress bar, warm starts, stop reasons, and bad
input named as the caller wrote it."""
from __future__ import annotations

import numpy as np
import pytest

import inversekit as ik
from inversekit import functional as fn, linop


def rof(shape=(20, 18), lam=0.1, dtype=np.float64):
    y = np.random.default_rng(0).random(shape).astype(dtype)
    d = linop.gradient(shape, dtype)
    return [(lam * fn.group_l21(d.output_shape, 0, dtype), d)], fn.squared_l2(shape, dtype).shifted(y), y


def test_history_and_callback_stop():
    terms, g, _ = rof()
    seen = []

    def callback(p):
        seen.append((p.iteration, p.gap))
        assert not p.x.flags.writeable and p.x.shape == (20, 18)
        return p.iteration < 30

    x, result = ik.solvers.solve(terms, g=g, tol=0, check_interval=10, callback=callback)
    assert result.stop_reason == "callback" and result.iterations == 30
    assert [s[0] for s in seen] == [10, 20, 30]
    assert [h["iteration"] for h in result.history] == [10, 20, 30]
    gaps = [h["gap"] for h in result.history]
    assert all(np.isfinite(gaps)) and gaps[-1] < gaps[0]
    assert np.abs(x).sum() > 0
    # How the time divides: checks and (primal-dual) operator and prox calls are parts of it.
    assert 0 < result.check_seconds and 0 < result.call_seconds
    assert result.check_seconds + result.call_seconds <= result.seconds


def test_callback_exception_propagates_and_leaves_out_untouched():
    terms, g, _ = rof()
    out = np.full((20, 18), 5.0)

    def callback(p):
        raise RuntimeError("user stop")

    with pytest.raises(ik.CallbackError) as info:
        ik.solvers.solve(terms, g=g, callback=callback, out=out)
    assert isinstance(info.value.__cause__, RuntimeError)
    assert (out == 5.0).all()


def test_warm_start_and_progress_bar():
    # The proximal gradient method's state is x: started at an answer certified to 1e-11 it is
    # done at its first check for 1e-8 (a margin far above the rounding that the restarted momentum
    # can add, whatever the instruction set).
    rng = np.random.default_rng(3)
    a = linop.matrix(rng.standard_normal((15, 25)))
    terms = [(fn.squared_l2((15,)).shifted(rng.standard_normal(15)), a)]
    g = 0.1 * fn.l1((25,))
    x, first = ik.solvers.solve(terms, g=g, method="fista", tol=1e-11, max_iter=20000, progress=True)
    x2, second = ik.solvers.solve(terms, g=g, method="fista", x0=x, tol=1e-8, max_iter=20000)
    assert first.converged and second.converged
    assert first.iterations > 100 and second.iterations == 10


def test_float32_and_reproducible():
    terms, g, _ = rof(dtype=np.float32)
    a, ra = ik.solvers.solve(terms, g=g, tol=1e-5, max_iter=5000)
    b, rb = ik.solvers.solve(terms, g=g, tol=1e-5, max_iter=5000)
    assert a.dtype == np.float32 and np.array_equal(a, b) and ra.iterations == rb.iterations
    assert ra.converged and ra.gap >= 0


def test_uncertified_stop_on_relative_change():
    # TV deblurring without a box or radius: no certificate, the run stops when x stops moving.
    shape = (12, 12)
    a = linop.convolution(shape, np.ones((3, 3)) / 9)
    y = np.random.default_rng(2).random(shape)
    d = linop.gradient(shape)
    x, result = ik.solvers.solve([(fn.squared_l2(shape).shifted(y), a), (0.05 * fn.group_l21(d.output_shape, 0), d)],
                                 change_tol=1e-7, max_iter=100000)
    assert result.stop_reason == "relative_change" and result.gap == np.inf


def test_bad_input():
    terms, g, _ = rof()
    with pytest.raises(ik.InvalidArgumentError, match="Invalid method"):
        ik.solvers.solve(terms, g=g, method="newton")
    with pytest.raises(ik.InvalidArgumentError, match="below 1 / \\|\\|K\\|\\|\\^2"):
        ik.solvers.solve(terms, g=g, tau=1.0, sigma=1.0)
    with pytest.raises(ik.InvalidArgumentError, match="Invalid tau"):
        ik.solvers.solve(terms, g=g, tau=-1.0)
    with pytest.raises(ik.InvalidArgumentError, match="Invalid max_iter"):
        ik.solvers.solve(terms, g=g, max_iter=0)
    with pytest.raises(ik.InvalidArgumentError, match="no gradient"):
        ik.solvers.solve(terms, g=g, method="fista")
    with pytest.raises(ik.UnsupportedDtypeError, match="terms\\[0\\]"):
        ik.solvers.solve([np.eye(3)], g=g)
    with pytest.raises(ik.ShapeError, match="Invalid g"):
        ik.solvers.solve(terms, g=fn.squared_l2((5, 5)))
    with pytest.raises(ik.ShapeError):
        ik.solvers.solve(terms + [(fn.l1((3,)), None)], g=g)
    with pytest.raises(ik.UnsupportedDtypeError, match="x0"):
        ik.solvers.solve(terms, g=g, x0=np.ones((20, 18), complex))
    with pytest.raises(ik.InvalidArgumentError, match="at least one term"):
        ik.solvers.solve([])


def test_user_operator_with_normal_solve_and_norm_bound():
    # A = 3 I from Python callables, with its normal solve: least squares uses the closed form.
    shape = (6, 5)
    calls = []

    def normal_solve(b, rho):
        calls.append(rho)
        return b / (9 + rho)

    a = linop.from_callable(lambda x: 3 * x, lambda y: 3 * y, shape, shape, normal_solve=normal_solve, norm_bound=3.0)
    assert a.has_normal_solve
    b = np.arange(30.0).reshape(shape)
    np.testing.assert_allclose(a.solve_normal(b, 1.0), b / 10, rtol=1e-15)
    y = np.ones(shape)
    ls = fn.least_squares(a, y)
    assert ls.lipschitz == 9.0
    x = ls.prox(np.zeros(shape), 0.5)
    np.testing.assert_allclose(x, 3 * y / (9 + 2), rtol=1e-15)
    assert calls[-1] == 2.0

    def broken(b, rho):
        raise ValueError("no")

    bad = linop.from_callable(lambda x: x, lambda y: y, shape, shape, normal_solve=broken)
    with pytest.raises(ik.CallbackError):
        bad.solve_normal(b, 1.0)
    with pytest.raises(ik.InvalidArgumentError, match="norm_bound"):
        linop.from_callable(lambda x: x, lambda y: y, shape, shape, norm_bound=-1)
