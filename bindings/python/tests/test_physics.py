"""Physics operators against the reference implementations: scipy (convolution), numpy
(Fourier), scikit-image (Radon, FBP)."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage as nd
import scipy.signal as ss

import inversekit as ik
from inversekit import linop as L


@pytest.mark.parametrize("shape,kshape", [((20, 17), (5, 3)), ((16, 16), (4, 4)), ((9, 10, 11), (3, 4, 2)),
                                          ((31,), (6,))])
@pytest.mark.parametrize("mode", ["same", "valid"])
def test_zero_boundary_convolution_equals_scipy(rng, shape, kshape, mode):
    x, k = rng.random(shape), rng.random(kshape)
    np.testing.assert_allclose(L.convolution(shape, k, mode) @ x, ss.convolve(x, k, mode=mode), atol=1e-12)
    xf, kf = x.astype(np.float32), k.astype(np.float32)
    np.testing.assert_allclose(L.convolution(shape, kf, mode) @ xf, ss.convolve(x, k, mode=mode), atol=1e-4)


@pytest.mark.parametrize("shape,kshape", [((20, 17), (5, 3)), ((16, 16), (4, 4)), ((9, 10, 11), (3, 3, 3))])
def test_periodic_convolution_equals_ndimage_wrap(rng, shape, kshape):
    x, k = rng.random(shape), rng.random(kshape)
    np.testing.assert_allclose(L.convolution(shape, k, "periodic") @ x, nd.convolve(x, k, mode="wrap"), atol=1e-12)


@pytest.mark.parametrize("shape,factors", [((40, 37), (13, 13)), ((16, 16), (4, 4)), ((9, 10, 11), (3, 5, 3)),
                                           ((50,), (7,)), ((21, 18), (13, 1))])
@pytest.mark.parametrize("mode", ["periodic", "same", "valid"])
def test_separable_kernel_equals_scipy(rng, shape, factors, mode):
    # An outer product of 1-D taps (a Gaussian is one) is applied directly, one pass per axis.
    k = np.ones(())
    for n in factors:
        k = np.multiply.outer(k, rng.random(n) + 0.1)
    x = rng.random(shape)
    if mode == "periodic":
        # ndimage's wrap places an even kernel's centre one sample off ours: compare with the
        # circular convolution written out.
        expected = np.zeros(shape)
        for offset in np.ndindex(*k.shape):
            shift = tuple(o - n // 2 for o, n in zip(offset, k.shape))
            expected += k[offset] * np.roll(x, shift, axis=tuple(range(x.ndim)))
    else:
        expected = ss.convolve(x, k, mode=mode)
    A = L.convolution(shape, k, mode)
    np.testing.assert_allclose(A @ x, expected, atol=1e-12)
    z = rng.random(expected.shape)
    assert abs(np.vdot(A @ x, z) - np.vdot(x, A.H @ z)) <= 1e-12 * np.linalg.norm(x) * np.linalg.norm(z) * k.sum()
    A32 = L.convolution(shape, k.astype(np.float32), mode)
    np.testing.assert_allclose(A32 @ x.astype(np.float32), expected, atol=1e-5 * k.sum())
    # A kernel just off rank one goes through the FFT path and agrees to its own rounding.
    bumped = k.copy()
    bumped.flat[0] += 1e-9
    np.testing.assert_allclose(L.convolution(shape, bumped, mode) @ x, A @ x, atol=1e-8)


@pytest.mark.parametrize("shape", [(8, 9), (16, 16), (40, 36), (33, 50), (5, 6, 7), (4, 20, 34)])
@pytest.mark.parametrize("centered", [False, True])
def test_fourier_equals_numpy(rng, shape, centered):
    x = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    axes = tuple(range(len(shape)))
    if centered:
        expected = np.fft.fftshift(np.fft.fftn(np.fft.ifftshift(x, axes), norm="ortho"), axes)
    else:
        expected = np.fft.fftn(x, norm="ortho")
    m = (rng.random(shape) > 0.3).astype(np.float64)
    F = L.fourier(shape, m, centered=centered)
    np.testing.assert_allclose(F @ x, m * expected, atol=1e-12)
    # Fully sampled, the orthonormal transform is unitary: its adjoint inverts it.
    full = L.fourier(shape, centered=centered)
    np.testing.assert_allclose(full.H @ (full @ x), x, atol=1e-12)
    assert full.norm(tol=1e-10) == pytest.approx(1.0, rel=1e-6)


def test_sense_equals_coilwise_fourier(rng):
    shape, coils = (12, 10), 4
    x = rng.standard_normal(shape) + 1j * rng.standard_normal(shape)
    s = rng.standard_normal((coils,) + shape) + 1j * rng.standard_normal((coils,) + shape)
    m = np.zeros(shape)
    m[::3] = 1
    y = L.fourier(shape, m, s) @ x
    for c in range(coils):
        np.testing.assert_allclose(y[c], m * np.fft.fft2(s[c] * x, norm="ortho"), atol=1e-12)
    expected_adjoint = sum(np.conj(s[c]) * np.fft.ifft2(m * y[c], norm="ortho") for c in range(coils))
    np.testing.assert_allclose(L.fourier(shape, m, s).H @ y, expected_adjoint, atol=1e-12)


@pytest.fixture(scope="module")
def phantom():
    from skimage.data import shepp_logan_phantom
    from skimage.transform import rescale
    return rescale(shepp_logan_phantom(), 256 / 400, anti_aliasing=False)


def test_radon_matches_skimage(phantom):
    from skimage.transform import radon
    degrees = np.linspace(0, 180, 60, endpoint=False)
    theirs = radon(phantom, degrees, circle=True)  # (detectors, angles)
    ours = L.radon(phantom.shape, np.deg2rad(degrees), detectors=256) @ phantom  # (angles, detectors)
    # Same geometry and scale (unit pixels and bins, axis through pixel n // 2); skimage rotates the
    # image with bilinear interpolation, we interpolate along rays (Joseph): a 0.2 % difference.
    residual = np.linalg.norm(ours.T - theirs) / np.linalg.norm(theirs)
    assert residual < 0.005
    # At angle 0 both are exact column sums.
    np.testing.assert_allclose(ours[0], phantom.sum(axis=0), atol=1e-10)


def test_fbp_reaches_skimage_psnr(phantom):
    from skimage.metrics import peak_signal_noise_ratio as psnr
    from skimage.transform import iradon, radon
    degrees = np.linspace(0, 180, 60, endpoint=False)
    theta = np.deg2rad(degrees)
    sinogram = radon(phantom, degrees, circle=True)
    for name in ("ramp", "shepp-logan", "cosine", "hann", "hamming"):
        ours = L.fbp(sinogram.T, theta, phantom.shape, filter=name, circle=True)
        theirs = iradon(sinogram, degrees, filter_name=name, circle=True)
        # Same filters and interpolation: equal up to rounding (1e-4 dB), higher for Hann/Hamming,
        # whose windows we evaluate exactly on the periodic grid.
        assert psnr(phantom, ours, data_range=1) >= psnr(phantom, theirs, data_range=1) - 1e-4, name
    # The whole pipeline on our own projector.
    own = L.fbp(L.radon(phantom.shape, theta) @ phantom, theta, phantom.shape, circle=True)
    assert psnr(phantom, own, data_range=1) > 26


@pytest.mark.parametrize("make,error,text", [
    (lambda: L.convolution((8, 8), np.array([[1.0, np.nan]])), ik.NotFiniteError, "kernel"),
    (lambda: L.convolution((4, 4), np.ones((5, 5)), "periodic"), ik.ShapeError, "exceeds"),
    (lambda: L.convolution((4, 4), np.ones((5, 5)), "valid"), ik.ShapeError, "exceeds"),
    (lambda: L.convolution((4, 4), np.ones(3)), ik.ShapeError, "dimensions"),
    (lambda: L.convolution((4, 4), np.ones((2, 2), np.complex128)), ik.UnsupportedDtypeError, "kernel"),
    (lambda: L.convolution((4, 4), np.ones((2, 2)), "mirror"), ik.InvalidArgumentError, "boundary"),
    (lambda: L.fourier((8, 8), np.zeros((8, 8))), ik.InvalidArgumentError, "no sample"),
    (lambda: L.fourier((8, 8), np.ones((8, 7))), ik.ShapeError, "mask"),
    (lambda: L.fourier((8, 8), None, np.ones((2, 8, 7), np.complex128)), ik.ShapeError, "coil"),
    (lambda: L.fourier((8, 8), dtype=np.float64), ik.UnsupportedDtypeError, "complex"),
    (lambda: L.fourier((8,)), ik.ShapeError, "dimensions"),
    (lambda: L.super_resolution((8, 9), np.ones((3, 3)), 2), ik.ShapeError, "multiple"),
    (lambda: L.super_resolution((8, 8), np.ones((3, 3)), 0), ik.InvalidArgumentError, "factor"),
    (lambda: L.super_resolution((8,), np.ones(3), 2), ik.ShapeError, "dimensions"),
    (lambda: L.identity((3,)).solve_normal(np.ones(3), 0.0), ik.InvalidArgumentError, "rho"),
    (lambda: L.identity((3,)).solve_normal(np.ones(3), float("nan")), ik.NotFiniteError, "rho"),
    (lambda: L.radon((8, 8), []), ik.InvalidArgumentError, "angle"),
    (lambda: L.radon((8, 8), [0.0, np.nan]), ik.NotFiniteError, "angles"),
    (lambda: L.radon((8, 8), [0.0], spacing=0.0), ik.InvalidArgumentError, "spacing"),
    (lambda: L.radon((0, 8), [0.0]), ik.ShapeError, "shape"),
    (lambda: L.radon((8, 8), [0.0], dtype=np.complex128), ik.UnsupportedDtypeError, "dtype"),
    (lambda: L.fbp(np.ones((3, 5)), [0.0, 1.0], (5, 5)), ik.ShapeError, "sinogram"),
    (lambda: L.fbp(np.full((1, 5), np.inf), [0.0], (5, 5)), ik.NotFiniteError, "sinogram"),
])
def test_physics_bad_input(make, error, text):
    with pytest.raises(error, match=text):
        make()


def test_far_off_detector_does_not_crash(rng):
    # Rays that miss the image entirely give zeros, whatever the spacing.
    op = L.radon((8, 8), [0.3, 1.0], detectors=5, spacing=1e300)
    y = op @ rng.random((8, 8))
    assert np.all(np.isfinite(y))
    assert op.adjoint_test() < 1e-12 or np.all(y == 0)


def test_super_resolution_is_blur_then_decimation(rng):
    x, k = rng.random((16, 12)), rng.random((5, 3))
    blurred = nd.convolve(x, k, mode="wrap")
    np.testing.assert_allclose(L.super_resolution(x.shape, k, 4) @ x, blurred[::4, ::4], atol=1e-12)


@pytest.mark.parametrize("shape", [(7, 9), (16, 16), (1, 5), (5, 1), (33, 20)])
@pytest.mark.parametrize("spacing", [0.37, 1.0, 2.5])
def test_radon_boundary_geometries(rng, shape, spacing):
    # Rays along the axes, at 45 degrees and grazing the edges: exact adjoint, finite values.
    angles = np.concatenate([np.linspace(0, np.pi, 13), [1e-12, np.pi / 4, np.pi / 2 - 1e-12, np.pi / 2,
                                                          3 * np.pi / 4 + 1e-13]])
    op = L.radon(shape, angles, spacing=spacing)
    assert op.adjoint_test(3) < 1e-13
    y = op @ rng.random(shape)
    assert np.all(np.isfinite(y))


def test_radon_larger_irregular_geometry(rng):
    # Non-square, odd and even extents, a fine detector, many angles: exact adjoint, finite values,
    # and agreement of float32 with float64.
    shape, angles = (131, 96), rng.uniform(0, 2 * np.pi, 97)
    op64 = L.radon(shape, angles, detectors=301, spacing=0.55)
    op32 = L.radon(shape, angles, detectors=301, spacing=0.55, dtype=np.float32)
    x = rng.random(shape)
    assert op64.adjoint_test(5) < 1e-13 and op32.adjoint_test(5) < 1e-5
    y64, y32 = op64 @ x, op32 @ x.astype(np.float32)
    assert np.all(np.isfinite(y64))
    np.testing.assert_allclose(y32, y64, rtol=1e-4, atol=1e-4)


def test_fbp_refuses_a_detector_too_fine_for_the_image():
    # Found by the C-ABI fuzzer: the filtered rows' margin overflowed an integer conversion.
    angles = np.linspace(0, np.pi, 8, endpoint=False)
    with pytest.raises(ik.InvalidArgumentError, match="spacing"):
        L.fbp(np.ones((8, 16)), angles, (16, 16), spacing=1e-300)
