"""The binding passes arguments faithfully or refuses them: integers that ctypes would wrap, zero
extents, complex values where only reals mean something, mismatched shapes, read-only outputs;
its exception classes are also the built-in ones a user would catch; its constants are the
header's."""
from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pytest

import inversekit as ik
from inversekit import _raw, linop
from inversekit.errors import _BY_STATUS
from conftest import REPO

@pytest.mark.parametrize("make,what,value", [
    (lambda n: linop.identity((n,)), "shape", 2 ** 64 + 3),
    (lambda n: linop.identity((n,)), "shape", 2 ** 63),
    (lambda n: linop.gradient((4, n)), "shape", 2 ** 64 + 3),
    (lambda n: linop.convolution((n, 4), np.ones((2, 2))), "shape", 2 ** 64 + 3),
    (lambda n: ik.TVProx((n, 4)), "shape", 2 ** 64 + 3),
    (lambda n: linop.from_callable(lambda x: x, lambda y: y, (n,), (3,)), "input_shape", 2 ** 64 + 3),
    (lambda n: linop.from_callable(lambda x: x, lambda y: y, (3,), (n,)), "output_shape", 2 ** 64 + 1),
    (lambda n: linop.super_resolution((8, 8), np.ones((3, 3)), n), "factor", 2 ** 32 + 2),
    (lambda n: linop.radon((8, 8), [0.0, 1.0], detectors=n), "detectors", 2 ** 64 + 7),
    (lambda n: linop.radon((8, 8), [0.0, 1.0], threads=n), "threads", 2 ** 32),
    (lambda n: linop.identity((3,)).norm(max_iter=n), "max_iter", 2 ** 64 + 5),
    (lambda n: linop.identity((3,)).norm(seed=n), "seed", 2 ** 64),
    (lambda n: linop.identity((3,)).norm(seed=n), "seed", -1),
    (lambda n: linop.batch(linop.identity((3,)), n), "count", 2 ** 32 + 1),
    (lambda n: ik.tv_denoise(np.ones((4, 4)), 0.1, max_iter=n), "max_iter", 2 ** 64 + 1),
    (lambda n: ik.tv_denoise(np.ones((4, 4)), 0.1, threads=n), "threads", 2 ** 32),
    (lambda n: ik.tv_denoise(np.ones((4, 4)), 0.1, check_interval=n), "check_interval", 2 ** 32 + 10),
])
def test_integers_out_of_range_are_refused(make, what, value):
    with pytest.raises(ik.InvalidArgumentError, match=re.escape(what)):
        make(value)


@pytest.mark.parametrize("value", [float("inf"), 2.5, "3", True])
def test_non_integers_are_refused(value):
    with pytest.raises(ik.InvalidArgumentError, match="detectors"):
        linop.radon((8, 8), [0.0, 1.0], detectors=value)
    with pytest.raises(ik.InvalidArgumentError, match="shape"):
        linop.identity((value,))


def test_zero_extents_are_errors():
    with pytest.raises(ik.ShapeError, match="axis 0"):
        linop.radon((0, 8, 8), [0.0, 1.0])
    with pytest.raises(ik.ShapeError):
        linop.identity((3, 0))
    with pytest.raises(ik.ShapeError):
        ik.TVProx((0, 5))


def test_complex_values_are_refused_where_reals_are_meant():
    y = np.ones((6, 7))
    with pytest.raises(TypeError, match="weights"):
        ik.tv_denoise(y, 0.1, weights=np.ones((6, 7), complex))
    with pytest.raises(TypeError, match="weights"):
        ik.tv_value(y, weights=np.ones((6, 7), complex))
    with pytest.raises(TypeError, match="mask"):
        linop.fourier((6, 7), mask=np.ones((6, 7), complex))
    with pytest.raises(TypeError, match="mask"):
        linop.mask(np.ones((6, 7), complex))
    with pytest.raises(TypeError, match="angles"):
        linop.radon((8, 8), np.array([0.0, 1.0], complex))
    with pytest.raises(TypeError, match="x"):
        linop.identity((3,)).apply(np.ones(3, complex))
    with pytest.raises(TypeError, match="real"):
        ik.tv_denoise(np.ones((6, 7), complex), 0.1)
    with pytest.raises(TypeError, match="b"):
        linop.identity((3,)).solve_normal(np.ones(3, complex), 1.0)
    op = linop.from_callable(lambda x: x * 1j, lambda y: y, (3,), (3,))
    with pytest.raises(ik.CallbackError) as raised:
        op.apply(np.ones(3))
    assert isinstance(raised.value.__cause__, TypeError)


