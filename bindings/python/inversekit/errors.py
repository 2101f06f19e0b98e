"""Exceptions raised for the library's status codes; each carries the library's message."""
from __future__ import annotations


class InverseKitError(Exception):
    """A call into libinversekit failed. `status` is the ik_status code, `message` its text."""

    status: int = 0

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class NullPointerError(InverseKitError, ValueError):
    status = -1


class InvalidArgumentError(InverseKitError, ValueError):
    status = -2


class UnsupportedDtypeError(InverseKitError, TypeError):
    status = -3


class UnsupportedDeviceError(InverseKitError, ValueError):
    status = -4


class ShapeError(InverseKitError, ValueError):
    status = -5


class LayoutError(InverseKitError, ValueError):
    status = -6


class OverflowSizeError(InverseKitError, ValueError, OverflowError):
    status = -7


class NotFiniteError(InverseKitError, ValueError):
    status = -8


class OutOfMemoryError(InverseKitError, MemoryError):
    status = -9


class StructVersionError(InverseKitError, RuntimeError):
    status = -10


class CallbackError(InverseKitError, RuntimeError):
    status = -11


class InternalError(InverseKitError, RuntimeError):
    status = -12


class UnavailableError(InverseKitError, OSError):
    """The compute library for this processor could not be loaded (see inversekit.isa())."""
    status = -13


class LibraryNotFoundError(InverseKitError, OSError):
    """libinversekit.so could not be loaded, or its ABI version does not match this binding."""


_BY_STATUS = {cls.status: cls for cls in (
    NullPointerError, InvalidArgumentError, UnsupportedDtypeError, UnsupportedDeviceError,
    ShapeError, LayoutError, OverflowSizeError, NotFiniteError, OutOfMemoryError,
    StructVersionError, CallbackError, InternalError, UnavailableError)}


def error_for_status(status: int, message: str) -> InverseKitError:
    """The exception instance for a failing status code."""
    cls = _BY_STATUS.get(status, InverseKitError)
    return cls(message or f"status {status}", status)
