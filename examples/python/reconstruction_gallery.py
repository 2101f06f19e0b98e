"""Three reconstructions with total variation, each certified: a blurred photograph, a 60-angle CT
scan and an undersampled MRI acquisition. Writes two figures: measurement | baseline | TV
reconstruction for each (PSNR in the titles), and the certificate (relative duality gap) against
iterations.

    python3 examples/python/reconstruction_gallery.py [--output out/gallery.png] [--size 128]
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

import inversekit as ik
from inversekit import functional as fn, linop
from images import camera, psnr


def gaussian(sigma: float, size: int) -> np.ndarray:
    r = np.arange(size) - size // 2
    k = np.exp(-(r[:, None] ** 2 + r[None, :] ** 2) / (2 * sigma ** 2))
    return k / k.sum()


def tv(shape, lam, dtype=np.float64):
    d = linop.gradient(shape, dtype)
    return (lam * fn.group_l21(d.output_shape, 0, dtype), d)


def deblurring(truth, rng):
    a = linop.convolution(truth.shape, gaussian(1.5, 9))
    y = a @ truth + 0.01 * rng.standard_normal(truth.shape)
    x, result = ik.solvers.solve([(fn.squared_l2(truth.shape).shifted(y), a), tv(truth.shape, 0.003)],
                                 g=fn.box(truth.shape, 0.0, 1.0), tol=1e-4, max_iter=4000, tau=3.0, check_interval=20)
    return y, y, x, result


def computed_tomography(truth, rng):
    angles = np.linspace(0, np.pi, 60, endpoint=False)
    r = linop.radon(truth.shape, angles)
    sinogram = r @ truth
    sinogram += 0.01 * np.abs(sinogram).max() * rng.standard_normal(sinogram.shape)
    baseline = linop.fbp(sinogram, angles, truth.shape, "shepp-logan")
    x, result = ik.solvers.solve([(fn.squared_l2(r.output_shape).shifted(sinogram), r), tv(truth.shape, 0.5)],
                                 g=fn.box(truth.shape, 0.0, 1.0), tol=1e-3, max_iter=3000, precondition=True,
                                 check_interval=20)
    return sinogram, baseline, x, result


def mri(truth, rng):
    shape = truth.shape
    # Variable-density Cartesian lines: every low frequency, a third of the others.
    rows = np.abs(np.fft.fftfreq(shape[0])) < 0.06
    rows |= rng.random(shape[0]) < 0.3
    mask = np.repeat(rows[:, None], shape[1], axis=1).astype(float)
    f = linop.fourier(shape, mask=mask)
    noise = 0.005 * (rng.standard_normal(shape) + 1j * rng.standard_normal(shape))
    y = f @ truth.astype(np.complex128) + mask * noise
    zero_filled = f.adjoint(y)
    x, result = ik.solvers.solve([(fn.squared_l2(shape, np.complex128).shifted(y), f), tv(shape, 0.002, np.complex128)],
                                 tol=1e-4, max_iter=3000, tau=0.5, check_interval=20, change_tol=1e-7)
    return np.log1p(np.abs(np.fft.fftshift(y))), np.abs(zero_filled), np.abs(x), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("out/gallery.png"))
    parser.add_argument("--size", type=int, default=128)
    args = parser.parse_args()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(0)
    photo = camera()[:: 512 // args.size, :: 512 // args.size][: args.size, : args.size]
    from skimage.data import shepp_logan_phantom
    from skimage.transform import resize
    phantom = resize(shepp_logan_phantom(), (args.size, args.size), anti_aliasing=True)
    rows = [("deblurring", photo, *deblurring(photo, rng), "blurred"),
            ("CT, 60 angles", phantom, *computed_tomography(phantom, rng), "FBP"),
            ("MRI, Cartesian lines", phantom, *mri(phantom, rng), "zero-filled")]

    figure, axes = plt.subplots(3, 3, figsize=(9, 9.5))
    for row, (name, truth, measured, baseline, x, result, baseline_name) in zip(axes, rows):
        p0, p1 = psnr(truth, np.clip(baseline, 0, 1)), psnr(truth, np.clip(x, 0, 1))
        print(f"{name}: {baseline_name} {p0:.2f} dB, TV {p1:.2f} dB, {result.iterations} iterations, "
              f"relative gap {result.relative_gap:.2e} ({result.stop_reason})")
        for ax, image, title in zip(row, (measured, baseline, x),
                                    (f"{name}: measurement", f"{baseline_name}: {p0:.1f} dB", f"TV: {p1:.1f} dB")):
            ax.imshow(image, cmap="gray", vmin=0 if image is not measured else None, vmax=1 if image is not measured else None)
            ax.set_title(title, fontsize=9)
            ax.axis("off")
    figure.tight_layout()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(args.output, dpi=80)

    certificate = args.output.with_name(args.output.stem + "_certificate.png")
    figure, ax = plt.subplots(figsize=(6, 4))
    for name, *_, result, _ in rows:
        history = [h for h in result.history if math.isfinite(h["relative_gap"])]
        if history:
            ax.semilogy([h["iteration"] for h in history], [h["relative_gap"] for h in history], label=name)
    ax.set_xlabel("iteration")
    ax.set_ylabel("relative duality gap (bounds (P - P*) / P*)")
    ax.legend()
    figure.tight_layout()
    figure.savefig(certificate, dpi=80)
    print(f"wrote {args.output} and {certificate}")


if __name__ == "__main__":
    main()
