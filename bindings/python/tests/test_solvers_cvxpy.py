"""Every solver against independent optima computed by cvxpy with CLARABEL: the relative objective
gap to the oracle is small, and each reported certificate bounds the true suboptimality. The
problem classes of a reconstruction library: TV deblurring (periodic and zero boundary, isotropic
and anisotropic, with and without a box), few-view CT with x >= 0, CS-MRI on complex data, Poisson
deblurring (KL + TV, x >= 0), l1 sparse recovery, Tikhonov; odd and even sizes, one 3-D case."""
from __future__ import annotations

import math

import cvxpy as cp
import numpy as np
import pytest

import inversekit as ik
from inversekit import functional as fn, linop
from test_tv_cvxpy import difference_matrices

KERNEL = np.array([[0.0, 1, 0], [1, 4, 1], [0, 1, 0]]) / 8


def phantom(shape, seed=0):
    rng = np.random.default_rng(seed)
    grid = np.indices(shape).astype(float)
    centre = (np.array(shape) - 1) / 2
    r = np.sqrt(sum((g - c) ** 2 for g, c in zip(grid, centre)))
    return (r < min(shape) / 3).astype(float) * 0.8 + 0.1 + 0.02 * rng.standard_normal(shape)


def oracle(objective, constraints=(), tol=1e-11):
    problem = cp.Problem(cp.Minimize(objective), list(constraints))
    problem.solve(solver=cp.CLARABEL, tol_gap_abs=tol, tol_gap_rel=tol, tol_feas=tol)
    assert problem.status == "optimal", problem.status
    return problem.value


def tv_expr(z, shape, isotropic=True):
    """TV of the cvxpy vector z (row-major image of `shape`) with the library's discretisation."""
    ds = [d @ z for d in difference_matrices(shape)]
    if isotropic:
        return cp.sum(cp.norm(cp.vstack(ds), 2, axis=0))
    return sum(cp.norm1(d) for d in ds)


def tv_term(shape, lam, dtype=np.float64, isotropic=True):
    d = linop.gradient(shape, dtype)
    norm = fn.group_l21(d.output_shape, 0, dtype) if isotropic else fn.l1(d.output_shape, dtype)
    return (lam * norm, d)


def check(result, p_star, tol=1e-6):
    """The solve is certified and within `tol` of the oracle, and its gap bounds the error."""
    assert result.converged, result
    error = result.primal - p_star
    assert error <= result.gap + 1e-8 * abs(p_star), (error, result.gap)
    assert error / abs(p_star) <= tol, (error, p_star)
    assert result.dual <= p_star + 1e-8 * abs(p_star)


@pytest.mark.parametrize("shape,boundary,isotropic,box,precondition", [
    ((12, 11), "periodic", True, True, False),
    ((12, 11), "periodic", False, True, False),
    ((10, 10), "same", True, True, False),
    ((11, 12), "periodic", True, False, False),
    ((12, 11), "periodic", True, True, True),
    ((11, 12), "same", False, False, True),
])
def test_tv_deblurring(shape, boundary, isotropic, box, precondition):
    lam = 0.02
    a = linop.convolution(shape, KERNEL, boundary=boundary)
    y = a.apply(phantom(shape)) + 0.01 * np.random.default_rng(1).standard_normal(shape)
    terms = [fn.squared_l2(shape).shifted(y), ]
    terms = [(terms[0], a), tv_term(shape, lam, isotropic=isotropic)]
    radius = None
    if box:
        g = fn.box(shape, 0.0, 1.0)
    else:
        # A proved radius (periodic blur without OTF zeros): ||x*|| <= 2 ||y|| / sigma_min(A).
        g = None
        padded = np.zeros(shape)
        padded[:3, :3] = KERNEL
        sigma_min = np.abs(np.fft.fft2(padded)).min()
        radius = 2 * np.linalg.norm(y) / sigma_min
    if not box and boundary != "periodic":
        # Zero boundary: the blur has a null space here, so the oscillation radius of the
        # reference's section 1.4(b) with x0 = 0 (P0 = ||y||^2 / 2, T = P0 / lam).
        n = int(np.prod(shape))
        p0 = 0.5 * float(np.sum(y ** 2))
        e = math.sqrt(2 * n) * p0 / lam
        ones = a.apply(np.ones(shape))
        mean = (np.linalg.norm(y) + math.sqrt(2 * p0) + a.norm_bound() * e) / np.linalg.norm(ones)
        radius = math.sqrt(n) * mean + e
    steps = dict(precondition=True) if precondition else dict(tau=0.05)
    x, result = ik.solvers.solve(terms, g=g, tol=1e-8, max_iter=400000, solution_radius=radius, **steps)
    z = cp.Variable(int(np.prod(shape)))
    m = a.to_dense()
    constraints = [z >= 0, z <= 1] if box else []
    p_star = oracle(0.5 * cp.sum_squares(m @ z - y.ravel()) + lam * tv_expr(z, shape, isotropic), constraints)
    check(result, p_star)


