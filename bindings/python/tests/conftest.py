"""Shared fixtures: deterministic test images and the repository's paths."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]
# Test the binding in this tree, not whatever copy is installed.
sys.path.insert(0, str(REPO / "bindings" / "python"))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261129)


def piecewise_image(shape, rng, noise=0.15):
    """Two flat regions split along the last axis, plus Gaussian noise."""
    base = np.where(np.arange(shape[-1]) < shape[-1] // 2, 0.25, 0.75)
    return base * np.ones(shape) + noise * rng.standard_normal(shape)
