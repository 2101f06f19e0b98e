"""Operators defined by Python callables, and bad input to every operator function."""
from __future__ import annotations

import ctypes

import numpy as np
import pytest
import scipy.sparse as sp

import inversekit as ik
from inversekit import _raw
from inversekit import linop as L


def test_python_callable_operator(rng):
    m = rng.standard_normal((4, 6))
    op = L.from_callable(lambda x: m @ x, lambda y: m.T @ y, (6,), (4,))
    x = rng.standard_normal(6)
    np.testing.assert_allclose(op @ x, m @ x)
    assert op.adjoint_test() < 1e-14
    # Composes like any operator, here inside a product with a library operator.
    composite = L.scaling((4,), 2.0) @ op
    np.testing.assert_allclose(composite @ x, 2 * m @ x)
    assert op.norm(tol=1e-10, max_iter=5000) == pytest.approx(np.linalg.norm(m, 2), rel=1e-6)


def test_raising_callable_fails_cleanly(rng):
    def broken(x):
        raise RuntimeError("model crashed")

    op = L.from_callable(broken, lambda y: y, (3,), (3,))
    out = np.full(3, 7.0)
    with pytest.raises(ik.CallbackError, match="apply callback") as info:
        op.apply(np.ones(3), out=out)
    assert isinstance(info.value.__cause__, RuntimeError)
    assert np.all(out == 7.0)  # untouched
    np.testing.assert_allclose(op.adjoint(np.ones(3)), np.ones(3))  # the other direction still works
    wrong = L.from_callable(lambda x: np.zeros(5), lambda y: y, (3,), (3,))
    with pytest.raises(ik.CallbackError) as info:
        wrong @ np.ones(3)
    assert "shape" in str(info.value.__cause__)
    # Inside a composite, the failure propagates and the output stays untouched.
    composite = L.stack([L.identity((3,)), op])
    out = np.full(6, 9.0)
    with pytest.raises(ik.CallbackError):
        composite.apply(np.ones(3), out=out)
    assert np.all(out == 9.0)


@pytest.mark.parametrize("make,error,text", [
    (lambda: L.identity((0, 3)), ik.ShapeError, "axis 0"),
    (lambda: L.identity(()), ik.ShapeError, "dimensions"),
    (lambda: L.identity((2,) * 9), ik.ShapeError, "dimensions"),
    (lambda: L.identity((3,), np.int32), ik.UnsupportedDtypeError, "dtype"),
    (lambda: L.scaling((3,), float("nan")), ik.NotFiniteError, "scale"),
    (lambda: L.diagonal(np.array([1.0, np.inf])), ik.NotFiniteError, "diagonal"),
    (lambda: L.diagonal(np.ones(3, np.complex128), np.float64), ik.UnsupportedDtypeError, "complex"),
    (lambda: L.diagonal(np.ones(3), np.float32), ik.UnsupportedDtypeError, "precision"),
    (lambda: L.mask(np.zeros((4, 4))), ik.InvalidArgumentError, "no pixel"),
    (lambda: L.mask(np.full((2, 2), 0.5)), ik.InvalidArgumentError, "0 or 1"),
    (lambda: L.gradient((2, 2, 2, 2)), ik.ShapeError, "dimensions"),
    (lambda: L.matrix(np.ones(3)), ik.ShapeError, "2 dimensions"),
    (lambda: L.matrix(np.array([[1.0, np.nan]])), ik.NotFiniteError, "matrix"),
    (lambda: L.product(L.identity((3,)), L.identity((4,))), ik.ShapeError, "product"),
    (lambda: L.sum_of([L.identity((3,)), L.identity((4,))]), ik.ShapeError, "sum"),
    (lambda: L.sum_of([]), ik.InvalidArgumentError, "count"),
    (lambda: L.stack([L.identity((3,)), L.identity((3,), np.float32)]), ik.ShapeError, "stack"),
    (lambda: L.block_diag([L.identity((3,)), L.identity((3,), np.complex128)]), ik.UnsupportedDtypeError, "block"),
])
def test_bad_creation(make, error, text):
    with pytest.raises(error, match=text):
        make()


