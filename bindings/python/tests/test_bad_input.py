"""Bad input ends in an exception carrying the library's message; the process lives on and outputs
are untouched. Both the Pythonic layer and raw ctypes calls (which bypass its checks) are tested."""
from __future__ import annotations

import ctypes

import numpy as np
import pytest

import inversekit as ik
from inversekit import _raw
from inversekit._arrays import Descriptor


@pytest.fixture
def y(rng):
    return rng.random((8, 9))


@pytest.mark.parametrize("kwargs,error,text", [
    (dict(lam=-0.1), ik.InvalidArgumentError, "lambda"),
    (dict(lam=float("nan")), ik.NotFiniteError, "lambda"),
    (dict(lam=float("inf")), ik.NotFiniteError, "lambda"),
    (dict(lower=1.0, upper=0.0), ik.InvalidArgumentError, "lower"),
    (dict(lower=float("nan")), ik.NotFiniteError, "NaN"),
    (dict(max_iter=0), ik.InvalidArgumentError, "max_iterations"),
    (dict(tol=-1.0), ik.InvalidArgumentError, "tolerance"),
    (dict(threads=-2), ik.InvalidArgumentError, "threads"),
    (dict(check_interval=0), ik.InvalidArgumentError, "check_interval"),
    (dict(norm="l3"), ik.InvalidArgumentError, "norm"),
    (dict(weights=np.ones((8, 8))), ik.ShapeError, "weights"),
    (dict(weights=-np.ones((8, 9))), ik.InvalidArgumentError, "weights"),
    (dict(weights=np.full((8, 9), np.nan)), ik.NotFiniteError, "weights"),
    (dict(dual=np.zeros((2, 8, 8))), ik.ShapeError, "dual"),
    (dict(dual=np.full((2, 8, 9), np.inf)), ik.NotFiniteError, "dual"),
    (dict(dual=np.zeros((2, 8, 9), np.float32)), ik.UnsupportedDtypeError, "dual"),
])
def test_bad_arguments(y, kwargs, error, text):
    out = np.full_like(y, 3.0)
    lam = kwargs.pop("lam", 0.1)
    with pytest.raises(error, match=text):
        ik.tv_denoise(y, lam, out=out, **kwargs)
    assert np.all(out == 3.0)


@pytest.mark.parametrize("bad,error", [
    (np.zeros(()), ik.ShapeError),
    (np.zeros(5), ik.ShapeError),
    (np.zeros((2, 2, 2, 2)), ik.ShapeError),
    (np.zeros((4, 4), np.complex128), ik.UnsupportedDtypeError),
    (np.zeros((4, 4), np.int32), ik.UnsupportedDtypeError),
])
def test_bad_images(bad, error):
    with pytest.raises(error):
        ik.tv_denoise(bad)


def test_nan_and_inf_in_y(y):
    for value in (np.nan, np.inf, -np.inf):
        bad = y.copy()
        bad[3, 4] = value
        out = np.full_like(y, 5.0)
        with pytest.raises(ik.NotFiniteError, match=r"Invalid y: element 31"):
            ik.tv_denoise(bad, out=out)
        assert np.all(out == 5.0)


def test_output_mismatch(y):
    # Messages name the argument as the Python caller wrote it.
    with pytest.raises(ik.ShapeError, match="Invalid out"):
        ik.tv_denoise(y, out=np.zeros((9, 8)))
    with pytest.raises(ik.UnsupportedDtypeError, match="Invalid out: dtype float32 differs from y's float64"):
        ik.tv_denoise(y, out=np.zeros((8, 9), np.float32))
    with pytest.raises(ik.InvalidArgumentError, match=r"Invalid lower, upper: lower \(1.0\) > upper \(0.0\)"):
        ik.tv_denoise(y, lower=1.0, upper=0.0)
    with pytest.raises(ik.LayoutError):
        ik.tv_denoise(y, out=np.broadcast_to(np.zeros(9), (8, 9)))


def test_self_overlapping_output_is_refused(y):
    base = np.zeros(20)
    out = np.lib.stride_tricks.as_strided(base, shape=(8, 9), strides=(8, 8))
    with pytest.raises(ik.LayoutError, match="overlap"):
        ik.tv_denoise(y, out=out)
    assert np.all(base == 0)


