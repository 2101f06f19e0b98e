"""The C API as ctypes declarations, in the order of include/inversekit.h. argtypes, restype and
errcheck are set once, here; nothing else in the package touches the library directly."""
from __future__ import annotations

import ctypes
from ctypes import POINTER, c_char_p, c_double, c_int, c_int32, c_int64, c_uint8, c_uint16, c_uint32, c_uint64, c_void_p

from . import _loader
from .errors import StructVersionError, error_for_status

# Every constant of the header, with its value (a test compares them with the header).
IK_OK = 0
IK_ERR_NULL_POINTER = -1
IK_ERR_INVALID_ARGUMENT = -2
IK_ERR_UNSUPPORTED_DTYPE = -3
IK_ERR_UNSUPPORTED_DEVICE = -4
IK_ERR_SHAPE = -5
IK_ERR_LAYOUT = -6
IK_ERR_OVERFLOW = -7
IK_ERR_NOT_FINITE = -8
IK_ERR_OUT_OF_MEMORY = -9
IK_ERR_STRUCT_VERSION = -10
IK_ERR_CALLBACK = -11
IK_ERR_INTERNAL = -12
IK_ERR_UNAVAILABLE = -13
IK_DEVICE_CPU = 1
IK_DTYPE_FLOAT = 2
IK_DTYPE_COMPLEX = 5
IK_MAX_NDIM = 8
IK_TV_ISOTROPIC = 0
IK_TV_ANISOTROPIC = 1
IK_BOUNDARY_PERIODIC = 0
IK_BOUNDARY_SAME = 1
IK_BOUNDARY_VALID = 2
IK_FBP_RAMP = 0
IK_FBP_SHEPP_LOGAN = 1
IK_FBP_COSINE = 2
IK_FBP_HANN = 3
IK_FBP_HAMMING = 4
IK_FUNCTIONAL_VALUE = 1
IK_FUNCTIONAL_GRADIENT = 2
IK_FUNCTIONAL_PROX = 4
IK_FUNCTIONAL_PROX_CONJUGATE = 8
IK_FUNCTIONAL_CONJUGATE_VALUE = 16
IK_FUNCTIONAL_LIPSCHITZ = 32
IK_FUNCTIONAL_STRONGLY_CONVEX = 64
IK_FUNCTIONAL_STATEFUL = 128
IK_SOLVER_PRIMAL_DUAL = 0
IK_SOLVER_PROXIMAL_GRADIENT = 1
IK_SOLVER_CONJUGATE_GRADIENT = 2
IK_SOLVER_CGLS = 3
IK_SOLVER_LSQR = 4
IK_SOLVER_ADMM = 5
IK_STOP_CONVERGED = 0
IK_STOP_MAX_ITERATIONS = 1
IK_STOP_RELATIVE_CHANGE = 2
IK_STOP_CALLBACK = 3


class IkDevice(ctypes.Structure):
    _fields_ = [("device_type", c_int32), ("device_id", c_int32)]


class IkDtype(ctypes.Structure):
    _fields_ = [("code", c_uint8), ("bits", c_uint8), ("lanes", c_uint16)]


class IkArray(ctypes.Structure):
    _fields_ = [
        ("data", c_void_p),
        ("device", IkDevice),
        ("ndim", c_int32),
        ("dtype", IkDtype),
        ("shape", POINTER(c_int64)),
        ("strides", POINTER(c_int64)),
        ("byte_offset", c_uint64),
    ]


class IkTVOptions(ctypes.Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("norm", c_int32),
        ("lambda_", c_double),
        ("tolerance", c_double),
        ("max_iterations", c_int64),
        ("threads", c_int32),
        ("check_interval", c_int32),
        ("lower", c_double),
        ("upper", c_double),
        ("weights", POINTER(IkArray)),
        ("warm_start", c_int32),
    ]


class IkTVInfo(ctypes.Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("converged", c_int32),
        ("iterations", c_int64),
        ("primal", c_double),
        ("dual", c_double),
        ("gap", c_double),
        ("relative_gap", c_double),
        ("threads", c_int32),
    ]


LINOP_FUNCTION = ctypes.CFUNCTYPE(c_int, c_void_p, POINTER(IkArray), POINTER(IkArray))
NORMAL_SOLVE_FUNCTION = ctypes.CFUNCTYPE(c_int, c_void_p, c_double, POINTER(IkArray), POINTER(IkArray))


class IkLinopCallbacks(ctypes.Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("user_data", c_void_p),
        ("apply", LINOP_FUNCTION),
        ("adjoint", LINOP_FUNCTION),
        ("release", c_void_p),
        ("normal_solve", NORMAL_SOLVE_FUNCTION),
        ("norm_bound", c_double),
    ]