def test_bad_csr():
    ptr = ctypes.POINTER(ctypes.c_int64)

    def raw(rows, cols, indptr, indices, values):
        handle = ctypes.c_void_p()
        ip = np.asarray(indptr, np.int64)
        ix = np.asarray(indices, np.int64)
        from inversekit._arrays import Descriptor
        _raw.lib.ik_linop_create_csr(ctypes.byref(handle), rows, cols, ip.ctypes.data_as(ptr),
                                     ix.ctypes.data_as(ptr), Descriptor(np.asarray(values, np.float64), "values").ref)
        return handle

    with pytest.raises(ik.InvalidArgumentError, match="indices"):
        raw(2, 2, [0, 1, 2], [0, 5], [1.0, 1.0])
    with pytest.raises(ik.InvalidArgumentError, match="decreases"):
        raw(2, 2, [0, 2, 1], [0, 1], [1.0])
    with pytest.raises(ik.ShapeError, match="values"):
        raw(2, 2, [0, 1, 2], [0, 1], [1.0, 1.0, 1.0])
    with pytest.raises(ik.ShapeError):
        raw(0, 2, [0], [], [])
    with pytest.raises(ik.OverflowSizeError):
        raw(2**40, 2, [0], [], [])
    good = L.csr(sp.eye(3, format="csr"))
    assert good.adjoint_test() < 1e-15


def test_real_input_to_complex_operators_is_promoted(rng):
    f = L.fourier((6, 5))
    x = rng.standard_normal((6, 5))
    np.testing.assert_allclose(f @ x, f @ x.astype(np.complex128))
    np.testing.assert_allclose(f.adjoint(x), f.adjoint(x.astype(np.complex128)))


def test_bad_application(rng):
    g = L.gradient((4, 5))
    with pytest.raises(ik.ShapeError, match="Invalid operand of @"):
        g @ np.zeros((5, 4))
    with pytest.raises(ik.ShapeError, match="Invalid operand of @"):
        g.H @ np.zeros((5, 4))                      # the same wording for the adjoint
    with pytest.raises(ik.ShapeError, match="Invalid x"):
        g.apply(np.zeros((5, 4)))
    with pytest.raises(ik.UnsupportedDtypeError, match="Invalid operand of @"):
        L.gradient((4, 5), np.float32) @ np.zeros((4, 5))          # float64 into float32 would round
    np.testing.assert_array_equal(g @ np.ones((4, 5), np.float32), g @ np.ones((4, 5)))  # exact promotion
    out = np.full((2, 4, 5), 3.0)
    with pytest.raises(ik.ShapeError, match="Invalid out"):
        g.apply(np.zeros((4, 5)), out=np.zeros((4, 5)))
    with pytest.raises(ik.ShapeError, match="Invalid y"):
        g.adjoint(np.zeros((4, 5)))
    with pytest.raises(ik.LayoutError):
        g.apply(np.zeros((4, 5)), out=np.broadcast_to(np.zeros(5), (2, 4, 5)))
    with pytest.raises(ik.InvalidArgumentError, match="tolerance"):
        g.norm(tol=-1)
    with pytest.raises(ik.InvalidArgumentError, match="max_iterations"):
        g.norm(max_iter=0)
    assert np.all(out == 3.0)
    for fn, args in [(_raw.lib.ik_linop_apply, (None, None, None)),
                     (_raw.lib.ik_linop_adjoint_test, (None, 0, None)),
                     (_raw.lib.ik_linop_norm, (None, 0, 0.1, 10, None))]:
        with pytest.raises(ik.NullPointerError):
            fn(*args)
    _raw.lib.ik_linop_destroy(None)


def test_shapes_are_reported():
    g = L.gradient((3, 4, 5), np.complex64)
    assert g.input_shape == (3, 4, 5) and g.output_shape == (3, 3, 4, 5)
    assert g.input_dtype == np.complex64 and g.output_dtype == np.complex64
    assert g.shape == (180, 60)
