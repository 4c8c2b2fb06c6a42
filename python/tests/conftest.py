"""Shared fixtures of the pytest suite: the bundled photos, the bad-input corpus and the
expected outputs made by Pillow + torchvision (fixtures/generate.py)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest

import pixfuse

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PHOTOS = Path(os.environ.get("PIXFUSE_DATA", REPO / "examples" / "data"))
BAD = REPO / "tests" / "data" / "bad"


def photo_paths() -> list[Path]:
    return sorted(p for p in PHOTOS.iterdir() if p.suffix in (".jpg", ".png"))


@pytest.fixture(scope="session")
def photos() -> list[Path]:
    return photo_paths()


@pytest.fixture(scope="session")
def expected() -> dict[str, np.ndarray]:
    with np.load(HERE / "fixtures" / "expected.npz") as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="session")
def decoded_hashes() -> dict[str, dict]:
    return json.loads((HERE / "fixtures" / "decoded.json").read_text())["images"]


@pytest.fixture(scope="session")
def bad_dir() -> Path:
    return BAD


def sha256(a: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def assert_bit_exact(actual: np.ndarray, wanted: np.ndarray, what: str) -> None:
    assert actual.shape == wanted.shape and actual.dtype == wanted.dtype, (what, actual.shape, actual.dtype)
    same = actual.view(np.uint8) == wanted.view(np.uint8)
    if not same.all():
        diff = np.abs(actual.astype(np.float64) - wanted.astype(np.float64))
        raise AssertionError(f"{what}: {int((actual != wanted).sum())} of {actual.size} values differ, "
                             f"max |diff| {diff.max():.3g}")


@pytest.fixture(scope="session")
def imagenet() -> pixfuse.Recipe:
    return pixfuse.presets.imagenet()
