"""The Python examples run and print what they promise."""
from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import REPO


def run_example(name: str, *args: str) -> str:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "bindings" / "python"), env.get("PYTHONPATH", "")])
    result = subprocess.run([sys.executable, str(REPO / "examples" / "python" / name), *args], capture_output=True,
                            text=True, env=env, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_operators_tour():
    out = run_example("operators_tour.py")
    mismatches = [float(m) for m in re.findall(r"adjoint mismatch ([0-9.e+-]+)", out)]
    assert len(mismatches) == 3 and max(mismatches) < 1e-12
    blurred, deblurred = map(float, re.search(r"blurred ([0-9.]+) dB -> Tikhonov ([0-9.]+) dB", out).groups())
    assert deblurred > blurred
    assert float(re.search(r"FBP ([0-9.]+) dB", out).group(1)) > 15


def test_demo_writes_figure(tmp_path):
    figure = tmp_path / "demo.png"
    out = run_example("demo.py", "--output", str(figure))
    noisy, denoised = map(float, re.findall(r"PSNR \w+ +([0-9.]+) dB", out))
    assert denoised > noisy + 5
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_reconstruction_gallery(tmp_path):
    figure = tmp_path / "gallery.png"
    out = run_example("reconstruction_gallery.py", "--output", str(figure), "--size", "64")
    for name in ("deblurring", "CT, 60 angles", "MRI, Cartesian lines"):
        line = next(l for l in out.splitlines() if l.startswith(name))
        baseline, tv = map(float, re.search(r": \S+ ([0-9.]+) dB, TV ([0-9.]+) dB", line).groups())
        assert tv > baseline, line
    assert "converged" in next(l for l in out.splitlines() if l.startswith("deblurring"))
    for path in (figure, tmp_path / "gallery_certificate.png"):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
