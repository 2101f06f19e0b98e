"""The functional contracts through the Python binding, from the shared case list
Tests/cases/functionals.txt (the same cases the Swift and C suites run), and bad input."""
from __future__ import annotations

import math
import threading

import numpy as np
import pytest

import inversekit as ik
from inversekit import functional as fn, linop
from case_list import load

CASES = load("functionals")


# The case file's data formulas.
def weights(n):
    return 0.25 + 0.25 * (np.arange(n) % 5)


def centre(shape, dtype):
    n = int(np.prod(shape)) * (2 if dtype.kind == "c" else 1)
    reals = 0.5 * np.sin(np.arange(n) + 1.0)
    if dtype.kind == "c":
        reals = reals[0::2] + 1j * reals[1::2]
    return reals.reshape(shape).astype(dtype)


def counts(n):
    return ((7 * np.arange(n)) % 5).astype(float)


def background(n):
    return 0.1 + 0.05 * (np.arange(n) % 3)


def mask(n):
    return (np.arange(n) % 3 != 0).astype(float)


def real_of(dtype):
    return np.float32 if dtype in (np.float32, np.complex64) else np.float64


def number(params, key):
    return float(params[key])  # float() reads "inf"


def make_operator(kind, dtype, shape):
    n = int(np.prod(shape))
    if kind == "gradient":
        return linop.gradient(shape, dtype)
    if kind == "mask":
        return linop.mask(mask(n).reshape(shape).astype(real_of(dtype)), dtype)
    if kind == "convolution":
        kernel = np.array([[0, 1, 0], [1, 4, 1], [0, 1, 0]]) / 8
        return linop.convolution(shape, kernel.astype(real_of(dtype)))
    if kind == "fourier":
        return linop.fourier(shape, mask=mask(n).reshape(shape), dtype=dtype)
    raise AssertionError(kind)


def make(kind, dtype, shape, p):
    n = int(np.prod(shape))
    weighted = p.get("weights") == "1"
    w = weights(n).reshape(shape)
    if kind == "l1":
        return fn.l1(shape, dtype, weights=w if weighted else None)
    if kind == "squared_l2":
        return fn.squared_l2(shape, dtype)
    if kind == "group_l21":
        return fn.group_l21(shape, int(p["axis"]), dtype)
    if kind == "scaled_group_l21":
        return number(p, "scale") * fn.group_l21(shape, int(p["axis"]), dtype)
    if kind == "box":
        return fn.box(shape, number(p, "lower"), number(p, "upper"), dtype)
    if kind == "nonnegative":
        return fn.nonnegative(shape, dtype)
    if kind == "l2_ball":
        return fn.l2_ball(centre(shape, dtype), number(p, "radius"))
    if kind == "kl":
        b = background(n).reshape(shape) if p["background"] == "1" else None
        return fn.kl(counts(n).reshape(shape), b, dtype=dtype)
    if kind == "least_squares":
        a = make_operator(p["op"], dtype, shape)
        y = centre(a.output_shape, a.output_dtype)
        return fn.least_squares(a, y, weights(int(np.prod(a.output_shape))).reshape(a.output_shape) if weighted else None)
    if kind == "tikhonov":
        return fn.tikhonov(make_operator(p["op"], dtype, shape))
    if kind == "tv":
        single = dtype == np.float32
        return fn.tv(shape, dtype, norm=p["norm"], tol=1e-5 if single else 1e-10, max_iter=3000,
                     lower=number(p, "lower") if "lower" in p else None,
                     upper=number(p, "upper") if "upper" in p else None, weights=w if weighted else None)
    if kind == "scaled_l1":
        return number(p, "scale") * fn.l1(shape, dtype)
    if kind == "translated_l2":
        return fn.squared_l2(shape, dtype).shifted(centre(shape, dtype))
    if kind == "translated_l1":
        return fn.l1(shape, dtype).shifted(centre(shape, dtype))
    if kind == "composed_l2":
        g = linop.gradient(shape, dtype)
        return fn.squared_l2(g.output_shape, dtype).composed(g)
    if kind == "separable":
        return fn.separable_sum([fn.l1(shape, dtype), fn.squared_l2(shape, dtype)])
    raise AssertionError(kind)


