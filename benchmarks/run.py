"""InverseKit against its peers on the same inputs, in one run: TV denoising (ROF), the CT
projector (Radon transform and back-projection) and FFT convolution.

Problem: the camera image in [0, 1] (resized for 2048^2), Gaussian noise sigma = 0.1, lambda = 0.1:
    min_x 0.5 ||x - y||^2 + lambda TV(x)
Every implementation is scored on that same objective, evaluated in float64: the relative
objective gap (P(x) - P*) / P*, with P* from an InverseKit solve certified to a relative duality
gap of 1e-6 (1% of the smallest target). Measured:
  * time to a relative gap of 1e-3 and 1e-4: InverseKit stopped by its own duality gap (which
    bounds the objective gap from above; these 2-D calls keep no dual, so they take the primal-dual
    method, see include/inversekit.h); scikit-image's denoise_tv_chambolle (same isotropic
    objective, weight = lambda) and proxTV's tv1_2d (anisotropic) at the fewest iterations that
    reach the gap, found by a doubling then bisecting search;
  * time per iteration of InverseKit's dual method (FGP, what a fixed iteration count runs) and of
    a plain C loop doing the same fused dual iteration
    (benchmarks/reference/fgp_iteration.c, cc -O3 -march=native -fno-math-errno, one thread),
    the machine's reference: the processor's full instruction set, as InverseKit's own build
    uses, and the same IEEE arithmetic (the flag only lets sqrt be one instruction); and, for
    information, of the primal-dual method (one gap evaluation at the end).

Operators:
  * Radon forward + adjoint on 256^2, 180 angles against skimage.transform.radon +
    iradon(filter_name=None): with circle=False (the full square; our detectors span the
    diagonal) and with skimage's defaults, circle=True (256 bins each); and FBP of the
    Shepp-Logan phantom (60 angles) against iradon, with PSNR;
  * convolution with a 15 x 15 kernel on 512^2 and 2048^2, periodic and zero-padded "same",
    against scipy.fft (rfft2 products) and scipy.signal.fftconvolve.

Time per apply (benchmarks/apply.py): convolution, Fourier, Radon, a product of two operators and
a TV prox step at 64^2 and 256^2; with --baseline LIBRARY also for that build (say, an earlier
commit's libinversekit.so), measured in the same run, with before / after ratios.

Reconstruction (benchmarks/reconstruction.py): TV deblurring of the 512^2 camera image against
PyProximal's PrimalDual, and few-view CT (256^2, 60 angles, TV, x >= 0), to a relative gap of 1e-4.

CS-MRI (benchmarks/mri_bart.py): TV on 25% of the Cartesian lines of a 256^2 phantom, time to the
objective that BART's pics reaches in 30 to 1000 iterations (skipped where bart is not installed).

Solver overhead (benchmarks/solver_overhead.py): Chambolle-Pock's own work per iteration (the
iteration less its operator and prox calls) against a plain C loop doing the same vector passes.

    python3 benchmarks/run.py [--quick] [--json PATH] [--only tv|operators|apply|reconstruction|mri|overhead]
                              [--baseline LIBRARY]

--quick runs 512^2 only. Ratios > 1 mean InverseKit is faster (peer time / our time), except
"per-iteration vs C", which is our time / C time (target <= 1.5).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# numpy's OpenBLAS threads spin after each call and would steal a core from whichever
# implementation runs next; none of the measured code uses BLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "bindings" / "python"))
import inversekit as ik  # noqa: E402

LAMBDA = 0.1
SIGMA = 0.1
TARGETS = (1e-3, 1e-4)


def problem(size: int) -> np.ndarray:
    from skimage import data
    from skimage.transform import resize
    clean = data.camera().astype(np.float64) / 255.0
    if size != clean.shape[0]:
        clean = resize(clean, (size, size), order=1, anti_aliasing=False)
    return clean + SIGMA * np.random.default_rng(0).standard_normal(clean.shape)


def timed(fn, repeats: int):
    """(median seconds, last result) over `repeats` calls."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def objective(x, y, norm):
    return ik.tv_objective(np.asarray(x, np.float64), y, LAMBDA, norm)


def fewest_iterations(run, gap_of, target, start):
    """Smallest iteration count n with gap_of(run(n)) <= target: doubling, then three bisections."""
    n, low = max(1, start), 0
    while gap_of(run(n)) > target:
        low, n = n, 2 * n
        if n > 1 << 16:
            return None
    high = n
    for _ in range(3):
        mid = (low + high) // 2
        if mid <= low:
            break
        if gap_of(run(mid)) <= target:
            high = mid
        else:
            low = mid
    return high


