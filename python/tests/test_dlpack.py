"""DLPack both ways: a Batch goes to numpy (and torch / JAX when installed) without a copy, and
arrays that came through DLPack go back in as inputs."""

from __future__ import annotations

import numpy as np
import pytest

import pixfuse
from conftest import assert_bit_exact


def test_numpy_from_dlpack_shares_the_buffer(photos, imagenet):
    batch = pixfuse.preprocess(photos[:2], imagenet)
    assert batch.__dlpack_device__() == (1, 0)
    a = np.from_dlpack(batch)
    assert a.ctypes.data == batch.array.ctypes.data and a.shape == batch.array.shape
    batch.array[0, 0, 0, 0] = 123.0
    assert a[0, 0, 0, 0] == 123.0, "the same memory, not a copy"


def test_round_trip(photos, imagenet):
    # decode -> DLPack -> pixfuse input -> Batch -> DLPack -> numpy, all on one set of pixels.
    image = pixfuse.decode(photos[2])
    via = np.from_dlpack(image)
    assert via.ctypes.data == image.ctypes.data
    out = np.from_dlpack(pixfuse.preprocess([via], imagenet))
    assert_bit_exact(out, pixfuse.preprocess([image], imagenet).array, "through DLPack")
    nhwc = pixfuse.preprocess([image], pixfuse.presets.imagenet(layout="nhwc", dtype="uint8"))
    assert np.from_dlpack(nhwc).dtype == np.uint8


def test_bfloat16_exports_through_dlpack(photos):
    batch = pixfuse.preprocess([photos[2]], pixfuse.presets.imagenet(dtype="bfloat16"))
    assert batch.array.dtype == np.uint16, "numpy has no bfloat16: the bits"
    f32 = pixfuse.preprocess([photos[2]], pixfuse.presets.imagenet()).array
    widened = (batch.array.astype(np.uint32) << 16).view(np.float32)
    assert np.abs(widened - f32).max() <= np.abs(f32).max() / 128
    capsule = batch.__dlpack__()
    assert type(capsule).__name__ == "PyCapsule"


def test_torch_from_dlpack(photos, imagenet):
    torch = pytest.importorskip("torch")
    batch = pixfuse.preprocess(photos[:2], imagenet)
    t = torch.from_dlpack(batch)
    assert t.data_ptr() == batch.array.ctypes.data and tuple(t.shape) == batch.array.shape


def test_jax_from_dlpack(photos, imagenet):
    jax = pytest.importorskip("jax")
    batch = pixfuse.preprocess(photos[:2], imagenet)
    x = jax.dlpack.from_dlpack(batch)
    assert x.shape == batch.array.shape and np.array_equal(np.asarray(x), batch.array)