@pytest.mark.parametrize("case", CASES, ids=[f"line{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_shared_case(case):
    number_, kind, dtype, shape, p = case
    f = make(kind, dtype, shape, p)
    single = dtype in (np.float32, np.complex64)
    tol = float(p.get("tol", 2e-4 if single else 1e-9))
    gradient_tol = 2e-2 if single else 1e-6
    caps = f.capabilities
    for seed in range(4):
        r = f.check(seed=seed)
        if {"prox", "prox_conjugate"} <= caps:
            assert r.moreau is not None and r.moreau <= tol, r
        if {"prox", "value"} <= caps:
            assert r.prox_optimality is not None and r.prox_optimality <= tol, r
        if "conjugate_value" in caps:
            assert r.fenchel_young is not None and r.fenchel_young <= tol, r
        if "gradient" in caps:
            assert r.gradient is not None and r.gradient <= gradient_tol, r


def test_the_case_list_covers_every_factory():
    kinds = {c[1] for c in CASES}
    assert {"l1", "squared_l2", "group_l21", "box", "nonnegative", "l2_ball", "kl", "least_squares", "tikhonov",
            "tv", "scaled_l1", "scaled_group_l21", "translated_l2", "composed_l2", "separable"} <= kinds
    assert len(CASES) > 30


def test_closed_forms_in_numpy():
    rng = np.random.default_rng(3)
    v = rng.standard_normal((6, 5)) + 1j * rng.standard_normal((6, 5))
    p = fn.l1(v.shape, np.complex128).prox(v, 0.4)
    expected = v * np.maximum(0, 1 - 0.4 / np.abs(v))
    np.testing.assert_allclose(p, expected, rtol=1e-14, atol=1e-15)
    # The group norm of a (3, n) gradient field is isotropic TV's norm.
    q = rng.standard_normal((2, 7, 6))
    assert math.isclose(fn.group_l21(q.shape, 0).value(q), np.sqrt((q ** 2).sum(0)).sum(), rel_tol=1e-14)
    # KL value.
    y, b, z = counts(12), background(12), rng.uniform(0.5, 2, 12)
    m = z + b
    ref = np.sum(m - y + np.where(y > 0, y * np.log(np.where(y > 0, y, 1) / m), 0))
    assert math.isclose(fn.kl(y, b).value(z), ref, rel_tol=1e-13)
    assert fn.kl(y, b).value(-b - 1) == math.inf
    # Least squares against numpy's solve (weighted: conjugate gradients).
    m_ = rng.standard_normal((9, 5))
    a = linop.matrix(m_)
    data, w, v5 = rng.standard_normal(9), rng.uniform(0.5, 2, 9), rng.standard_normal(5)
    x = fn.least_squares(a, data, w).prox(v5, 0.3)
    h = m_.T @ (w[:, None] * m_) + np.eye(5) / 0.3
    np.testing.assert_allclose(x, np.linalg.solve(h, m_.T @ (w * data) + v5 / 0.3), rtol=1e-8)
    lipschitz = fn.least_squares(a, data, w).lipschitz
    assert lipschitz >= np.linalg.norm(np.sqrt(w)[:, None] * m_, 2) ** 2 * (1 - 1e-12)
    assert lipschitz <= np.linalg.norm(m_, 2) ** 2 * w.max() * 1.03


def test_in_place_and_promotions():
    v = np.linspace(-1, 1, 20).reshape(4, 5)
    f = fn.l1(v.shape)
    expected = np.sign(v) * np.maximum(np.abs(v) - 0.25, 0)
    f.prox(v, 0.25, out=v)
    np.testing.assert_allclose(v, expected, atol=1e-15)
    assert fn.squared_l2((3,)).value(np.array([1, 2, 3])) == 7.0  # integers promoted exactly
    # complex for a real functional is refused, not truncated
    with pytest.raises(ik.UnsupportedDtypeError, match="Invalid v"):
        fn.nonnegative((3,)).prox(np.ones(3, complex), 1.0)


def test_bad_input_names_the_argument():
    with pytest.raises(ik.InvalidArgumentError, match="Invalid lambda"):
        -1.0 * fn.l1((3,))
    with pytest.raises(ik.NotFiniteError, match="Invalid lambda"):
        float("nan") * fn.l1((3,))
    with pytest.raises(TypeError):
        "0.1" * fn.l1((3,))
    with pytest.raises(ik.InvalidArgumentError, match="Invalid radius"):
        fn.l2_ball(np.zeros(3), -1)
    with pytest.raises(ik.InvalidArgumentError, match="Invalid counts"):
        fn.kl([1, -1, 2])
    with pytest.raises(ik.InvalidArgumentError, match="Invalid background"):
        fn.kl([1, 1, 2], [0, -0.1, 0])
    with pytest.raises(ik.UnsupportedDtypeError, match="Invalid counts"):
        fn.kl([1j, 1, 2])
    with pytest.raises(ik.InvalidArgumentError, match="Invalid lower, upper"):
        fn.box((3,), 1, 0)
    with pytest.raises(ik.InvalidArgumentError, match="no gradient"):
        fn.l1((3,)).gradient(np.ones(3))
    with pytest.raises(ik.InvalidArgumentError, match="Invalid tau"):
        fn.l1((3,)).prox(np.ones(3), 0)
    with pytest.raises(ik.InvalidArgumentError, match="Invalid tau"):
        fn.l1((3,)).prox(np.ones(3), -1)
    with pytest.raises(ik.InvalidArgumentError, match="Invalid tau"):
        fn.l1((3,)).prox(np.ones(3), float("nan"))
    with pytest.raises(ik.InvalidArgumentError, match="Invalid tau: expected a real number"):
        fn.l1((3,)).prox(np.ones(3), "1")
    with pytest.raises(ik.ShapeError, match="Invalid v"):
        fn.l1((3,)).prox(np.ones(4), 1)
    with pytest.raises(ik.ShapeError, match="Invalid operator"):
        fn.squared_l2((4, 4)).composed(linop.gradient((4, 4)))
    with pytest.raises(ik.UnsupportedDtypeError, match="terms"):
        fn.separable_sum([fn.l1((3,)), fn.l1((3,), np.float32)])
    with pytest.raises(ik.InvalidArgumentError, match="count"):
        fn.separable_sum([])
    with pytest.raises(ik.InvalidArgumentError, match="not a TV functional"):
        fn.l1((3,)).tv_info()
    out = np.full(3, 7.0)
    with pytest.raises(ik.InvalidArgumentError):
        fn.l1((3,)).gradient(np.ones(3), out=out)
    assert (out == 7.0).all()


def test_tv_functional_certificate_and_warm_start():
    rng = np.random.default_rng(0)
    y = rng.standard_normal((48, 40))
    f = 0.3 * fn.tv(y.shape, tol=1e-6)
    x = f.prox(y, 1.0)
    first = f.tv_info()
    expected = ik.tv_denoise(y, 0.3, tol=1e-8)
    assert np.abs(x - expected).max() < 1e-2
    assert first.gap >= 0 and first.relative_gap <= 1e-6
    f.prox(y + 1e-3, 1.0)
    assert f.tv_info().iterations < first.iterations  # warm start


def test_stateful_functional_refuses_concurrent_calls():
    f = fn.tv((256, 256), tol=0, max_iter=300)
    y = np.random.default_rng(1).standard_normal((256, 256))
    errors, done = [], []

    def worker():
        try:
            f.prox(y, 0.1)
            done.append(1)
        except ik.InvalidArgumentError as e:
            errors.append(str(e))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert done, "no call went through"
    assert all("in use" in e for e in errors)
    assert len(done) + len(errors) == 4


def test_norm_bounds_and_normal_test():
    g = linop.gradient((9, 7))
    assert "lipschitz" in fn.tikhonov(g).capabilities
    assert math.isclose(fn.tikhonov(g).lipschitz, 8.0, rel_tol=1e-15)
    blur = linop.convolution((16, 16), np.array([[0, 1, 0], [1, 4, 1], [0, 1, 0]]) / 8)
    assert "lipschitz" in fn.least_squares(blur, np.zeros((16, 16))).capabilities
    assert 1.0 <= fn.least_squares(blur, np.zeros((16, 16))).lipschitz <= 1.0201 + 1e-12