@pytest.mark.parametrize("shape,boundary,norm,box,dtype", [
    ((12, 11), "periodic", "isotropic", True, np.float64),
    ((11, 12), "same", "anisotropic", True, np.float64),
    ((12, 11), "periodic", "isotropic", False, np.float64),
    ((6, 5, 7), "same", "isotropic", True, np.float64),
    ((12, 11), "periodic", "isotropic", True, np.float32),
])
def test_tv_deblurring_fista_with_tv_prox(shape, boundary, norm, box, dtype):
    # FISTA with G = lam TV (its prox an inner TV solve) is certified through the TV prox's dual.
    lam = 0.02
    kernel = np.ones((3,) * len(shape)) / 3 ** len(shape) if len(shape) == 3 else KERNEL
    a = linop.convolution(shape, kernel.astype(dtype), boundary=boundary)
    y = a.apply(phantom(shape).astype(dtype)) + 0.01 * np.random.default_rng(1).standard_normal(shape)
    bounds = dict(lower=0.0, upper=1.0) if box else {}
    g = lam * fn.tv(shape, dtype, norm=norm, tol=1e-10, max_iter=20000, **bounds)
    radius = None
    if not box:
        # Periodic blur without OTF zeros: ||x*|| <= 2 ||y|| / sigma_min(A).
        padded = np.zeros(shape)
        padded[:3, :3] = KERNEL
        radius = 2 * np.linalg.norm(y) / np.abs(np.fft.fft2(padded)).min()
    single = dtype == np.float32
    x, result = ik.solvers.solve([(fn.squared_l2(shape, dtype).shifted(y.astype(dtype)), a)], g=g, method="fista",
                                 tol=1e-4 if single else 1e-8, max_iter=20000, solution_radius=radius)
    z = cp.Variable(int(np.prod(shape)))
    constraints = [z >= 0, z <= 1] if box else []
    p_star = oracle(0.5 * cp.sum_squares(a.to_dense().astype(np.float64) @ z - y.ravel())
                    + lam * tv_expr(z, shape, norm == "isotropic"), constraints)
    check(result, p_star, tol=1e-4 if single else 1e-6)


@pytest.mark.parametrize("constraint,precondition", [("provable box", False), ("nonnegative", False),
                                                     ("nonnegative", True)])
