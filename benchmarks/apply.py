"""Time per apply of operators and of a TV prox step, at 64^2 and 256^2, for this library and,
with --baseline LIBRARY, for another build of it (an earlier commit's libinversekit.so) loaded
into the same process beside it.

Cases: convolution with a 9 x 9 kernel (periodic, and zero-padded "same"), single-coil Fourier
with a 25% line mask, Radon forward and adjoint (60 angles, two threads), the product
gradient . convolution, and a TV prox step (the reusable prox object, 10 dual iterations, warm).
Each figure is the mean time of many applies into a preallocated output, through the Python
binding (its call overhead, the same for both builds, is included): the best of several rounds
that alternate between the two builds, so that a slow spell of the machine falls on both.

    python3 benchmarks/apply.py [--baseline path/to/libinversekit.so] [--json PATH]
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent / "bindings" / "python" / "inversekit"
SIZES = (64, 256)
ROUNDS = 7


def load_binding(name: str, library: Path):
    """A second, independent copy of the Python package bound to `library` (the dynamic loader
    keeps the two libraries and their compute libraries apart: they are different files)."""
    saved = os.environ.get("INVERSEKIT_LIBRARY")
    os.environ["INVERSEKIT_LIBRARY"] = str(library)
    try:
        spec = importlib.util.spec_from_file_location(name, PACKAGE / "__init__.py",
                                                      submodule_search_locations=[str(PACKAGE)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    finally:
        if saved is None:
            os.environ.pop("INVERSEKIT_LIBRARY", None)
        else:
            os.environ["INVERSEKIT_LIBRARY"] = saved
    return module


def cases(ik, n: int) -> dict:
    """name -> a call applying one object made with binding `ik` to fixed n x n data."""
    linop = ik.linop
    rng = np.random.default_rng(n)
    kernel = rng.random((9, 9))
    kernel /= kernel.sum()
    x = rng.random((n, n))
    calls = {}
    for boundary in ("periodic", "same"):
        op = linop.convolution((n, n), kernel, boundary)
        out = np.empty(op.output_shape)
        calls[f"convolution {boundary}"] = lambda op=op, out=out: op.apply(x, out=out)
    mask = np.zeros((n, n))
    mask[rng.random(n) < 0.25, :] = 1
    mask[n // 2 - 4:n // 2 + 4, :] = 1
    fourier = linop.fourier((n, n), mask=mask, centered=True)
    z = x.astype(np.complex128)
    kspace = np.empty((n, n), np.complex128)
    calls["Fourier"] = lambda: fourier.apply(z, out=kspace)
    radon = linop.radon((n, n), np.linspace(0, np.pi, 60, endpoint=False), threads=2)
    sinogram = radon.apply(x)
    back = np.empty((n, n))
    calls["Radon"] = lambda: radon.apply(x, out=sinogram)
    calls["Radon adjoint"] = lambda: radon.adjoint(sinogram, out=back)
    product = linop.product(linop.gradient((n, n)), linop.convolution((n, n), kernel, "same"))
    grad = np.empty(product.output_shape)
    calls["product gradient.convolution"] = lambda: product.apply(x, out=grad)
    prox = ik.TVProx((n, n), np.float64, tol=0, max_iter=10, threads=1)
    denoised = np.empty((n, n))
    calls["TV prox step (10 iterations)"] = lambda: prox(x, 0.1, out=denoised)
    return calls


def batch_size(fn, seconds: float = 0.05) -> int:
    fn()
    start, calls = time.perf_counter(), 0
    while time.perf_counter() - start < 0.02:
        fn()
        calls += 1
    return max(1, int(calls * seconds / 0.02))


def mean_time(fn, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def apply_benchmarks(record, ratios, baseline: Path | None) -> None:
    import inversekit as ik
    before_ik = load_binding("inversekit_before", baseline) if baseline else None
    print("\n== time per apply" + (f" (before: {baseline})" if baseline else ""), flush=True)
    for n in SIZES:
        ours = cases(ik, n)
        theirs = cases(before_ik, n) if before_ik else {}
        for name, fn in ours.items():
            calls = batch_size(fn)
            best, best_before = float("inf"), float("inf")
            for _ in range(ROUNDS):
                best = min(best, mean_time(fn, calls))
                if name in theirs:
                    best_before = min(best_before, mean_time(theirs[name], calls))
            label = f"apply {name} {n}^2"
            if name in theirs:
                record(label, "before", "float64", 0, best_before)
            record(label, "inversekit", "float64", 0, best)
            if name in theirs:
                ratios.append((f"{label}: before / after (time)", best_before / best, ">= 1"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another libinversekit.so to measure beside this one")
    parser.add_argument("--json", type=Path, help="write the measurements here")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(PACKAGE.parent))
    from run import make_recorder, report
    records, ratios, record = make_recorder()
    apply_benchmarks(record, ratios, args.baseline)
    report(ratios, records, args.json)


if __name__ == "__main__":
    main()
