"""The shared case lists of Tests/cases/ (the same files the Swift and C suites read): parsing and
the operator cases' data formulas and constructors."""
from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from inversekit import linop as L
from conftest import REPO

DTYPES = {"float32": np.float32, "float64": np.float64, "complex64": np.complex64, "complex128": np.complex128}


class Case(NamedTuple):
    line: int
    kind: str
    dtype: np.dtype
    shape: tuple
    params: dict

    def __str__(self):
        return f"line {self.line}: {self.kind} {self.dtype.name} {'x'.join(map(str, self.shape))}"


def load(name):
    """The cases of Tests/cases/NAME.txt: kind dtype shape [key=value ...], '#' starts a comment."""
    cases = []
    for number, raw in enumerate((REPO / "Tests" / "cases" / f"{name}.txt").read_text().splitlines(), 1):
        fields = raw.split("#", 1)[0].split()
        if len(fields) < 3:
            continue
        params = dict(field.split("=", 1) for field in fields[3:])
        cases.append(Case(number, fields[0], np.dtype(DTYPES[fields[1]]), tuple(int(e) for e in fields[2].split("x")),
                          params))
    return cases


def real_of(dtype):
    return np.dtype(np.float32) if np.dtype(dtype) in (np.float32, np.complex64) else np.dtype(np.float64)


def as_dtype(reals, shape, dtype):
    """Interleaved reals as an array of `shape` and `dtype`."""
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return (reals[0::2] + 1j * reals[1::2]).reshape(shape).astype(dtype)
    return reals.reshape(shape).astype(dtype)


def reals_for(shape, dtype):
    return int(np.prod(shape)) * (2 if np.dtype(dtype).kind == "c" else 1)


# The operator cases' data formulas (per real index i).
def input_vector(shape, dtype, second=False):
    i = np.arange(reals_for(shape, dtype))
    return as_dtype(np.cos(0.9 * i + 0.2) if second else np.sin(1.3 * i + 0.7), shape, dtype)


def output_vector(shape, dtype):
    return input_vector(shape, dtype, second=True)


def values(shape, dtype):
    return as_dtype(0.5 * np.sin(np.arange(reals_for(shape, dtype)) + 1.0), shape, dtype)


def kernel(shape, dtype):
    return (0.25 + 0.25 * (np.arange(int(np.prod(shape))) % 5)).reshape(shape).astype(real_of(dtype))


def mask(shape, dtype):
    return (np.arange(int(np.prod(shape))) % 3 != 0).astype(real_of(dtype)).reshape(shape)


def extents(text):
    return tuple(int(e) for e in text.split("x"))


def make_operator(case):
    """The case's operator through the Python binding."""
    k, dt, shape, p = case.kind, case.dtype, case.shape, case.params
    if k == "identity":
        return L.identity(shape, dt)
    if k == "scaling":
        return L.scaling(shape, float(p["scale"]), dt)
    if k == "diagonal":
        d = values(shape, dt) if p.get("complex") == "1" else values(shape, real_of(dt))
        return L.diagonal(d, dt)
    if k == "mask":
        return L.mask(mask(shape, dt), dt)
    if k == "gradient":
        return L.gradient(shape, dt)
    if k == "divergence":
        return L.divergence(shape, dt)
    if k == "matrix":
        return L.matrix(values(shape, dt))
    if k == "csr":
        rows, columns = shape
        r, c = np.nonzero((np.arange(rows)[:, None] + 2 * np.arange(columns)[None, :]) % 3 == 0)
        entries = values((r.size,), dt)
        return L.csr(sp.csr_matrix((entries, (r, c)), shape=shape))
    if k == "convolution":
        return L.convolution(shape, kernel(extents(p["kernel"]), dt), p["boundary"])
    if k == "super_resolution":
        return L.super_resolution(shape, kernel(extents(p["kernel"]), dt), int(p["factor"]))
    if k == "fourier":
        coils = int(p["coils"])
        maps = values((coils,) + shape, dt) if coils else None
        return L.fourier(shape, mask(shape, dt), maps, centered=p["centered"] == "1", dtype=dt)
    if k == "radon":
        count = int(p["angles"])
        angles = np.arange(count) * math.pi / count
        return L.radon(shape, angles, detectors=int(p["detectors"]) if "detectors" in p else None,
                       spacing=float(p.get("spacing", 1.0)), dtype=dt, threads=int(p.get("threads", 0)))
    g = L.gradient(shape, dt)
    if k == "product":
        return L.diagonal(values(g.output_shape, real_of(dt)), dt) @ g
    if k == "sum":
        return g + L.gradient(shape, dt) @ L.scaling(shape, 3.0, dt)
    if k == "stack":
        return L.stack([g, L.identity(shape, dt)])
    if k == "block_diagonal":
        if p.get("mixed") == "1":
            return L.block_diag([g, L.identity((3,), dt)])
        return L.block_diag([g] * int(p["count"]))
    if k == "adjoint":
        return g.H
    if k == "normal":
        return g.normal()
    if k == "scaled":
        return L.product(L.scaling(g.output_shape, float(p["scale"]), dt), g)
    raise ValueError(f"{case}: unknown kind")
