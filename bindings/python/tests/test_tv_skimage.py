"""Same objective as scikit-image's denoise_tv_chambolle: its `weight` is our lambda.

skimage iterates Chambolle's projection p <- (p - tau g) / (1 + tau |g| / weight) with
x = y - div-adjoint(p); its fixed point satisfies x - y = weight * div(grad x / |grad x|), the
optimality condition of 0.5 ||x - y||^2 + weight * TV_iso(x) with forward differences and Neumann
boundary: exactly our isotropic problem with lambda = weight.
"""
from __future__ import annotations

import numpy as np
import pytest
from skimage.restoration import denoise_tv_chambolle

import inversekit as ik
from conftest import piecewise_image


@pytest.mark.parametrize("shape", [(48, 40), (10, 12, 9)])
@pytest.mark.parametrize("weight", [0.05, 0.2])
def test_same_minimiser_as_skimage(rng, shape, weight):
    y = piecewise_image(shape, rng)
    ours, info = ik.tv_denoise(y, weight, tol=1e-9, max_iter=200_000, return_info=True)
    assert info.converged
    theirs = denoise_tv_chambolle(y, weight=weight, eps=0, max_num_iter=50_000)
    p_ours = ik.tv_objective(ours, y, weight)
    p_theirs = ik.tv_objective(theirs, y, weight)
    # Ours is certified within info.gap of the optimum, which skimage's value cannot beat.
    assert p_ours - info.gap <= p_theirs * (1 + 1e-12)
    assert (p_theirs - p_ours) / p_ours < 1e-5
    assert np.max(np.abs(ours - theirs)) < 2e-3


def test_skimage_objective_decreases_to_ours(rng):
    y = piecewise_image((64, 64), rng)
    ours = ik.tv_denoise(y, 0.1, tol=1e-9, max_iter=100_000)
    p_star = ik.tv_objective(ours, y, 0.1)
    gaps = [(ik.tv_objective(denoise_tv_chambolle(y, weight=0.1, eps=0, max_num_iter=n), y, 0.1) - p_star) / p_star
            for n in (10, 100, 1000)]
    assert gaps[0] > gaps[1] > gaps[2] >= 0


def test_proxtv_w_is_our_lambda_for_anisotropic_tv(rng):
    """proxTV's tv1_2d(y, w) minimises 0.5 ||x - y||^2 + w * TV_aniso(x) with the same forward
    differences: its answer scores our optimum under our objective with lambda = w."""
    prox_tv = pytest.importorskip("prox_tv")
    y = piecewise_image((40, 36), rng)
    for w in (0.05, 0.3):
        ours, info = ik.tv_denoise(y, w, norm="anisotropic", tol=1e-10, max_iter=200_000, return_info=True)
        theirs = prox_tv.tv1_2d(y, w)
        p_ours = ik.tv_objective(ours, y, w, norm="anisotropic")
        p_theirs = ik.tv_objective(theirs, y, w, norm="anisotropic")
        assert p_ours - info.gap <= p_theirs * (1 + 1e-12)
        # proxTV stops at its own tolerance (about 5e-5 here); another scaling of w would be far off.
        assert (p_theirs - p_ours) / p_ours < 1e-3