def test_tv_few_view_ct_nonnegative(constraint, precondition):
    shape, lam = (14, 14), 0.05
    angles = np.linspace(0, np.pi, 8, endpoint=False)
    r = linop.radon(shape, angles)
    y = r.apply(phantom(shape, 2))
    m = r.to_dense()
    # A box that provably holds x*: P(x*) <= P(0) gives (A x*)_i <= y_i + ||y||, and x* >= 0 with
    # a_ij >= 0 gives x*_j <= (y_i + ||y||) / a_ij for every ray i through pixel j.
    bound = np.where(m > 0, (y.ravel()[:, None] + np.linalg.norm(y)) / np.where(m > 0, m, 1), np.inf).min(axis=0)
    upper = float(bound.max())
    terms = [(fn.squared_l2(r.output_shape).shifted(y), r), tv_term(shape, lam)]
    # x >= 0 alone: the certificate moves the data term's dual point along 1 (A^T 1 > 0 here).
    g = fn.box(shape, 0.0, upper) if constraint == "provable box" else fn.nonnegative(shape)
    assert constraint == "provable box" or r.adjoint(np.ones(r.output_shape)).min() > 0
    steps = dict(precondition=True) if precondition else dict(tau=0.02)
    x, result = ik.solvers.solve(terms, g=g, tol=1e-8, max_iter=200000, **steps)
    z = cp.Variable(int(np.prod(shape)))
    p_star = oracle(0.5 * cp.sum_squares(m @ z - y.ravel()) + lam * tv_expr(z, shape), [z >= 0])
    check(result, p_star)
    assert x.min() >= 0


@pytest.mark.parametrize("precondition", [False, True])
def test_tv_mri_complex(precondition):
    shape, lam = (12, 12), 0.01
    rng = np.random.default_rng(4)
    mask = (rng.random(shape) < 0.5).astype(float)
    mask[0, 0] = 1  # the DC sample
    f = linop.fourier(shape, mask=mask)
    truth = phantom(shape, 3) * np.exp(0.5j)
    y = f.apply(truth.astype(np.complex128))
    terms = [(fn.squared_l2(shape, np.complex128).shifted(y), f), tv_term(shape, lam, np.complex128)]
    # The oscillation radius: with P0 = P(0) and T = P0 / lam >= TV(x*), the zero-mean part of x*
    # has norm <= E = 2 sqrt(2 n) T (real and imaginary parts each), and the mean is bounded by
    # the DC sample through ||A x*|| <= ||y|| + sqrt(2 P0), ||A 1|| = sqrt(n).
    n = mask.size
    p0 = 0.5 * np.linalg.norm(y) ** 2
    e = 2 * math.sqrt(2 * n) * p0 / lam
    mean = (np.linalg.norm(y) + math.sqrt(2 * p0) + e) / math.sqrt(n)
    radius = math.sqrt(n) * mean + e
    # Preconditioned: per-element dual steps on complex data (each repeated over its two parts).
    steps = dict(precondition=True) if precondition else dict(tau=0.1)
    x, result = ik.solvers.solve(terms, tol=1e-7, max_iter=400000, solution_radius=radius, **steps)
    m = f.to_dense()
    z = cp.Variable(n, complex=True)
    ds = [d @ z for d in difference_matrices(shape)]
    tv = cp.sum(cp.norm(cp.vstack([cp.real(ds[0]), cp.imag(ds[0]), cp.real(ds[1]), cp.imag(ds[1])]), 2, axis=0))
    p_star = oracle(0.5 * cp.sum_squares(cp.abs(m @ z - y.ravel())) + lam * tv)
    check(result, p_star, tol=1e-6)


