"""Small image helpers shared by the examples: the built-in test image, PSNR, PNG and PGM files
(written with the standard library only)."""
from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np


def camera() -> np.ndarray:
    """scikit-image's 512x512 'camera' picture (shipped inside the package), as float64 in [0, 1]."""
    from skimage import data
    return data.camera().astype(np.float64) / 255.0


def noisy(clean: np.ndarray, sigma: float = 0.1, seed: int = 0) -> np.ndarray:
    return clean + sigma * np.random.default_rng(seed).standard_normal(clean.shape)


def psnr(reference: np.ndarray, image: np.ndarray, peak: float = 1.0) -> float:
    mse = float(np.mean((np.asarray(reference, np.float64) - np.asarray(image, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(peak * peak / mse)


def to_bytes(image: np.ndarray) -> np.ndarray:
    return (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)


def write_png(path: Path, grey: np.ndarray) -> None:
    """8-bit greyscale PNG."""
    rows = np.ascontiguousarray(grey, dtype=np.uint8)
    raw = b"".join(b"\x00" + rows[i].tobytes() for i in range(rows.shape[0]))

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", rows.shape[1], rows.shape[0], 8, 0, 0, 0, 0)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6))
                           + chunk(b"IEND", b""))


def write_pgm(path: Path, image: np.ndarray) -> None:
    grey = to_bytes(image)
    Path(path).write_bytes(f"P5\n{grey.shape[1]} {grey.shape[0]}\n255\n".encode() + grey.tobytes())


def read_pgm(path: Path) -> np.ndarray:
    data = Path(path).read_bytes()
    fields = data.split(maxsplit=4)
    assert fields[0] == b"P5", "not a binary PGM"
    width, height, maxval = int(fields[1]), int(fields[2]), int(fields[3])
    pixels = np.frombuffer(fields[4][: width * height], dtype=np.uint8).reshape(height, width)
    return pixels.astype(np.float64) / maxval


def side_by_side(panels, gap: int = 8) -> np.ndarray:
    """Panels in [0, 1] next to each other on a white background, as uint8."""
    height = max(p.shape[0] for p in panels)
    width = sum(p.shape[1] for p in panels) + gap * (len(panels) - 1)
    canvas = np.full((height, width), 255, np.uint8)
    x = 0
    for p in panels:
        canvas[: p.shape[0], x: x + p.shape[1]] = to_bytes(p)
        x += p.shape[1] + gap
    return canvas