# Raw calls: what a careless C caller could pass.

def call_raw(y_desc, x_desc, dual=None, options=None, info=None):
    return _raw.lib.ik_tv_denoise(y_desc, x_desc, dual, options, info)


def test_null_pointers(y):
    yd = Descriptor(y, "y")
    with pytest.raises(ik.NullPointerError, match="Invalid y"):
        call_raw(None, yd.ref)
    with pytest.raises(ik.NullPointerError, match="Invalid x"):
        call_raw(yd.ref, None)
    with pytest.raises(ik.NullPointerError):
        _raw.lib.ik_tv_value(yd.ref, 0, None, None)
    with pytest.raises(ik.NullPointerError):
        _raw.lib.ik_tv_dual_shape(yd.ref, None, None)
    bad = Descriptor(y, "y")
    bad.struct.data = None
    with pytest.raises(ik.NullPointerError, match="data"):
        call_raw(bad.ref, yd.ref)
    bad = Descriptor(y, "y")
    bad.struct.shape = None
    with pytest.raises(ik.NullPointerError, match="shape"):
        call_raw(bad.ref, yd.ref)
    _raw.lib.ik_tv_options_init(None)  # documented no-ops
    _raw.lib.ik_tv_info_init(None)


def test_bad_descriptors(y):
    out = np.full_like(y, 2.0)
    xd = Descriptor(out, "x")
    cases = []
    d = Descriptor(y, "y"); d.struct.device.device_type = 2; cases.append((d, ik.UnsupportedDeviceError))
    d = Descriptor(y, "y"); d.struct.dtype.lanes = 4; cases.append((d, ik.UnsupportedDtypeError))
    d = Descriptor(y, "y"); d.struct.dtype.bits = 16; cases.append((d, ik.UnsupportedDtypeError))
    d = Descriptor(y, "y"); d.struct.dtype.code = 0; cases.append((d, ik.UnsupportedDtypeError))
    d = Descriptor(y, "y"); d.struct.ndim = 9; cases.append((d, ik.ShapeError))
    d = Descriptor(y, "y"); d.struct.ndim = -1; cases.append((d, ik.ShapeError))
    d = Descriptor(y, "y"); d.shape[0] = -3; cases.append((d, ik.ShapeError))
    d = Descriptor(y, "y"); d.shape[0] = 2**40; d.shape[1] = 2**40; cases.append((d, ik.OverflowSizeError))
    d = Descriptor(y, "y"); d.strides[0] = 2**62; cases.append((d, ik.OverflowSizeError))
    d = Descriptor(y, "y"); d.struct.byte_offset = 2**63 + 5; cases.append((d, ik.OverflowSizeError))
    d = Descriptor(y, "y"); d.struct.byte_offset = 3; cases.append((d, ik.LayoutError))
    for desc, error in cases:
        with pytest.raises(error) as excinfo:
            call_raw(desc.ref, xd.ref)
        assert "Invalid y" in str(excinfo.value)
        assert _raw.lib.ik_last_error_message().decode() == excinfo.value.message
    assert np.all(out == 2.0)


def test_struct_version_checked(y):
    yd, xd = Descriptor(y, "y"), Descriptor(y.copy(), "x")
    options = _raw.IkTVOptions()
    _raw.lib.ik_tv_options_init(ctypes.byref(options))
    options.struct_size = 12
    with pytest.raises(ik.StructVersionError, match="options"):
        call_raw(yd.ref, xd.ref, None, ctypes.byref(options))
    info = _raw.IkTVInfo()
    info.struct_size = 1000
    with pytest.raises(ik.StructVersionError, match="info"):
        call_raw(yd.ref, xd.ref, None, None, ctypes.byref(info))
    assert info.iterations == 0


def test_message_cleared_by_success(y):
    with pytest.raises(ik.InvalidArgumentError):
        ik.tv_denoise(y, -1.0)
    assert _raw.lib.ik_last_error_message() != b""
    ik.tv_denoise(y, 0.1, max_iter=2)
    assert _raw.lib.ik_last_error_message() == b""


def test_status_strings():
    assert _raw.lib.ik_status_string(0) == b"ok"
    assert _raw.lib.ik_status_string(-5) == b"shape mismatch"
    assert _raw.lib.ik_status_string(12345) == b"unknown status"