def test_tv_mri_sense():
    # Two coils with smooth complex sensitivities, variable-density lines, no G: the radius of the
    # oscillation bound for any A with A 1 != 0 (x* = m 1 + xt, ||xt|| <= E, |m| bounded through
    # ||A x*|| <= ||y|| + sqrt(2 P0)).
    shape, lam = (10, 10), 0.01
    rng = np.random.default_rng(9)
    i, j = np.indices(shape) / 10.0
    coils = np.stack([np.exp(-((i - 0.2) ** 2 + (j - 0.3) ** 2)) * np.exp(0.3j * i),
                      np.exp(-((i - 0.8) ** 2 + (j - 0.6) ** 2)) * np.exp(-0.2j * j)])
    mask = np.zeros(shape)
    mask[rng.random(shape[0]) < 0.5, :] = 1
    mask[0, :] = 1
    a = linop.fourier(shape, mask=mask, coil_maps=coils)
    truth = (phantom(shape, 5) * np.exp(0.4j)).astype(np.complex128)
    y = a.apply(truth)
    terms = [(fn.squared_l2(a.output_shape, np.complex128).shifted(y), a), tv_term(shape, lam, np.complex128)]
    n = truth.size
    p0 = 0.5 * np.linalg.norm(y) ** 2
    e = 2 * math.sqrt(2 * n) * p0 / lam
    ones = a.apply(np.ones(shape, np.complex128))
    norm = a.norm() * 1.01
    radius = math.sqrt(n) * (np.linalg.norm(y) + math.sqrt(2 * p0) + norm * e) / np.linalg.norm(ones) + e
    x, result = ik.solvers.solve(terms, tol=1e-7, max_iter=400000, tau=0.1, solution_radius=radius)
    m = a.to_dense()
    z = cp.Variable(n, complex=True)
    ds = [d @ z for d in difference_matrices(shape)]
    tv = cp.sum(cp.norm(cp.vstack([cp.real(ds[0]), cp.imag(ds[0]), cp.real(ds[1]), cp.imag(ds[1])]), 2, axis=0))
    p_star = oracle(0.5 * cp.sum_squares(cp.abs(m @ z - y.ravel())) + lam * tv, tol=1e-8)  # tighter is "inaccurate"
    check(result, p_star, tol=1e-6)


@pytest.mark.parametrize("constraint,precondition", [("provable box", False), ("nonnegative", False),
                                                     ("nonnegative", True)])
def test_poisson_deblurring_kl_tv(constraint, precondition):
    shape, lam = (10, 11), 0.05
    a = linop.convolution(shape, KERNEL)
    background = 0.5
    rng = np.random.default_rng(5)
    counts = rng.poisson(20 * a.apply(phantom(shape, 4)) + background).astype(float)
    b = np.full(shape, background)
    m = a.to_dense()
    # A box that holds x*: every KL term is at most P(x0) at the optimum (x0 = 0), which bounds each
    # mean v_i by the upper root of KL(y_i, v) = P(x0); then x*_j <= (v_i - b_i) / a_ij.
    kl = fn.kl(counts, b)
    p0 = kl.value(np.zeros(shape)) + 0.0
    from scipy.optimize import brentq
    ys = counts.ravel()
    vmax = np.array([brentq(lambda v: v - yi + (yi * math.log(yi / v) if yi > 0 else 0) - p0, max(yi, 1e-9), 1e9)
                     for yi in ys])
    upper = float(np.where(m > 0, (vmax[:, None] - background) / np.where(m > 0, m, 1), np.inf).min(axis=0).max())
    terms = [(kl, a), tv_term(shape, lam)]
    # x >= 0 alone: the certificate scales the dual points towards the KL term's w = 1 (A^T 1 > 0).
    g = fn.box(shape, 0.0, upper) if constraint == "provable box" else fn.nonnegative(shape)
    steps = dict(precondition=True) if precondition else dict(tau=0.05)
    x, result = ik.solvers.solve(terms, g=g, tol=1e-8, max_iter=400000, **steps)
    z = cp.Variable(int(np.prod(shape)))
    mean = m @ z + background
    objective = cp.sum(mean - ys) - cp.sum(cp.multiply(ys, cp.log(mean))) + float(np.sum(ys[ys > 0] * np.log(ys[ys > 0])))
    p_star = oracle(objective + lam * tv_expr(z, shape), [z >= 0])
    check(result, p_star, tol=1e-6)


