"""pixfuse.decode: Pillow's pixels (SHA-256 of Pillow's output, fixtures/decoded.json), upright."""

from __future__ import annotations

import numpy as np
import pytest

import pixfuse
from conftest import REPO, sha256


def test_pillow_pixels_from_paths_and_bytes(decoded_hashes):
    if "libjpeg-turbo" not in pixfuse._pixfuse.decoders():
        pytest.skip("built without libjpeg-turbo: JPEG pixels are stb_image's, not Pillow's")
    for rel, want in decoded_hashes.items():
        path = REPO / rel
        for data in (path, str(path), path.read_bytes(), memoryview(path.read_bytes()),
                     np.frombuffer(path.read_bytes(), np.uint8)):
            a = pixfuse.decode(data)
            assert a.dtype == np.uint8 and a.ndim == 3 and list(a.shape) == want["shape"], (rel, a.shape)
            assert sha256(a) == want["sha256"], f"{rel}: pixels differ from Pillow's"


def test_exif_orientation(bad_dir):
    upright = pixfuse.decode(bad_dir / "exif6.jpg")
    stored = pixfuse.decode(bad_dir / "exif6.jpg", exif=False)
    assert stored.shape == (24, 40, 3) and upright.shape == (40, 24, 3)
    assert np.array_equal(upright, np.rot90(stored, -1)), "orientation 6: turned 90 degrees clockwise"


def test_output_is_owned_and_aligned(bad_dir):
    a = pixfuse.decode(bad_dir / "gray.png")
    assert a.shape[2] == 1 and a.ctypes.data % 64 == 0 and a.flags.c_contiguous and a.flags.writeable


@pytest.mark.parametrize("data, exc, needle", [
    (b"definitely not an image", pixfuse.Error, "data"),
    ("/nonexistent/x.png", pixfuse.Error, "/nonexistent/x.png"),
    (12, TypeError, "data: expected a path or encoded bytes"),
    (np.zeros((4, 4), np.uint8), TypeError, "data"),
])
def test_errors_name_the_input(data, exc, needle):
    with pytest.raises(exc) as info:
        pixfuse.decode(data)
    assert needle in str(info.value)


def test_bomb_is_refused_before_decoding(bad_dir):
    with pytest.raises(pixfuse.Error) as info:
        pixfuse.decode(bad_dir / "bomb.png")
    assert "bomb.png" in str(info.value)
