"""The operator contracts through the Python binding, from the shared case list
Tests/cases/operators.txt (the same cases the Swift and C suites run): the adjoint dot test,
linearity, the normal operator, the norm bound and the closed-form normal solve; and, here only,
the norm and the normal solves against dense linear algebra."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import inversekit as ik
from inversekit import linop as L
from case_list import input_vector, load, make_operator, output_vector

CASES = load("operators")


def random(shape, dtype, rng):
    dt = np.dtype(dtype)
    x = rng.standard_normal(shape)
    if dt.kind == "c":
        x = x + 1j * rng.standard_normal(shape)
    return x.astype(dt)


def tolerance(case):
    default = 1e-5 if case.dtype in (np.float32, np.complex64) else 1e-12
    return float(case.params.get("tol", default))


def norm(a):
    return float(np.linalg.norm(np.asarray(a, dtype=np.complex128).ravel()))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_shared_case(case):
    op, tol = make_operator(case), tolerance(case)
    x = input_vector(op.input_shape, op.input_dtype)
    z = input_vector(op.input_shape, op.input_dtype, second=True)
    y = output_vector(op.output_shape, op.output_dtype)
    ax, ahy = op @ x, op.H @ y
    # The adjoint contract from numpy's inner products, and the library's own test.
    mismatch = abs(np.vdot(ax, y).real - np.vdot(x, ahy).real)
    assert mismatch <= tol * max(norm(ax) * norm(y), norm(x) * norm(ahy)), case
    assert op.adjoint_test(7) <= tol, case
    combined = (2 * x - 0.5 * z).astype(op.input_dtype)
    expected = 2 * ax - 0.5 * (op @ z)
    assert norm(op @ combined - expected) <= tol * (norm(expected) + norm(ax)), case
    normal = op.normal() @ x
    assert norm(normal - op.H @ ax) <= tol * norm(normal), case
    bound = op.norm_bound()
    assert np.isfinite(bound) and bound * (1 + tol) >= norm(ax) / norm(x), case
    assert bound >= op.norm() * (1 - 1e-5), case
    if op.has_normal_solve:
        assert op.normal_test(0.3) <= 10 * tol, case


def test_the_case_list_covers_every_kind():
    kinds = {c.kind for c in CASES}
    assert kinds >= {"identity", "scaling", "diagonal", "mask", "gradient", "divergence", "matrix", "csr",
                     "convolution", "super_resolution", "fourier", "radon", "product", "sum", "stack",
                     "block_diagonal", "adjoint", "normal", "scaled"}
    assert {c.dtype.name for c in CASES} == {"float32", "float64", "complex64", "complex128"}


@pytest.mark.parametrize("case", [c for c in CASES if c.kind not in ("radon",) or c.shape[-1] < 40], ids=str)
def test_norm_matches_dense_spectral_norm(case):
    """At the default settings (the figure solvers take their steps from), within 1e-6 of the SVD's,
    and never above it beyond rounding."""
    op = make_operator(case)
    exact = np.linalg.norm(op.to_dense().astype(np.complex128), 2)
    estimate = op.norm()
    assert estimate == pytest.approx(exact, rel=1e-6, abs=1e-12), case
    assert estimate <= exact * (1 + 1e-6), case


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


@pytest.mark.parametrize("case", CASES, ids=str)
def test_closed_form_normal_solves_match_dense(case, rng):
    """(A^H A + rho I)^-1 b against numpy.linalg.solve on the dense matrix, for every operator that
    claims a closed form; the others refuse."""
    tol = 1e-4 if case.dtype in (np.float32, np.complex64) else 1e-10
    op = make_operator(case)
    b = random(op.input_shape, op.input_dtype, rng)
    if not op.has_normal_solve:
        with pytest.raises(ik.InvalidArgumentError, match="closed-form"):
            op.solve_normal(b, 0.5)
        return
    m = op.to_dense().astype(np.complex128)
    expected = np.linalg.solve(m.conj().T @ m + 0.5 * np.eye(m.shape[1]), b.ravel().astype(np.complex128))
    got = op.solve_normal(b, 0.5).ravel()
    assert np.abs(got - expected).max() <= tol * (1 + np.abs(expected).max()), case
    in_place = b.copy()
    op.solve_normal(in_place, 0.5, out=in_place)
    np.testing.assert_allclose(in_place.ravel(), got, rtol=1e-5, atol=1e-6)


def test_enough_cases_have_a_closed_form():
    assert sum(make_operator(c).has_normal_solve for c in CASES) >= 8


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