def test_complex_hint_keeps_the_data():
    with pytest.raises(TypeError) as raised:
        ik.tv_denoise(np.ones((6, 7), complex), 0.1)
    assert "astype" not in str(raised.value)


@pytest.mark.parametrize("value", ["0.1", 1j, True, None, [0.1]])
def test_scalars_must_be_real_numbers(value):
    with pytest.raises(ValueError, match="lam"):
        ik.tv_denoise(np.ones((6, 7)), value)
    with pytest.raises(ValueError, match="rho"):
        linop.identity((3,)).solve_normal(np.ones(3), value)


def test_tv_objective_needs_matching_shapes():
    with pytest.raises(ik.ShapeError, match="shape"):
        ik.tv_objective(np.ones((8, 9)), np.ones((9, 8)), 0.1)
    with pytest.raises(ik.ShapeError):
        ik.tv_objective(np.ones((8, 9)), np.ones(9), 0.1)
    x = np.random.default_rng(1).random((8, 9))
    assert ik.tv_objective(x, x, 0.3) == pytest.approx(0.3 * ik.tv_value(x))


def test_solve_normal_refuses_read_only_outputs():
    op = linop.scaling((5,), 2.0)
    out = np.zeros(5)
    out.flags.writeable = False
    with pytest.raises(ik.LayoutError, match="read-only"):
        op.solve_normal(np.ones(5), 1.0, out=out)
    assert not out.any()
    with pytest.raises(ik.LayoutError, match="read-only"):
        op.apply(np.ones(5), out=out)


def test_operator_arithmetic_with_non_operators_is_a_type_error():
    op = linop.identity((3,))
    with pytest.raises(TypeError):
        op + 3
    with pytest.raises(TypeError):
        op - "a"
    with pytest.raises(TypeError):
        "a" * op
    assert isinstance(2 * op, ik.LinearOperator)


def test_exceptions_are_builtin_classes_too():
    assert issubclass(ik.OutOfMemoryError, MemoryError)
    assert issubclass(ik.OverflowSizeError, ValueError)
    assert issubclass(ik.ShapeError, ValueError)
    assert issubclass(ik.InvalidArgumentError, ValueError)
    assert issubclass(ik.UnsupportedDtypeError, TypeError)
    with pytest.raises(ValueError):
        linop.radon((8, 8), [0.0], detectors=float("inf"))


def header_constants() -> dict[str, int]:
    text = (REPO / "include" / "inversekit.h").read_text()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    found = {name: int(value) for name, value in re.findall(r"\b(IK_[A-Z0-9_]+)\s*=\s*(-?\d+)", text)}
    for name, value in re.findall(r"#define (IK_[A-Z0-9_]+) (-?\d+)\s*$", text, flags=re.M):
        found[name] = int(value)
    return found


def test_constants_and_status_codes_equal_the_header():
    constants = header_constants()
    assert len(constants) > 30
    for name, value in constants.items():
        if name.startswith("IK_VERSION") or name == "IK_ABI_VERSION":
            continue
        assert getattr(_raw, name) == value, name
    statuses = {v: k for k, v in constants.items() if k.startswith("IK_ERR_")}
    assert set(statuses) == set(_BY_STATUS)
    for status, cls in _BY_STATUS.items():
        assert cls.status == status
        assert ik.errors.error_for_status(status, "m").status == status
        assert _raw.lib.ik_status_string(status).decode() != "unknown status"


