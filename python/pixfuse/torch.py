"""A DataLoader collate function that preprocesses a whole batch in one GIL-free call.

    from torch.utils.data import DataLoader
    loader = DataLoader(dataset, batch_size=64, collate_fn=pixfuse.torch.collate(pixfuse.presets.imagenet()))
    for images, labels in loader:   # images: torch.float32 (64, 3, 224, 224), shared with pixfuse's buffer
        ...

The dataset yields (image, label, ...) tuples, or bare images; an image is a path or encoded
bytes (or a decoded array). torch is imported on the first call, not before.

A sample whose image fails (corrupt, unreadable) is left out of the batch together with its
label, with a warning naming it; the other samples arrive as usual. With num_workers > 0 each
worker process calls pixfuse on a pool of its own: give each worker a share of the CPUs
(threads=os.cpu_count() // num_workers), or keep num_workers=0, since one call already uses
every CPU.
"""

from __future__ import annotations

import warnings
from typing import Any, Optional, Sequence, Union

from . import Recipe, _decode_mode, _run

__all__ = ["collate", "Collate"]


class Collate:
    """The collate function made by :func:`collate`; picklable (DataLoader workers)."""

    def __init__(self, recipe: Recipe, threads: Optional[int] = None, *, fast_decode: Union[bool, str] = False,
                 region_decode: bool = True) -> None:
        if not isinstance(recipe, Recipe):
            raise TypeError(f"recipe: expected a pixfuse.Recipe, got {type(recipe).__name__}")
        _decode_mode(fast_decode)  # a bad value fails here, not in the first batch
        self.recipe = recipe
        self.threads = threads
        self.fast_decode = fast_decode
        self.region_decode = region_decode

    def __call__(self, samples: Sequence[Any]) -> Any:
        try:
            import torch
            from torch.utils.data import default_collate
        except ImportError as e:
            raise ImportError(f"pixfuse.torch.collate needs torch, which cannot be imported ({e})") from e
        labelled = len(samples) > 0 and isinstance(samples[0], (tuple, list))
        images = [s[0] for s in samples] if labelled else list(samples)
        batch = _run(images, self.recipe, self.threads, "drop", self.fast_decode, region_decode=self.region_decode)
        for e in batch.errors:
            if e is not None:
                warnings.warn(f"pixfuse.torch.collate: sample left out: {e.message}", RuntimeWarning, stacklevel=2)
        tensor = torch.from_dlpack(batch)
        if not labelled:
            return tensor
        kept = [tuple(samples[i][1:]) for i in batch.index.tolist()]
        rest = default_collate(kept) if kept else [torch.empty(0) for _ in range(len(samples[0]) - 1)]
        return (tensor, *rest)

    def __repr__(self) -> str:
        return (f"pixfuse.torch.collate({self.recipe!r}, threads={self.threads!r}, "
                f"fast_decode={self.fast_decode!r}, region_decode={self.region_decode!r})")


def collate(recipe: Recipe, threads: Optional[int] = None, *, fast_decode: Union[bool, str] = False,
            region_decode: bool = True) -> Collate:
    """A collate_fn for torch.utils.data.DataLoader: (image, label) samples -> (tensor, labels).
    fast_decode and region_decode are preprocess()'s."""
    return Collate(recipe, threads, fast_decode=fast_decode, region_decode=region_decode)
