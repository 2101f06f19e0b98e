"""Every operator, in every dtype, over odd and even sizes: the adjoint dot test, linearity, the
normal operator and the norm. Tolerances: 1e-12 (double), 1e-5 (single), relative."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import inversekit as ik
from inversekit import linop as L

REAL = [np.float64, np.float32]
ALL = [np.float64, np.float32, np.complex128, np.complex64]
TOL = {np.dtype(np.float64): 1e-12, np.dtype(np.complex128): 1e-12,
       np.dtype(np.float32): 1e-5, np.dtype(np.complex64): 1e-5}


def random(shape, dtype, rng):
    dt = np.dtype(dtype)
    x = rng.standard_normal(shape)
    if dt.kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dt)


def real_of(dtype):
    return np.float32 if np.dtype(dtype) in (np.float32, np.complex64) else np.float64


def factories(dtype, rng):
    """(name, operator) pairs in the given data dtype, odd and even sizes."""
    rdt = real_of(dtype)
    ops = []
    for shape in [(7,), (6, 5), (4, 7, 6), (8, 8)]:
        ops.append((f"identity{shape}", L.identity(shape, dtype)))
        ops.append((f"scaling{shape}", L.scaling(shape, -2.5, dtype)))
        ops.append((f"diagonal{shape}", L.diagonal(rng.standard_normal(shape).astype(rdt), dtype)))
        ops.append((f"mask{shape}", L.mask((rng.random(shape) > 0.4).astype(rdt), dtype)))
        if len(shape) <= 3:
            ops.append((f"gradient{shape}", L.gradient(shape, dtype)))
            ops.append((f"divergence{shape}", L.divergence(shape, dtype)))
    if np.dtype(dtype).kind == "c":
        ops.append(("complex diagonal", L.diagonal(random((5, 4), dtype, rng))))
        for shape in [(8, 6), (7, 9), (4, 5, 6)]:
            m = (rng.random(shape) > 0.5).astype(rdt)
            m.flat[0] = 1
            coils = random((3,) + shape, dtype, rng)
            for centered in (False, True):
                ops.append((f"fourier{shape}{centered}", L.fourier(shape, m, centered=centered, dtype=dtype)))
                ops.append((f"sense{shape}{centered}", L.fourier(shape, m, coils, centered=centered, dtype=dtype)))
    else:
        for shape, kshape in [((16, 13), (5, 4)), ((12, 12), (3, 3)), ((9,), (4,)), ((6, 7, 8), (3, 2, 3))]:
            k = rng.random(kshape).astype(rdt)
            for mode in ("periodic", "same", "valid"):
                ops.append((f"conv{shape}{mode}", L.convolution(shape, k, mode)))
        for shape, factor in [((12, 16), 2), ((9, 12), 3), ((6, 8, 4), 2)]:
            ops.append((f"super-resolution{shape}", L.super_resolution(shape, rng.random((3,) * len(shape)).astype(rdt),
                                                                        factor)))
        angles = np.linspace(0, np.pi, 17, endpoint=False)
        ops.append(("radon 2d", L.radon((12, 15), angles, dtype=dtype)))
        ops.append(("radon 3d", L.radon((3, 11, 10), angles, detectors=9, spacing=1.3, dtype=dtype)))
        ops.append(("radon threads", L.radon((40, 40), np.linspace(0, np.pi, 90), dtype=dtype, threads=2)))
    ops.append(("matrix 7x5", L.matrix(random((7, 5), dtype, rng))))
    ops.append(("matrix 4x9", L.matrix(random((4, 9), dtype, rng))))
    sparse = sp.random(9, 6, density=0.4, random_state=1, format="csr")
    sparse.data = random(sparse.data.shape, dtype, rng)
    ops.append(("csr 9x6", L.csr(sparse)))
    g = L.gradient((6, 5), dtype)
    ops.append(("product", L.diagonal(rng.standard_normal(g.output_shape).astype(rdt), dtype) @ g))
    ops.append(("sum", g + L.gradient((6, 5), dtype) @ L.scaling((6, 5), 3.0, dtype)))
    ops.append(("stack", L.stack([g, L.identity((6, 5), dtype)])))
    ops.append(("block diagonal batch", L.block_diag([g, g, g])))
    ops.append(("block diagonal mixed", L.block_diag([g, L.identity((3,), dtype)])))
    ops.append(("adjoint", g.H))
    ops.append(("normal", g.normal()))
    ops.append(("scaled", 0.5 * g))
    return ops


@pytest.mark.parametrize("dtype", ALL, ids=lambda d: np.dtype(d).name)
def test_adjoint_dot_test(dtype, rng):
    for name, op in factories(dtype, rng):
        assert op.input_dtype == np.dtype(dtype) or name.startswith(("matrix", "csr", "complex")), name
        for seed in (0, 1):
            assert op.adjoint_test(seed) <= TOL[np.dtype(dtype)] * 10, name
        # The same test done here, with numpy inner products.
        x = random(op.input_shape, op.input_dtype, rng)
        y = random(op.output_shape, op.output_dtype, rng)
        ax, ahy = op @ x, op.H @ y
        lhs, rhs = np.vdot(ax, y), np.vdot(x, ahy)
        assert abs(lhs - rhs) <= 50 * TOL[np.dtype(dtype)] * np.linalg.norm(ax) * np.linalg.norm(y), name


@pytest.mark.parametrize("dtype", ALL, ids=lambda d: np.dtype(d).name)
def test_linearity_and_normal(dtype, rng):
    tol = TOL[np.dtype(dtype)] * 100
    for name, op in factories(dtype, rng):
        x1, x2 = random(op.input_shape, op.input_dtype, rng), random(op.input_shape, op.input_dtype, rng)
        a, b = 1.5, -0.25
        lhs = op @ (a * x1 + b * x2).astype(op.input_dtype)
        rhs = a * (op @ x1) + b * (op @ x2)
        assert np.linalg.norm(lhs - rhs) <= tol * (1 + np.linalg.norm(rhs)), name
        n = op.normal()
        assert np.linalg.norm(n @ x1 - op.H @ (op @ x1)) <= tol * (1 + np.linalg.norm(n @ x1)), name


@pytest.mark.parametrize("dtype", ALL, ids=lambda d: np.dtype(d).name)
def test_norm_matches_dense_spectral_norm(dtype, rng):
    """At the default settings (the figure solvers take their steps from), within 1e-6 of the SVD's,
    and never above it beyond rounding."""
    for name, op in factories(dtype, rng):
        if op.shape[1] > 400 or op.shape[0] > 3000:
            continue
        exact = np.linalg.norm(op.to_dense().astype(np.complex128), 2)
        estimate = op.norm()
        assert estimate == pytest.approx(exact, rel=1e-6, abs=1e-12), name
        assert estimate <= exact * (1 + 1e-6), name


def test_gradient_is_tv_discretisation(rng):
    x = rng.random((5, 7, 6))
    g = L.gradient(x.shape) @ x
    iso = np.sqrt((g ** 2).sum(0)).sum()
    assert iso == pytest.approx(ik.tv_value(x, "isotropic"), rel=1e-12)
    np.testing.assert_allclose(L.divergence(x.shape) @ g, -(L.gradient(x.shape).H @ g))


def test_matrix_and_csr_match_numpy_and_scipy(rng):
    m = random((6, 4), np.complex128, rng)
    x = random((4,), np.complex128, rng)
    np.testing.assert_allclose(L.matrix(m) @ x, m @ x, rtol=1e-12)
    np.testing.assert_allclose(L.matrix(m).H @ (m @ x), m.conj().T @ (m @ x), rtol=1e-12)
    a = sp.random(30, 20, density=0.2, random_state=4, format="csr")
    xr = rng.standard_normal(20)
    yr = rng.standard_normal(30)
    np.testing.assert_allclose(L.csr(a) @ xr, a @ xr, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(L.csr(a).H @ yr, a.T @ yr, rtol=1e-12, atol=1e-14)
    coo = sp.coo_matrix(([1.0, 2.0], ([0, 0], [1, 1])), shape=(2, 3))  # duplicates add up
    np.testing.assert_allclose(L.csr(coo) @ np.ones(3), [3.0, 0.0])


def test_combinators_match_dense_algebra(rng):
    a, b = random((5, 4), np.float64, rng), random((4, 3), np.float64, rng)
    A, B = L.matrix(a), L.matrix(b)
    np.testing.assert_allclose((A @ B).to_dense(), a @ b, rtol=1e-12)
    np.testing.assert_allclose((A + A).to_dense(), 2 * a, rtol=1e-12)
    np.testing.assert_allclose((A - 0.5 * A).to_dense(), 0.5 * a, rtol=1e-12)
    np.testing.assert_allclose(A.H.to_dense(), a.T, rtol=1e-12)
    np.testing.assert_allclose(L.stack([A, L.matrix(2 * a)]).to_dense(), np.vstack([a, 2 * a]), rtol=1e-12)
    batch = L.block_diag([B, B])
    assert batch.input_shape == (2, 3) and batch.output_shape == (2, 4)
    np.testing.assert_allclose(batch.to_dense(), np.kron(np.eye(2), b), rtol=1e-12)


def test_output_buffers_and_strides(rng):
    g = L.gradient((6, 8))
    x = rng.random((6, 16))[:, ::2]
    out = np.zeros((2, 6, 8, 2))[..., 0]
    g.apply(x, out=out)
    np.testing.assert_allclose(out, g @ np.ascontiguousarray(x))


@pytest.mark.parametrize("dtype", ALL, ids=lambda d: np.dtype(d).name)
def test_closed_form_normal_solves_match_dense(dtype, rng):
    """(A^H A + rho I)^-1 b against numpy.linalg.solve on the dense matrix, for every operator that
    claims a closed form; the others refuse."""
    tol = {np.dtype(np.float64): 1e-10, np.dtype(np.complex128): 1e-10,
           np.dtype(np.float32): 1e-4, np.dtype(np.complex64): 1e-4}[np.dtype(dtype)]
    seen = 0
    for name, op in factories(dtype, rng):
        if op.shape[1] > 400:
            continue
        b = random(op.input_shape, op.input_dtype, rng)
        if not op.has_normal_solve:
            with pytest.raises(ik.InvalidArgumentError, match="closed-form"):
                op.solve_normal(b, 0.5)
            continue
        seen += 1
        m = op.to_dense().astype(np.complex128)
        expected = np.linalg.solve(m.conj().T @ m + 0.5 * np.eye(m.shape[1]), b.ravel().astype(np.complex128))
        got = op.solve_normal(b, 0.5).ravel()
        assert np.abs(got - expected).max() <= tol * (1 + np.abs(expected).max()), name
        in_place = b.copy()
        op.solve_normal(in_place, 0.5, out=in_place)
        np.testing.assert_allclose(in_place.ravel(), got, rtol=1e-5, atol=1e-6)
    assert seen >= 8


def test_batch_axis(rng):
    conv = L.convolution((12, 10), rng.random((3, 3)), "same")
    stack = L.batch(conv, 4)
    assert stack.input_shape == (4, 12, 10) and stack.output_shape == (4, 12, 10)
    x = rng.random((4, 12, 10))
    y = stack @ x
    for b in range(4):
        np.testing.assert_allclose(y[b], conv @ x[b], atol=1e-14)
    assert stack.adjoint_test() < 1e-13
    with pytest.raises(ik.InvalidArgumentError):
        L.batch(conv, 0)
