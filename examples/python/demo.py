"""The demo: TV-denoise the built-in camera image (Gaussian noise, sigma = 0.1) and write a figure
noisy | TV-denoised | clean as a PNG. Prints PSNR, the certificate and the time.

    python3 examples/python/demo.py [--output out/demo.png] [--lam 0.1] [--tol 1e-4]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import inversekit as ik
from images import camera, noisy, psnr, side_by_side, write_png


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("out/demo.png"))
    parser.add_argument("--lam", type=float, default=0.1, help="TV weight lambda (default 0.1)")
    parser.add_argument("--sigma", type=float, default=0.1, help="noise standard deviation (default 0.1)")
    parser.add_argument("--tol", type=float, default=1e-4, help="relative duality gap to reach")
    args = parser.parse_args()

    clean = camera()
    y = noisy(clean, args.sigma)
    ik.tv_denoise(y[:64, :64], args.lam)  # load the library and warm the caches once
    start = time.perf_counter()
    x, info = ik.tv_denoise(y, args.lam, lower=0.0, upper=1.0, tol=args.tol, max_iter=10_000, return_info=True)
    elapsed = time.perf_counter() - start

    write_png(args.output, side_by_side([y, x, clean]))
    print(f"InverseKit {ik.version()}: TV denoising of the {clean.shape[0]}x{clean.shape[1]} camera image, "
          f"noise sigma={args.sigma}, lambda={args.lam}")
    print(f"  PSNR noisy    {psnr(clean, y):6.2f} dB")
    print(f"  PSNR denoised {psnr(clean, x):6.2f} dB")
    print(f"  {info.iterations} iterations, relative duality gap {info.relative_gap:.1e} "
          f"({'converged' if info.converged else 'not converged'}), {info.threads} thread(s), "
          f"{elapsed * 1000:.1f} ms")
    print(f"  figure (noisy | TV-denoised | clean): {args.output}")


if __name__ == "__main__":
    main()
