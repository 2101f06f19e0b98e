"""CS-MRI against BART for benchmarks/run.py: InverseKit's solver and BART's `pics` on the same data,
scored on the same objective.

The problem: the 256^2 Shepp-Logan phantom (complex), 25% of the Cartesian phase-encoding lines
(every line within 3% of the centre, the rest drawn with density ~ 1/|k|), complex Gaussian noise
of standard deviation 0.002 on the samples, single coil, lambda = 0.001:
    min_x 0.5 ||M F x - y||^2 + lambda TV_iso(x)
with F the orthonormal centred DFT. BART's `pics -w 1 -R T:3:0:lambda` with a coil map of ones
solves the same problem (its T regulariser is isotropic whatever the joint-flags field, its data
term is 0.5||.||^2, its FFT is orthonormal and centred, and -w 1 turns off its data rescaling)
with one difference: its differences are periodic, ours Neumann. Both answers are scored with our
objective (Neumann), and, for information, with the periodic one.

BART runs its default ADMM (rho 0.5, at most 10 CG steps per x-update) for 30 (its default), 100,
300 and 1000 iterations; its time is the "Total Time" it reports itself (the reconstruction,
without reading and writing files). For each, InverseKit (Chambolle-Pock, complex128 and
complex64) runs the fewest iterations (to 5) whose objective is at or below BART's, found with a
callback and then timed with one check at the end, from the same start (zeros).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile

import numpy as np

import inversekit as ik
from inversekit import functional as fn, linop
from reconstruction import fewest_iterations_timed, tv_iso

SIZE = 256
LAMBDA = 1e-3
NOISE = 0.002
BART_ITERATIONS = (30, 100, 300, 1000)
TAU = 10.0  # sigma = 0.99 / (tau ||K||^2); the fastest of the steps tried (0.3 to 30)


def write_cfl(path, a):
    """BART's format: a text header of 16 extents and raw complex64 in column-major order."""
    a = np.asarray(a, dtype=np.complex64)
    with open(path + ".hdr", "w") as f:
        f.write("# Dimensions\n" + " ".join(str(d) for d in list(a.shape) + [1] * (16 - a.ndim)) + "\n")
    a.ravel(order="F").tofile(path + ".cfl")


def read_cfl(path, shape):
    return np.fromfile(path + ".cfl", dtype=np.complex64).reshape(shape, order="F")


def mri_problem():
    from skimage.data import shepp_logan_phantom
    from skimage.transform import resize
    truth = resize(shepp_logan_phantom(), (SIZE, SIZE), anti_aliasing=True).astype(np.complex128)
    rng = np.random.default_rng(1)
    frequency = np.abs(np.arange(SIZE) - SIZE // 2) / SIZE  # centred rows
    density = np.clip(0.035 / np.maximum(frequency, 1e-12), 0.0, 1.0)
    density[frequency < 0.03] = 1.0
    rows = rng.random(SIZE) < density
    mask = np.repeat(rows[:, None], SIZE, axis=1).astype(np.float64)
    f = linop.fourier(truth.shape, mask=mask, centered=True)
    noise = NOISE * (rng.standard_normal(truth.shape) + 1j * rng.standard_normal(truth.shape))
    return truth, mask, f @ truth + mask * noise


def mri_bart_benchmarks(record, ratios):
    bart = shutil.which("bart")
    if bart is None:
        print("\nBART not installed (Debian: apt-get install bart): skipping the CS-MRI comparison")
        return
    truth, mask, y = mri_problem()
    shape = y.shape
    print(f"\n== CS-MRI {SIZE}^2 Shepp-Logan, {mask[:, 0].mean():.0%} of the lines, TV (lambda {LAMBDA}), "
          "against BART pics", flush=True)

    def tv(x, periodic=False):
        x = np.asarray(x, dtype=np.complex128)
        if not periodic:
            return tv_iso(x)
        d0, d1 = np.roll(x, -1, 0) - x, np.roll(x, -1, 1) - x  # BART's differences
        return float(np.sum(np.sqrt(np.abs(d0) ** 2 + np.abs(d1) ** 2)))

    f64 = linop.fourier(shape, mask=mask, centered=True)

    def objective(x, periodic=False):
        return 0.5 * float(np.sum(np.abs(f64 @ np.asarray(x, np.complex128) - y) ** 2)) + LAMBDA * tv(x, periodic)

    def problem(dtype):
        f = linop.fourier(shape, mask=mask, centered=True, dtype=dtype)
        grad = linop.gradient(shape, dtype)
        return [(fn.squared_l2(shape, dtype).shifted(y.astype(dtype)), f),
                (LAMBDA * fn.group_l21(grad.output_shape, 0, dtype), grad)]

    problems = {"complex128": problem(np.complex128), "complex64": problem(np.complex64)}

    with tempfile.TemporaryDirectory() as folder:
        kspace, maps, image = (os.path.join(folder, name) for name in ("kspace", "maps", "image"))
        write_cfl(kspace, y)
        write_cfl(maps, np.ones(shape))
        answers = []
        for iterations in BART_ITERATIONS:
            run = subprocess.run([bart, "pics", "-d3", "-w", "1", "-R", f"T:3:0:{LAMBDA}", "-i", str(iterations),
                                  kspace, maps, image], capture_output=True, text=True, check=True)
            seconds = float(re.search(r"Total Time:\s*([0-9.eE+-]+)", run.stdout + run.stderr).group(1))
            answers.append((iterations, seconds, read_cfl(image, shape).astype(np.complex128)))

    reference = objective(ik.solvers.solve(problems["complex128"], tol=0, max_iter=20000, tau=TAU,
                                           check_interval=20000)[0])
    print(f"  our objective after 20,000 iterations: {reference:.10g}")
    for iterations, t_bart, x_bart in answers:
        target = objective(x_bart)
        print(f"  BART {iterations} iterations: {t_bart:.3f} s, objective {target:.8g} "
              f"({(target - reference) / reference:.2e} above ours after 20,000; periodic TV: "
              f"{objective(x_bart, True):.8g})")
        record(f"mri-tv-{SIZE}-bart{iterations}", f"bart pics admm {iterations} iterations", "complex64", 0,
               t_bart, objective=target)
        for label, terms in problems.items():
            x_ours, needed, t_ours = fewest_iterations_timed(terms, objective, target, tau=TAU)
            reached = objective(x_ours)
            print(f"    ours {label}: {needed} iterations, {t_ours:.3f} s, objective {reached:.8g} "
                  f"(periodic TV {objective(x_ours, True):.8g})")
            record(f"mri-tv-{SIZE}-bart{iterations}", "inversekit pdhg (fewest iterations)", label, 0, t_ours,
                   objective=reached, iterations=needed)
            ratios.append((f"CS-MRI {SIZE}^2 to BART's objective after {iterations} iterations: BART / ours "
                           f"({label})", t_bart / t_ours, ">= 1"))