MEMORY_SCRIPT = r"""
import resource, sys
sys.path.insert(0, {binding!r})
import numpy as np, inversekit as ik
from inversekit import linop
limit = {limit}
if limit:
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    import os
    with open("/proc/self/status") as f:
        size = next(int(l.split()[1]) for l in f if l.startswith("VmSize")) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size + limit, hard))
failures = 0
def expect_memory_error(call):
    global failures
    try:
        call()
    except MemoryError:
        return
    except Exception as e:
        print("wrong exception", type(e), e); failures += 1; return
    print("no exception"); failures += 1
# Beyond any machine's memory: refused even with overcommit.
expect_memory_error(lambda: ik.TVProx((2 ** 17, 2 ** 17)))
expect_memory_error(lambda: linop.identity((2 ** 33,)).norm())
if limit:
    # Beyond the limit only.
    expect_memory_error(lambda: ik.TVProx((50000, 50000), np.float32))
    expect_memory_error(lambda: linop.fourier((2 ** 15, 2 ** 15)))
    expect_memory_error(lambda: linop.matrix(np.broadcast_to(1.0, (20000, 20000))))
    expect_memory_error(lambda: linop.diagonal(np.broadcast_to(1.0, (2 ** 28,))))
    expect_memory_error(lambda: linop.fbp(np.ones((4, 64)), [0, 0.5, 1, 1.5], (2 ** 14, 2 ** 14)))
    big = np.broadcast_to(np.float32(0.5), (2 ** 14, 2 ** 14))
    expect_memory_error(lambda: ik.tv_denoise(big, 0.1))
    expect_memory_error(lambda: ik.tv_value(big, weights=big))
    expect_memory_error(lambda: linop.mask(np.broadcast_to(1.0, (2 ** 28,))))
    expect_memory_error(lambda: linop.convolution((2 ** 14, 2 ** 14), np.broadcast_to(1.0, (2 ** 14, 2 ** 14))))
    expect_memory_error(lambda: linop.convolution((2 ** 15, 2 ** 15), np.ones((3, 3)), "same"))
    expect_memory_error(lambda: linop.super_resolution((2 ** 14, 2 ** 14), np.broadcast_to(1.0, (2 ** 14, 2 ** 14)), 2))
    expect_memory_error(lambda: linop.radon((64, 64), np.broadcast_to(0.5, (2 ** 28,))))
    huge = linop.identity((2 ** 31,), np.float32)
    x = np.broadcast_to(np.float32(1), (2 ** 31,))
    expect_memory_error(lambda: huge.apply(x))                        # the output
    expect_memory_error(lambda: huge.adjoint_test())
    expect_memory_error(lambda: huge.norm())
    expect_memory_error(lambda: huge.solve_normal(x, 1.0))
    # The prox object makes its dual and its solvers' work space (over 256 MiB) at creation.
    expect_memory_error(lambda: ik.TVProx((4096, 4096), np.float32))
print("ok" if failures == 0 else "failed")
"""


@pytest.mark.parametrize("limit", [0, 256 << 20])
def test_memory_exhaustion_raises_memory_error(limit):
    script = MEMORY_SCRIPT.format(binding=str(REPO / "bindings" / "python"), limit=limit)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("ok"), done.stdout + done.stderr[-2000:]


def test_struct_layouts_are_checked_against_the_library():
    # The _v2 init functions write exactly the caller's layout: an earlier header's (without the
    # appended `precondition`) is filled with its defaults, a layout the library never had is refused
    # with a message instead of being misread or overrun.
    import ctypes
    from inversekit import _raw
    options = _raw.initialized(_raw.IkSolverOptions, "ik_solver_options_init")
    assert options.struct_size == ctypes.sizeof(_raw.IkSolverOptions) and options.tolerance == 1e-4

    class Older(ctypes.Structure):
        _fields_ = _raw.IkSolverOptions._fields_[:-1]

    older = _raw.initialized(Older, "ik_solver_options_init")
    assert older.struct_size == ctypes.sizeof(Older) < ctypes.sizeof(_raw.IkSolverOptions)
    assert older.tolerance == 1e-4 and older.max_iterations == 1000

    class Unknown(ctypes.Structure):
        _fields_ = _raw.IkSolverOptions._fields_[:3]

    with pytest.raises(ik.StructVersionError, match="not one this library knows"):
        _raw.initialized(Unknown, "ik_solver_options_init")
    # Only the struct's own bytes are written.
    room = (ctypes.c_uint8 * 256)(*([0xAB] * 256))
    assert _raw.lib.ik_solver_options_init_v2(ctypes.cast(room, ctypes.POINTER(_raw.IkSolverOptions)),
                                              ctypes.sizeof(Older)) == 0
    assert all(b == 0xAB for b in bytes(room)[ctypes.sizeof(Older):])
