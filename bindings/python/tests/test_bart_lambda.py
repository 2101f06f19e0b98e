"""BART's `pics -w 1 -R T:3:0:lambda` solves our CS-MRI TV problem with the same lambda.

The problem is 0.5 ||M F x - y||^2 + lambda TV_iso(x), with F = linop.fourier(..., centered=True).
BART's differences are periodic and ours are Neumann. The phantom is zero near its border, so the
two objectives nearly agree. BART's ADMM stops short of the optimum (its inner CG takes no steps
once its residual is below 1e-3), so the test does not compare optima. It checks three things:
- of lambda / 2, lambda and 2 lambda given to BART, lambda's answer has the lowest value of our
  objective with lambda;
- that value is within a few percent of our optimum (4,000 Chambolle-Pock iterations);
- and BART's answer is closer to our minimiser for lambda than to our minimisers for lambda / 2
  and 2 lambda.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import pytest

import inversekit as ik
from conftest import REPO
from inversekit import functional as fn, linop

sys.path.insert(0, str(REPO / "benchmarks"))
from mri_bart import read_cfl, write_cfl  # noqa: E402  (BART's file format, one copy)
from reconstruction import tv_iso  # noqa: E402

SIZE = 64
LAMBDA = 0.01


def problem():
    from skimage.data import shepp_logan_phantom
    from skimage.transform import resize
    truth = resize(shepp_logan_phantom(), (SIZE, SIZE), anti_aliasing=True).astype(np.complex128)
    rng = np.random.default_rng(5)
    rows = rng.random(SIZE) < 0.4
    rows[SIZE // 2 - 4: SIZE // 2 + 4] = True
    mask = np.repeat(rows[:, None], SIZE, axis=1).astype(np.float64)
    f = linop.fourier(truth.shape, mask=mask, centered=True)
    noise = 0.02 * (rng.standard_normal(truth.shape) + 1j * rng.standard_normal(truth.shape))
    return f, f @ truth + mask * noise


def ours(f, y, lam):
    grad = linop.gradient(y.shape, np.complex128)
    terms = [(fn.squared_l2(y.shape, np.complex128).shifted(y), f), (lam * fn.group_l21(grad.output_shape, 0, np.complex128), grad)]
    return ik.solvers.solve(terms, tol=0, max_iter=4000, tau=10.0, check_interval=4000)[0]


def objective(f, y, x, lam):
    return 0.5 * float(np.sum(np.abs(f @ x - y) ** 2)) + lam * tv_iso(x)


def bart_pics(y, lam):
    bart = shutil.which("bart")
    if bart is None:
        pytest.fail("bart is not installed (.ci/setup.sh installs the Debian package)")
    with tempfile.TemporaryDirectory() as folder:
        kspace, maps, image = (os.path.join(folder, name) for name in ("kspace", "maps", "image"))
        write_cfl(kspace, y)
        write_cfl(maps, np.ones(y.shape))
        subprocess.run([bart, "pics", "-d0", "-w", "1", "-R", f"T:3:0:{lam}", "-i", "1000", kspace, maps, image],
                       capture_output=True, text=True, check=True)
        return read_cfl(image, y.shape).astype(np.complex128)


def test_bart_lambda_is_our_lambda():
    f, y = problem()
    x_star = ours(f, y, LAMBDA)
    p_star = objective(f, y, x_star, LAMBDA)
    answers = {scale: bart_pics(y, scale * LAMBDA) for scale in (0.5, 1.0, 2.0)}
    values = {scale: objective(f, y, x, LAMBDA) for scale, x in answers.items()}
    assert min(values, key=values.get) == 1.0, values
    assert (values[1.0] - p_star) / p_star < 0.05, (values[1.0], p_star)
    distance = {scale: np.linalg.norm(answers[1.0] - ours(f, y, scale * LAMBDA)) for scale in (0.5, 1.0, 2.0)}
    assert min(distance, key=distance.get) == 1.0, distance