def test_poisson_deblurring_kl_tv_float32():
    # float32 under x >= 0: PDHG's fixed point leaves a residual of about ulp(x) / tau in the dual
    # constraint, which the certificate pays for; with tau = 0.5 it certifies 1e-4 (tau = 0.05 stalls
    # near 2e-4 while the iterate itself is within 1e-8 of the optimum).
    shape, lam = (10, 11), 0.05
    a64 = linop.convolution(shape, KERNEL)
    a = linop.convolution(shape, KERNEL.astype(np.float32))
    counts = np.random.default_rng(5).poisson(20 * a64.apply(phantom(shape, 4)) + 0.5).astype(float)
    b = np.full(shape, 0.5)
    terms = [(fn.kl(counts, b, dtype=np.float32), a), tv_term(shape, lam, np.float32)]
    x, result = ik.solvers.solve(terms, g=fn.nonnegative(shape, np.float32), tol=1e-4, max_iter=100000, tau=0.5)
    assert x.dtype == np.float32
    z = cp.Variable(int(np.prod(shape)))
    ys = counts.ravel()
    mean = a64.to_dense() @ z + 0.5
    objective = cp.sum(mean - ys) - cp.sum(cp.multiply(ys, cp.log(mean))) + float(np.sum(ys[ys > 0] * np.log(ys[ys > 0])))
    p_star = oracle(objective + lam * tv_expr(z, shape), [z >= 0])
    check(result, p_star, tol=1e-4)


@pytest.mark.parametrize("method", ["fista", "pdhg"])
def test_l1_sparse_recovery(method):
    rng = np.random.default_rng(6)
    m_, n, lam = 15, 24, 0.05
    matrix = rng.standard_normal((m_, n))
    truth = np.zeros(n)
    truth[[2, 7, 19]] = [1.0, -0.7, 0.4]
    y = matrix @ truth + 0.01 * rng.standard_normal(m_)
    a = linop.matrix(matrix)
    x, result = ik.solvers.solve([(fn.squared_l2((m_,)).shifted(y), a)], g=lam * fn.l1((n,)), method=method,
                                 tol=1e-9, max_iter=400000)
    z = cp.Variable(n)
    p_star = oracle(0.5 * cp.sum_squares(matrix @ z - y) + lam * cp.norm1(z))
    check(result, p_star)


@pytest.mark.parametrize("shape", [(9, 8), (7, 7)])
def test_tikhonov_cg(shape):
    mu = 0.2
    a = linop.convolution(shape, KERNEL, boundary="same")
    y = a.apply(phantom(shape, 7))
    x, result = ik.solvers.solve([(fn.squared_l2(shape).shifted(y), a)], g=mu * fn.squared_l2(shape), method="cg",
                                 tol=1e-12, max_iter=1000, check_interval=1)
    m = a.to_dense()
    closed = np.linalg.solve(m.T @ m + mu * np.eye(m.shape[1]), m.T @ y.ravel())
    # ||x - x*||^2 <= 2 gap / mu: the certified stop is that close; run on (tol=0) to rounding.
    assert np.linalg.norm(x.ravel() - closed) <= math.sqrt(2 * result.gap / mu) * (1 + 1e-6) + 1e-12
    x0, _ = ik.solvers.solve([(fn.squared_l2(shape).shifted(y), a)], g=mu * fn.squared_l2(shape), method="cg",
                             tol=0, max_iter=300)
    np.testing.assert_allclose(x0.ravel(), closed, atol=1e-10)
    z = cp.Variable(m.shape[1])
    p_star = oracle(0.5 * cp.sum_squares(m @ z - y.ravel()) + 0.5 * mu * cp.sum_squares(z))
    check(result, p_star, tol=1e-9)
    # Generalised Tikhonov 0.5 ||A x - y||^2 + 0.5 mu ||D x||^2 has no strong-convexity certificate
    # here: CG stops on relative change, at the closed-form answer.
    d = linop.gradient(shape)
    x2, r2 = ik.solvers.solve([(fn.squared_l2(shape).shifted(y), a), (mu * fn.squared_l2(d.output_shape), d)],
                              method="cg", tol=1e-12, change_tol=1e-13, max_iter=1000, check_interval=1)
    dm = d.to_dense()
    closed2 = np.linalg.solve(m.T @ m + mu * dm.T @ dm, m.T @ y.ravel())
    np.testing.assert_allclose(x2.ravel(), closed2, atol=1e-8)