def c_reference(size: int, iterations: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(tmp) / "fgp_iteration"
        subprocess.run(["cc", "-O3", "-march=native", "-fno-math-errno", "-o", str(exe), str(HERE / "reference" / "fgp_iteration.c"), "-lm"], check=True)
        out = subprocess.run([str(exe), str(size), str(size), str(iterations)], capture_output=True, text=True,
                             check=True).stdout
    return {line.split()[0]: float(line.split()[1]) for line in out.splitlines()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="512^2 only")
    parser.add_argument("--json", type=Path, help="write the measurements here")
    parser.add_argument("--only", choices=["tv", "operators", "apply", "reconstruction", "mri", "overhead"],
                        help="run one group")
    parser.add_argument("--baseline", type=Path, help="time per apply also for this libinversekit.so")
    args = parser.parse_args()

    from skimage.restoration import denoise_tv_chambolle
    try:
        import prox_tv
    except ImportError:
        prox_tv = None
        print("proxTV not installed: skipping it", file=sys.stderr)

    records, ratios, record = make_recorder()
    sizes = [512] if args.quick else [512, 2048]
    if args.only in (None, "tv"):
        tv_benchmarks(sizes, record, ratios, denoise_tv_chambolle, prox_tv)
    if args.only in (None, "operators"):
        operator_benchmarks(sizes, record, ratios)
    if args.only in (None, "apply"):
        from apply import apply_benchmarks
        apply_benchmarks(record, ratios, args.baseline)
    if args.only in (None, "reconstruction"):
        from reconstruction import reconstruction_benchmarks
        reconstruction_benchmarks(record, ratios)
    if args.only in (None, "mri"):
        from mri_bart import mri_bart_benchmarks
        mri_bart_benchmarks(record, ratios)
    if args.only in (None, "overhead"):
        from solver_overhead import solver_overhead_benchmarks
        solver_overhead_benchmarks(record, ratios)
    report(ratios, records, args.json)


def make_recorder():
    """(records, ratios, record): the lists a run fills and the function that adds and prints one
    measurement."""
    records: list[dict] = []
    ratios: list[tuple[str, float, str]] = []

    def record(case, impl, dtype, threads, seconds, **extra):
        records.append(dict(case=case, impl=impl, dtype=dtype, threads=threads, median_s=seconds, **extra))
        gap = extra.get("rel_gap")
        print(f"  {case + '  ' if case.startswith('apply') else ''}{impl:<24} {dtype:<8} threads={threads}  "
              f"{seconds * 1e3:10.3f} ms"
              + (f"  rel_gap={gap:.2e}" if gap is not None else "")
              + (f"  iterations={extra['iterations']}" if "iterations" in extra else ""), flush=True)

    return records, ratios, record


def tv_benchmarks(sizes, record, ratios, denoise_tv_chambolle, prox_tv):
    for size in sizes:
        y = problem(size)
        big = size >= 2048
        # Medians of three runs, except the peers' runs at 2048^2 (tens of seconds each, where a
        # transient disturbance of the machine hardly moves the figure): one.
        repeats, peer_repeats = 3, 1 if big else 3
        print(f"\n== {size}x{size}, lambda={LAMBDA}, sigma={SIGMA}", flush=True)
        p_star = {}
        for norm in ("isotropic", "anisotropic"):
            x_ref, info = ik.tv_denoise(y, LAMBDA, norm=norm, tol=1e-6, max_iter=200_000, return_info=True)
            p_star[norm] = info.primal
            print(f"  reference P* ({norm}) = {info.primal:.10g}, certified relative gap {info.relative_gap:.1e}")

        # One short untimed run of each implementation first: a process's first pass over a few
        # hundred megabytes pays for the operating system (and a virtual machine's host) backing
        # the pages, which would otherwise land on whichever run comes first.
        for dtype in ("float32", "float64"):
            yc = y.astype(dtype)
            ik.tv_denoise(yc, LAMBDA, tol=0, max_iter=2)
            ik.tv_denoise(yc, LAMBDA, tol=1e-3, max_iter=2, return_info=True)
            denoise_tv_chambolle(yc, weight=LAMBDA, eps=0, max_num_iter=1)

        def rel_gap(x, norm="isotropic"):
            return (objective(x, y, norm) - p_star[norm]) / p_star[norm]

        # Per-iteration time against the C reference.
        iters = 20 if big else 100
        ref = c_reference(size, iters)
        for dtype in ("float32", "float64"):
            yc = y.astype(dtype)
            record(f"periter-{size}", "C reference loop", dtype, 1, ref[dtype])
            for threads in (1, 2):
                seconds, _ = timed(lambda: ik.tv_denoise(yc, LAMBDA, tol=0, max_iter=iters, threads=threads), repeats)
                per = seconds / iters
                record(f"periter-{size}", "inversekit", dtype, threads, per)
                if threads == 1:
                    ratios.append((f"{size}^2 {dtype} per-iteration vs C (1 thread)", per / ref[dtype], "<= 1.5"))
                # A tolerance it cannot reach and one gap evaluation, at the end: the primal-dual method.
                seconds, _ = timed(lambda: ik.tv_denoise(yc, LAMBDA, tol=1e-12, max_iter=iters, check_interval=iters,
                                                         threads=threads), repeats)
                record(f"periter-{size}", "inversekit primal-dual", dtype, threads, seconds / iters)

        # Time to a relative objective gap.
        for target in TARGETS:
            case = f"gap{target:.0e}-{size}"
            print(f" -- to relative gap {target:.0e}", flush=True)
            ours = {}
            for dtype in ("float32", "float64"):
                yc = y.astype(dtype)
                for threads in (1, 2):
                    seconds, (x, info) = timed(lambda: ik.tv_denoise(yc, LAMBDA, tol=target, max_iter=100_000,
                                                                    threads=threads, return_info=True), repeats)
                    ours[(dtype, threads)] = seconds
                    record(case, "inversekit", dtype, threads, seconds, rel_gap=rel_gap(x), iterations=info.iterations)
                    seconds_a, (xa, infoa) = timed(lambda: ik.tv_denoise(yc, LAMBDA, norm="anisotropic", tol=target,
                                                                         max_iter=100_000, threads=threads,
                                                                         return_info=True), repeats)
                    ours[("aniso", dtype, threads)] = seconds_a
                    record(case, "inversekit-anisotropic", dtype, threads, seconds_a,
                           rel_gap=rel_gap(xa, "anisotropic"), iterations=infoa.iterations)

            # scikit-image: fewest iterations found in float64, then timed in both dtypes.
            n_sk = fewest_iterations(lambda n: denoise_tv_chambolle(y, weight=LAMBDA, eps=0, max_num_iter=n),
                                     rel_gap, target, start=32 if target >= 1e-3 else 128)
            if n_sk is None:
                print("  skimage did not reach the gap within 65536 iterations")
            else:
                for dtype in ("float32", "float64"):
                    yc = y.astype(dtype)
                    seconds, x = timed(lambda: denoise_tv_chambolle(yc, weight=LAMBDA, eps=0, max_num_iter=n_sk),
                                       peer_repeats)
                    record(case, "skimage denoise_tv_chambolle", dtype, 1, seconds, rel_gap=rel_gap(x),
                           iterations=n_sk)
                    for threads in (1, 2):
                        ratios.append((f"{size}^2 {dtype} gap {target:.0e} skimage / ours ({threads} thr)",
                                       seconds / ours[(dtype, threads)], ">= 30"))

            if prox_tv is not None:
                n_ptv = fewest_iterations(lambda n: prox_tv.tv1_2d(y, LAMBDA, n_threads=1, max_iters=n),
                                          lambda x: rel_gap(x, "anisotropic"), target, start=1)
                if n_ptv is not None:
                    for threads in (1, 2):
                        seconds, x = timed(lambda: prox_tv.tv1_2d(y, LAMBDA, n_threads=threads, max_iters=n_ptv),
                                           peer_repeats)
                        record(case, "proxTV tv1_2d (aniso)", "float64", threads, seconds,
                               rel_gap=rel_gap(x, "anisotropic"), iterations=n_ptv)
                        ratios.append((f"{size}^2 float64 gap {target:.0e} proxTV / ours aniso ({threads} thr)",
                                       seconds / ours[("aniso", "float64", threads)], "> 1"))



def operator_benchmarks(sizes, record, ratios):
    import scipy.fft as sfft
    import scipy.signal as ssig
    from skimage.data import shepp_logan_phantom
    from skimage.metrics import peak_signal_noise_ratio
    from skimage.transform import iradon, radon, rescale

    from inversekit import linop

    print("\n== Radon, 256^2, 180 angles", flush=True)
    phantom = rescale(shepp_logan_phantom(), 256 / 400, anti_aliasing=False)
    degrees = np.linspace(0, 180, 180, endpoint=False)
    theirs, _ = timed(lambda: iradon(radon(phantom, degrees, circle=False), degrees, filter_name=None,
                                     circle=False), 3)
    record("radon-256-180", "skimage radon+iradon(None)", "float64", 1, theirs)
    # skimage's defaults (circle=True): 256 bins, the image assumed zero outside the inscribed
    # circle; the same sinogram as ours with 256 detectors.
    theirs_default, _ = timed(lambda: iradon(radon(phantom, degrees), degrees, filter_name=None), 3)
    record("radon-256-180-circle", "skimage radon+iradon(None) defaults", "float64", 1, theirs_default)
    for threads in (1, 2):
        op = linop.radon(phantom.shape, np.deg2rad(degrees), threads=threads)
        ours, _ = timed(lambda: op.adjoint(op @ phantom), 10)
        record("radon-256-180", "inversekit forward+adjoint", "float64", threads, ours,
               adjoint_mismatch=op.adjoint_test())
        ratios.append((f"Radon fwd+adj 256^2 180 angles skimage / ours ({threads} thr)", theirs / ours, ">= 20"))
        small = linop.radon(phantom.shape, np.deg2rad(degrees), detectors=256, threads=threads)
        ours_small, _ = timed(lambda: small.adjoint(small @ phantom), 10)
        record("radon-256-180-circle", "inversekit forward+adjoint, 256 bins", "float64", threads, ours_small)
        ratios.append((f"Radon 256 bins vs skimage defaults circle=True ({threads} thr)", theirs_default / ours_small,
                       ">= 20"))

    print("\n== FBP, 256^2, 60 angles", flush=True)
    degrees = np.linspace(0, 180, 60, endpoint=False)
    sinogram = radon(phantom, degrees, circle=True)
    t_sk, rec_sk = timed(lambda: iradon(sinogram, degrees, filter_name="ramp", circle=True), 3)
    t_ik, rec_ik = timed(lambda: linop.fbp(sinogram.T, np.deg2rad(degrees), phantom.shape, "ramp", circle=True), 3)
    record("fbp-256-60", "skimage iradon", "float64", 1, t_sk, psnr=peak_signal_noise_ratio(phantom, rec_sk, data_range=1))
    record("fbp-256-60", "inversekit fbp", "float64", 1, t_ik, psnr=peak_signal_noise_ratio(phantom, rec_ik, data_range=1))
    ratios.append(("FBP 256^2 60 angles skimage / ours (time)", t_sk / t_ik, "> 1"))

    rng = np.random.default_rng(0)
    kernel = rng.random((15, 15))
    for size in sizes:
        print(f"\n== convolution {size}^2, 15 x 15 kernel", flush=True)
        x = rng.random((size, size))
        repeats = 3 if size >= 2048 else 10
        padded = np.zeros_like(x)
        padded[:15, :15] = kernel
        spectrum = sfft.rfft2(np.roll(padded, (-7, -7), (0, 1)))
        t_periodic, _ = timed(lambda: sfft.irfft2(sfft.rfft2(x) * spectrum, s=x.shape), repeats)
        t_same, _ = timed(lambda: ssig.fftconvolve(x, kernel, mode="same"), repeats)
        record(f"conv-periodic-{size}", "scipy.fft rfft2 product", "float64", 1, t_periodic)
        record(f"conv-same-{size}", "scipy.signal.fftconvolve", "float64", 1, t_same)
        for mode, reference in (("periodic", t_periodic), ("same", t_same)):
            op = linop.convolution(x.shape, kernel, mode)
            op @ x
            ours, _ = timed(lambda: op @ x, repeats)
            record(f"conv-{mode}-{size}", "inversekit convolution", "float64", 0, ours)
            ratios.append((f"conv {mode} {size}^2 ours / scipy (time)", ours / reference, "<= 1.3"))


def report(ratios, records, json_path):
    print("\n== ratios")
    for name, value, goal in ratios:
        print(f"  {name:<56} {value:8.2f}   (target {goal})")
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(json.dumps({"records": records,
                                         "ratios": [dict(name=n, value=v, target=g) for n, v, g in ratios],
                                         "cpu_count": os.cpu_count()}, indent=1))
        print(f"\nwrote {json_path}")


if __name__ == "__main__":
    main()