class IkFunctionalCheckReport(ctypes.Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("moreau", c_double),
        ("prox_optimality", c_double),
        ("fenchel_young", c_double),
        ("gradient", c_double),
    ]


class IkSolverProgress(ctypes.Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("iteration", c_int64),
        ("primal", c_double),
        ("dual", c_double),
        ("gap", c_double),
        ("relative_gap", c_double),
        ("seconds", c_double),
        ("x", POINTER(IkArray)),
    ]


SOLVER_CALLBACK = ctypes.CFUNCTYPE(c_int, c_void_p, POINTER(IkSolverProgress))


class IkSolverOptions(ctypes.Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("method", c_int32),
        ("tolerance", c_double),
        ("change_tolerance", c_double),
        ("max_iterations", c_int64),
        ("check_interval", c_int32),
        ("warm_start", c_int32),
        ("primal_step", c_double),
        ("dual_step", c_double),
        ("relaxation", c_double),
        ("accelerate", c_int32),
        ("ista", c_int32),
        ("backtracking", c_int32),
        ("restart", c_int32),
        ("solution_radius", c_double),
        ("callback", SOLVER_CALLBACK),
        ("callback_data", c_void_p),
        ("penalty", c_double),
        ("precondition", c_int32),
    ]


class IkSolverInfo(ctypes.Structure):
    _fields_ = [
        ("struct_size", c_uint32),
        ("stop_reason", c_int32),
        ("iterations", c_int64),
        ("primal", c_double),
        ("dual", c_double),
        ("gap", c_double),
        ("relative_gap", c_double),
        ("seconds", c_double),
        ("primal_step", c_double),
        ("dual_step", c_double),
        ("check_seconds", c_double),
        ("call_seconds", c_double),
    ]


lib = _loader.load()


def _check_status(status: int, func, args):
    if status != 0:
        message = lib.ik_last_error_message().decode("utf-8", "replace")
        raise error_for_status(status, message)
    return status


def initialized(struct_type, init_name: str):
    """A `struct_type` filled by the library's `init_name`_v2, which writes exactly this binding's
    layout; a library that does not know that layout (a different version, through
    INVERSEKIT_LIBRARY) is refused instead of misread."""
    struct = struct_type()
    init = getattr(lib, init_name + "_v2")
    status = init(ctypes.cast(ctypes.pointer(struct), init.argtypes[0]), ctypes.sizeof(struct_type))
    if status != 0:
        raise StructVersionError(f"{struct_type.__name__} ({ctypes.sizeof(struct_type)} bytes in this binding): "
                                 + lib.ik_last_error_message().decode("utf-8", "replace"))
    return struct


def _declare(name: str, restype, argtypes, status: bool = False) -> None:
    fn = getattr(lib, name)
    fn.restype = restype
    fn.argtypes = argtypes
    if status:
        fn.errcheck = _check_status


