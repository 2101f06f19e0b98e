"""Three forward models and a first reconstruction for each, on built-in data:

  * deblurring: Gaussian blur + noise, Tikhonov solution (A^T A + rho I)^-1 A^T y in closed form;
  * few-view CT: 45 parallel-beam angles, filtered back-projection;
  * MRI: 4x Cartesian undersampling with a fully sampled centre, zero-filled inverse.

Prints PSNR and each operator's adjoint mismatch.   python3 examples/python/operators_tour.py
"""
from __future__ import annotations

import numpy as np

from inversekit import linop
from images import camera, psnr


def gaussian(size: int, sigma: float) -> np.ndarray:
    r = np.arange(size) - size // 2
    g = np.exp(-0.5 * (r / sigma) ** 2)
    k = np.outer(g, g)
    return k / k.sum()


def main() -> None:
    rng = np.random.default_rng(0)
    x = camera()[::2, ::2]  # 256 x 256

    blur = linop.convolution(x.shape, gaussian(9, 1.5), "periodic")
    y = blur @ x + 0.01 * rng.standard_normal(x.shape)
    rho = 0.002
    deblurred = blur.solve_normal(blur.H @ y, rho)
    print(f"deblurring   blurred {psnr(x, y):5.2f} dB -> Tikhonov {psnr(x, deblurred):5.2f} dB"
          f"   (adjoint mismatch {blur.adjoint_test():.1e})")

    angles = np.linspace(0, np.pi, 45, endpoint=False)
    ct = linop.radon(x.shape, angles)
    sinogram = ct @ x
    fbp = linop.fbp(sinogram, angles, x.shape, filter="shepp-logan")
    print(f"few-view CT  45 angles, FBP {psnr(x, fbp):5.2f} dB"
          f"   (adjoint mismatch {ct.adjoint_test():.1e})")

    mask = np.zeros(x.shape)
    mask[::4] = 1
    mask[x.shape[0] // 2 - 8: x.shape[0] // 2 + 8] = 1  # fully sampled centre
    mri = linop.fourier(x.shape, mask, centered=True)
    kspace = mri @ x.astype(np.complex128)
    zero_filled = np.abs(mri.H @ kspace)
    print(f"MRI          {mask.mean():.0%} sampled, zero-filled {psnr(x, zero_filled):5.2f} dB"
          f"   (adjoint mismatch {mri.adjoint_test():.1e})")


if __name__ == "__main__":
    main()
