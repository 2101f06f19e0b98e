"""The solver's own work per iteration, beyond its operator and prox calls, against a plain loop
(for benchmarks/run.py).

Problem: TV deblurring of the 512^2 camera image, the reconstruction benchmark's (Chambolle-Pock
on K = [A; grad], the box [0, 1], tau = 3), 200 iterations and one check. The solve reports how
its time divides (SolveResult.check_seconds, .call_seconds: the time in checks, and in the
iterations' operator applications and prox calls, each call timed by the solver); the rest is its
own work, the vector passes of the iteration. That is compared with a plain C loop doing the same
passes over buffers of the same sizes (benchmarks/reference/pdhg_passes.c, cc -O3 -march=native,
one thread). The figure is (own work) / (plain loop); the target is at most 1.5.
"""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np

import inversekit as ik
from inversekit import functional as fn, linop

HERE = Path(__file__).resolve().parent
ITERATIONS = 200


def plain_loop(n: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(tmp) / "pdhg_passes"
        subprocess.run(["cc", "-O3", "-march=native", "-fno-math-errno", "-o", str(exe),
                        str(HERE / "reference" / "pdhg_passes.c")], check=True)
        runs = [subprocess.run([str(exe), str(n), str(ITERATIONS)], capture_output=True, text=True, check=True).stdout
                for _ in range(3)]
    return min(float(out.split()[1]) for out in runs)


def solver_overhead_benchmarks(record, ratios):
    from reconstruction import LAMBDA, deblurring_problem
    _, _, blur, y = deblurring_problem()
    shape = y.shape
    grad = linop.gradient(shape)
    terms = [(fn.squared_l2(shape).shifted(y), blur), (LAMBDA * fn.group_l21(grad.output_shape, 0), grad)]
    box = fn.box(shape, 0.0, 1.0)
    print("\n== solver work per iteration (TV deblurring 512^2, Chambolle-Pock)", flush=True)
    runs = [ik.solvers.solve(terms, g=box, tol=0, max_iter=ITERATIONS, tau=3.0, check_interval=ITERATIONS)[1]
            for _ in range(3)]
    best = min(runs, key=lambda r: r.seconds - r.check_seconds - r.call_seconds)
    iteration = (best.seconds - best.check_seconds) / ITERATIONS
    calls = best.call_seconds / ITERATIONS
    own = iteration - calls
    reference = plain_loop(int(np.prod(shape)))
    print(f"  iteration {iteration * 1e3:.3f} ms = operator and prox calls {calls * 1e3:.3f} ms "
          f"+ the solver's own work {own * 1e3:.3f} ms; the same passes as a plain C loop {reference * 1e3:.3f} ms")
    record("pdhg-iteration-512", "inversekit iteration", "float64", 0, iteration)
    record("pdhg-iteration-512", "operator and prox calls", "float64", 0, calls)
    record("pdhg-iteration-512", "solver's own work", "float64", 0, own)
    record("pdhg-iteration-512", "plain C loop, same passes", "float64", 1, reference)
    ratios.append(("PDHG's own work per iteration / plain C loop", own / reference, "<= 1.5"))