@pytest.mark.parametrize("method", ["cgls", "lsqr"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_tikhonov_krylov(method, dtype):
    """CGLS and LSQR on weighted least squares + Tikhonov against the closed form and cvxpy, the
    generalised form (Tikhonov of the gradient) against its closed form, and bad input."""
    shape, mu = (9, 8), 0.2
    real = np.float32 if dtype == np.float32 else np.float64
    rng = np.random.default_rng(11)
    a = linop.convolution(shape, KERNEL.astype(real), boundary="same")
    m = linop.convolution(shape, KERNEL, boundary="same").to_dense()
    y = m @ phantom(shape, 9).ravel()
    w = 0.5 + rng.random(m.shape[0])
    if dtype == np.complex128:
        # Complex data through a complex diagonal: |d|^2 weighs each pixel.
        d = np.exp(1j * rng.random(shape)) * (0.5 + rng.random(shape))
        a, m = linop.diagonal(d), np.diag(d.ravel())
        y = m @ (phantom(shape, 9).ravel() * (1 + 0.5j))
    data = fn.least_squares(a, y.reshape(shape).astype(dtype), weights=w.reshape(shape).astype(real))
    g = mu * fn.squared_l2(shape, dtype)
    tol = 1e-12 if dtype != np.float32 else 1e-5
    x, result = ik.solvers.solve([data], g=g, method=method, tol=tol, max_iter=2000, check_interval=1)
    closed = np.linalg.solve(m.conj().T @ (w[:, None] * m) + mu * np.eye(m.shape[1]), m.conj().T @ (w * y))
    assert result.converged, result
    # ||x - x*||^2 <= 2 gap / mu at the certified stop.
    slack = 1e-12 if dtype != np.float32 else 1e-4
    assert np.linalg.norm(x.ravel() - closed) <= math.sqrt(2 * result.gap / mu) * (1 + 1e-6) + slack
    if dtype != np.float32:
        x_run, _ = ik.solvers.solve([data], g=g, method=method, tol=0, max_iter=300)
        np.testing.assert_allclose(x_run.ravel(), closed, atol=1e-10)
    z = cp.Variable(m.shape[1], complex=dtype == np.complex128)
    p_star = oracle(0.5 * cp.sum(cp.multiply(w, cp.abs(m @ z - y) ** 2)) + 0.5 * mu * cp.sum_squares(cp.abs(z)))
    check(result, p_star, tol=1e-9 if dtype != np.float32 else 1e-4)
    if dtype != np.float64:
        return
    # Generalised Tikhonov: no strong-convexity certificate; stops on relative change.
    grad = linop.gradient(shape)
    x2, r2 = ik.solvers.solve([fn.least_squares(a, y.reshape(shape)), (mu * fn.squared_l2(grad.output_shape), grad)],
                              method=method, tol=1e-12, change_tol=1e-13, max_iter=2000, check_interval=1)
    dm = grad.to_dense()
    np.testing.assert_allclose(x2.ravel(), np.linalg.solve(m.T @ m + mu * dm.T @ dm, m.T @ y), atol=1e-8)
    assert r2.stop_reason == "relative_change"
    with pytest.raises(ik.InvalidArgumentError, match=r"terms\[1\].*least-squares"):
        ik.solvers.solve([data, 0.1 * fn.l1(shape)], method=method)


def test_tv_denoising_3d():
    shape, lam = (6, 5, 4), 0.1
    y = phantom(shape, 8)
    x, result = ik.solvers.solve([tv_term(shape, lam)], g=fn.squared_l2(shape).shifted(y), tol=1e-9, max_iter=200000,
                                 tau=0.05)
    z = cp.Variable(y.size)
    p_star = oracle(0.5 * cp.sum_squares(z - y.ravel()) + lam * tv_expr(z, shape))
    check(result, p_star)


def test_float32_certificate_is_a_bound():
    shape, lam = (12, 11), 0.02
    a = linop.convolution(shape, KERNEL.astype(np.float32))
    y = (a.apply(phantom(shape).astype(np.float32))).astype(np.float32)
    terms = [(fn.squared_l2(shape, np.float32).shifted(y), a), tv_term(shape, lam, np.float32)]
    x, result = ik.solvers.solve(terms, g=fn.box(shape, 0.0, 1.0, np.float32), tol=1e-4, max_iter=100000, tau=0.05)
    z = cp.Variable(int(np.prod(shape)))
    m = a.to_dense().astype(np.float64)
    p_star = oracle(0.5 * cp.sum_squares(m @ z - y.ravel().astype(float)) + lam * tv_expr(z, shape), [z >= 0, z <= 1])
    # P evaluated in float64 at the float32 answer.
    p = 0.5 * np.sum((m @ x.ravel().astype(float) - y.ravel()) ** 2) + lam * float(
        np.sum(np.sqrt(sum(dd ** 2 for dd in [d @ x.ravel().astype(float) for d in difference_matrices(shape)]))))
    assert result.converged
    assert p - p_star <= result.gap + 1e-9 * p_star
    assert (p - p_star) / p_star <= 1e-4


def _admm_problem(name):
    """(terms, g, cvxpy objective of z, constraints, solve keywords) for the ADMM cases."""
    rng = np.random.default_rng(12)
    if name == "deblur-box":
        shape, lam = (10, 9), 0.02
        a = linop.convolution(shape, KERNEL, boundary="periodic")
        y = a.apply(phantom(shape)) + 0.01 * rng.standard_normal(shape)
        z = cp.Variable(int(np.prod(shape)))
        return ([(fn.squared_l2(shape).shifted(y), a), tv_term(shape, lam)], fn.box(shape, 0.0, 1.0),
                z, 0.5 * cp.sum_squares(a.to_dense() @ z - y.ravel()) + lam * tv_expr(z, shape), [z >= 0, z <= 1], {})
    if name == "ct-nonnegative":
        shape, lam = (12, 12), 0.05
        r = linop.radon(shape, np.linspace(0, np.pi, 8, endpoint=False))
        y = r.apply(phantom(shape, 2))
        m = r.to_dense()
        bound = np.where(m > 0, (y.ravel()[:, None] + np.linalg.norm(y)) / np.where(m > 0, m, 1), np.inf).min(axis=0)
        z = cp.Variable(int(np.prod(shape)))
        return ([(fn.squared_l2(r.output_shape).shifted(y), r), tv_term(shape, lam)],
                fn.box(shape, 0.0, float(bound.max())), z,
                0.5 * cp.sum_squares(m @ z - y.ravel()) + lam * tv_expr(z, shape), [z >= 0], dict(rho=0.5))
    if name == "masked-l1-closed-form":
        # The x-step (M + 2 rho I) x = ... is a mask's normal solve.
        shape, lam = (9, 10), 0.03
        keep = (rng.random(shape) < 0.6).astype(float)
        y = keep * (phantom(shape, 3) + 0.01 * rng.standard_normal(shape))
        z = cp.Variable(int(np.prod(shape)))
        return ([(fn.squared_l2(shape).shifted(y), linop.mask(keep)), lam * fn.l1(shape)], fn.box(shape, 0.0, 1.0),
                z, 0.5 * cp.sum_squares(cp.multiply(keep.ravel(), z) - y.ravel()) + lam * cp.norm1(z),
                [z >= 0, z <= 1], {})
    raise ValueError(name)


@pytest.mark.parametrize("name", ["deblur-box", "ct-nonnegative", "masked-l1-closed-form"])
def test_admm(name):
    terms, g, z, objective, constraints, keywords = _admm_problem(name)
    x, result = ik.solvers.solve(terms, g=g, method="admm", tol=1e-8, max_iter=100000, **keywords)
    p_star = oracle(objective, constraints)
    check(result, p_star)
    assert x.min() >= 0  # the returned x is the box's copy: feasible