#: Every function of the header, in its order: (name, restype, argtypes, returns a status).
FUNCTIONS = [
    ("ik_version_string", c_char_p, [], False),
    ("ik_version_number", c_int, [], False),
    ("ik_abi_version", c_int, [], False),
    ("ik_isa", c_char_p, [], False),
    ("ik_status_string", c_char_p, [c_int], False),
    ("ik_last_error_message", c_char_p, [], False),
    ("ik_tv_options_init", None, [POINTER(IkTVOptions)], False),
    ("ik_tv_options_init_v2", c_int, [POINTER(IkTVOptions), c_uint32], False),
    ("ik_tv_info_init", None, [POINTER(IkTVInfo)], False),
    ("ik_tv_info_init_v2", c_int, [POINTER(IkTVInfo), c_uint32], False),
    ("ik_tv_dual_shape", c_int, [POINTER(IkArray), POINTER(c_int64), POINTER(c_int32)], True),
    ("ik_tv_denoise", c_int,
     [POINTER(IkArray), POINTER(IkArray), POINTER(IkArray), POINTER(IkTVOptions), POINTER(IkTVInfo)], True),
    ("ik_tv_value", c_int, [POINTER(IkArray), c_int32, POINTER(IkArray), POINTER(c_double)], True),
    ("ik_tv_prox_create", c_int, [POINTER(c_void_p), c_int32, POINTER(c_int64), IkDtype, POINTER(IkTVOptions)], True),
    ("ik_tv_prox_apply", c_int, [c_void_p, POINTER(IkArray), c_double, POINTER(IkArray), POINTER(IkTVInfo)], True),
    ("ik_tv_prox_reset", c_int, [c_void_p], True),
    ("ik_tv_prox_destroy", None, [c_void_p], False),
    ("ik_linop_create_identity", c_int, [POINTER(c_void_p), c_int32, POINTER(c_int64), IkDtype], True),
    ("ik_linop_create_scaling", c_int, [POINTER(c_void_p), c_int32, POINTER(c_int64), IkDtype, c_double], True),
    ("ik_linop_create_diagonal", c_int, [POINTER(c_void_p), POINTER(IkArray), IkDtype], True),
    ("ik_linop_create_mask", c_int, [POINTER(c_void_p), POINTER(IkArray), IkDtype], True),
    ("ik_linop_create_gradient", c_int, [POINTER(c_void_p), c_int32, POINTER(c_int64), IkDtype], True),
    ("ik_linop_create_divergence", c_int, [POINTER(c_void_p), c_int32, POINTER(c_int64), IkDtype], True),
    ("ik_linop_create_matrix", c_int, [POINTER(c_void_p), POINTER(IkArray)], True),
    ("ik_linop_create_csr", c_int,
     [POINTER(c_void_p), c_int64, c_int64, POINTER(c_int64), POINTER(c_int64), POINTER(IkArray)], True),
    ("ik_linop_create_callback", c_int,
     [POINTER(c_void_p), c_int32, POINTER(c_int64), IkDtype, c_int32, POINTER(c_int64), IkDtype,
      c_void_p, c_void_p, c_void_p, c_void_p], True),
    ("ik_linop_create_product", c_int, [POINTER(c_void_p), c_void_p, c_void_p], True),
    ("ik_linop_create_sum", c_int, [POINTER(c_void_p), POINTER(c_void_p), c_int32], True),
    ("ik_linop_create_stack", c_int, [POINTER(c_void_p), POINTER(c_void_p), c_int32], True),
    ("ik_linop_create_block_diagonal", c_int, [POINTER(c_void_p), POINTER(c_void_p), c_int32], True),
    ("ik_linop_create_adjoint", c_int, [POINTER(c_void_p), c_void_p], True),
    ("ik_linop_create_normal", c_int, [POINTER(c_void_p), c_void_p], True),
    ("ik_linop_create_convolution", c_int, [POINTER(c_void_p), c_int32, POINTER(c_int64), POINTER(IkArray), c_int32],
     True),
    ("ik_linop_create_fourier", c_int,
     [POINTER(c_void_p), c_int32, POINTER(c_int64), IkDtype, POINTER(IkArray), POINTER(IkArray), c_int32], True),
    ("ik_linop_create_radon", c_int,
     [POINTER(c_void_p), c_int64, c_int64, POINTER(c_double), c_int64, c_int64, c_double, c_int64, IkDtype, c_int32],
     True),
    ("ik_linop_create_super_resolution", c_int,
     [POINTER(c_void_p), c_int32, POINTER(c_int64), POINTER(IkArray), c_int32], True),
    ("ik_fbp", c_int, [POINTER(IkArray), POINTER(c_double), c_int64, c_double, c_int32, c_int32, POINTER(IkArray)],
     True),
    ("ik_linop_apply", c_int, [c_void_p, POINTER(IkArray), POINTER(IkArray)], True),
    ("ik_linop_apply_adjoint", c_int, [c_void_p, POINTER(IkArray), POINTER(IkArray)], True),
    ("ik_linop_solve_normal", c_int, [c_void_p, c_double, POINTER(IkArray), POINTER(IkArray)], True),
    ("ik_linop_has_normal_solve", c_int, [c_void_p], False),
    ("ik_linop_input_shape", c_int, [c_void_p, POINTER(c_int64), POINTER(c_int32), POINTER(IkDtype)], True),
    ("ik_linop_output_shape", c_int, [c_void_p, POINTER(c_int64), POINTER(c_int32), POINTER(IkDtype)], True),
    ("ik_linop_norm", c_int, [c_void_p, c_uint64, c_double, c_int64, POINTER(c_double)], True),
    ("ik_linop_adjoint_test", c_int, [c_void_p, c_uint64, POINTER(c_double)], True),
    ("ik_linop_destroy", None, [c_void_p], False),
    # The experimental tier (IK_EXPERIMENTAL_API).
    ("ik_linop_normal_test", c_int, [c_void_p, c_double, c_uint64, POINTER(c_double)], True),
    ("ik_linop_norm_bound", c_int, [c_void_p, POINTER(c_double)], True),
    ("ik_linop_set_norm_bound", c_int, [c_void_p, c_double], True),
    ("ik_linop_create_from_callbacks", c_int,
     [POINTER(c_void_p), c_int32, POINTER(c_int64), IkDtype, c_int32, POINTER(c_int64), IkDtype,
      POINTER(IkLinopCallbacks)], True),
    ("ik_functional_create_l1", c_int, [POINTER(c_void_p), c_int32, POINTER(c_int64), IkDtype, POINTER(IkArray)], True),
    ("ik_functional_create_squared_l2", c_int, [POINTER(c_void_p), c_int32, POINTER(c_int64), IkDtype], True),
    ("ik_functional_create_group_l21", c_int, [POINTER(c_void_p), c_int32, POINTER(c_int64), IkDtype, c_int32], True),
    ("ik_functional_create_box", c_int, [POINTER(c_void_p), c_int32, POINTER(c_int64), IkDtype, c_double, c_double],
     True),
    ("ik_functional_create_nonnegative", c_int, [POINTER(c_void_p), c_int32, POINTER(c_int64), IkDtype], True),
    ("ik_functional_create_l2_ball", c_int, [POINTER(c_void_p), POINTER(IkArray), c_double], True),
    ("ik_functional_create_kl", c_int, [POINTER(c_void_p), POINTER(IkArray), POINTER(IkArray)], True),
    ("ik_functional_create_least_squares", c_int, [POINTER(c_void_p), c_void_p, POINTER(IkArray), POINTER(IkArray)],
     True),
    ("ik_functional_create_tikhonov", c_int, [POINTER(c_void_p), c_void_p], True),
    ("ik_functional_create_tv", c_int, [POINTER(c_void_p), c_int32, POINTER(c_int64), IkDtype, POINTER(IkTVOptions)],
     True),
    ("ik_functional_create_scaled", c_int, [POINTER(c_void_p), c_void_p, c_double], True),
    ("ik_functional_create_translated", c_int, [POINTER(c_void_p), c_void_p, POINTER(IkArray)], True),
    ("ik_functional_create_composed", c_int, [POINTER(c_void_p), c_void_p, c_void_p], True),
    ("ik_functional_create_separable_sum", c_int, [POINTER(c_void_p), POINTER(c_void_p), c_int32], True),
    ("ik_functional_capabilities", c_int, [c_void_p, POINTER(c_uint32)], True),
    ("ik_functional_shape", c_int, [c_void_p, POINTER(c_int64), POINTER(c_int32), POINTER(IkDtype)], True),
    ("ik_functional_constants", c_int, [c_void_p, POINTER(c_double), POINTER(c_double)], True),
    ("ik_functional_value", c_int, [c_void_p, POINTER(IkArray), POINTER(c_double)], True),
    ("ik_functional_conjugate_value", c_int, [c_void_p, POINTER(IkArray), POINTER(c_double)], True),
    ("ik_functional_dual_scale", c_int, [c_void_p, POINTER(IkArray), POINTER(c_double)], True),
    ("ik_functional_gradient", c_int, [c_void_p, POINTER(IkArray), POINTER(IkArray)], True),
    ("ik_functional_prox", c_int, [c_void_p, POINTER(IkArray), c_double, POINTER(IkArray)], True),
    ("ik_functional_prox_conjugate", c_int, [c_void_p, POINTER(IkArray), c_double, POINTER(IkArray)], True),
    ("ik_functional_tv_info", c_int, [c_void_p, POINTER(IkTVInfo)], True),
    ("ik_functional_check_report_init", None, [POINTER(IkFunctionalCheckReport)], False),
    ("ik_functional_check_report_init_v2", c_int, [POINTER(IkFunctionalCheckReport), c_uint32], False),
    ("ik_functional_check", c_int, [c_void_p, c_uint64, c_double, POINTER(IkFunctionalCheckReport)], True),
    ("ik_functional_destroy", None, [c_void_p], False),
    ("ik_solver_options_init", None, [POINTER(IkSolverOptions)], False),
    ("ik_solver_options_init_v2", c_int, [POINTER(IkSolverOptions), c_uint32], False),
    ("ik_solver_info_init", None, [POINTER(IkSolverInfo)], False),
    ("ik_solver_info_init_v2", c_int, [POINTER(IkSolverInfo), c_uint32], False),
    ("ik_solve", c_int,
     [POINTER(c_void_p), POINTER(c_void_p), c_int32, c_void_p, POINTER(IkArray), POINTER(IkSolverOptions),
      POINTER(IkSolverInfo)], True),
]

for _name, _restype, _argtypes, _status in FUNCTIONS:
    _declare(_name, _restype, _argtypes, _status)

DECLARED = [entry[0] for entry in FUNCTIONS]
