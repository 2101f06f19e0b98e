"""Writes the noisy and clean camera images as PGM files for the C example, and compares results.

    make_test_images.py --pgm NOISY.pgm --clean CLEAN.pgm
    make_test_images.py --compare CLEAN.pgm NOISY.pgm DENOISED.pgm   (fails unless PSNR improved)
"""
from __future__ import annotations

import argparse
import sys

from images import camera, noisy, psnr, read_pgm, write_pgm


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pgm")
    parser.add_argument("--clean")
    parser.add_argument("--compare", nargs=3, metavar=("CLEAN", "NOISY", "DENOISED"))
    args = parser.parse_args()
    if args.pgm:
        clean = camera()
        write_pgm(args.pgm, noisy(clean, 0.1))
        if args.clean:
            write_pgm(args.clean, clean)
    if args.compare:
        clean, before, after = (read_pgm(p) for p in args.compare)
        gain = psnr(clean, after) - psnr(clean, before)
        print(f"PSNR {psnr(clean, before):.2f} dB -> {psnr(clean, after):.2f} dB")
        if gain < 3:
            print("denoising improved PSNR by less than 3 dB", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
