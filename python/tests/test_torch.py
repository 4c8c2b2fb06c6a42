"""pixfuse.torch.collate: importable without torch; with torch, one GIL-free call per batch."""

from __future__ import annotations

import importlib.util
import pickle
import subprocess
import sys

import numpy as np
import pytest

import pixfuse
import pixfuse.torch
from conftest import assert_bit_exact

HAVE_TORCH = importlib.util.find_spec("torch") is not None


def test_importable_without_torch():
    code = ("import sys; sys.modules['torch'] = None\n"  # any import of torch now fails
            "import pixfuse, pixfuse.torch\n"
            "c = pixfuse.torch.collate(pixfuse.presets.imagenet())\n"
            "try:\n    c([(b'x', 0)])\nexcept ImportError as e:\n    print('ImportError:', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "ImportError:" in out and "pixfuse.torch.collate needs torch" in out


def test_collate_pickles():
    c = pixfuse.torch.collate(pixfuse.presets.imagenet(), threads=2, fast_decode="pil", region_decode=False)
    back = pickle.loads(pickle.dumps(c))
    assert back.recipe == c.recipe and back.threads == 2
    assert back.fast_decode == "pil" and back.region_decode is False
    with pytest.raises(ValueError, match="fast_decode: expected False, True or 'pil'"):
        pixfuse.torch.collate(pixfuse.presets.imagenet(), fast_decode="draft")


@pytest.mark.skipif(not HAVE_TORCH, reason="torch not installed")
def test_collate_with_a_dataloader(photos, expected):
    import torch
    from torch.utils.data import DataLoader, Dataset

    class Photos(Dataset):
        def __len__(self):
            return len(photos)

        def __getitem__(self, i):
            return photos[i].read_bytes(), i

    loader = DataLoader(Photos(), batch_size=3, collate_fn=pixfuse.torch.collate(pixfuse.presets.imagenet()))
    seen = []
    for images, labels in loader:
        assert isinstance(images, torch.Tensor) and images.dtype == torch.float32
        for row, label in zip(images.numpy(), labels.tolist()):
            assert_bit_exact(row, expected[f"imagenet/{photos[label].name}"], photos[label].name)
            seen.append(label)
    assert seen == list(range(len(photos)))
