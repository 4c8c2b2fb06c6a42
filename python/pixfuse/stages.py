"""The steps of a recipe, with the C++ stages' options (include/pixfuse/recipe/).

    from pixfuse import Recipe, stages as S
    recipe = Recipe([S.to_rgb(), S.resize_shorter(256, filter="bilinear", compat="pil"), S.center_crop(224),
                     S.normalize(S.over(255), mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)),
                     S.nchw(), S.cast("float32")])
    # or: S.to_rgb() | S.resize_shorter(256) | ...

compat chooses whose arithmetic a resize reproduces: "pil" (Pillow, and torchvision on PIL
images), "torchvision" (its uint8 tensor path), "opencv" (cv2.resize), "jax" (jax.image.resize).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._pixfuse import (
    ScaleFactor,
    Stage,
    center_crop,
    crop,
    drop_alpha,
    gray_to_rgb,
    hflip,
    letterbox,
    nchw,
    nhwc,
    normalize,
    over,
    pad,
    resize,
    resize_longer,
    resize_shorter,
    rescale,
    swap_rb,
    to_bgr,
    to_rgb,
    vflip,
)
from ._pixfuse import cast as _cast

__all__ = [
    "ScaleFactor", "Stage", "cast", "center_crop", "crop", "drop_alpha", "gray_to_rgb", "hflip", "layout",
    "letterbox", "nchw", "nhwc", "normalize", "over", "pad", "resize", "resize_longer", "resize_shorter",
    "rescale", "swap_rb", "to_bgr", "to_rgb", "vflip",
]

_DTYPES = {"float32": "f32", "float16": "f16", "bfloat16": "bf16", "uint8": "u8", "int8": "i8",
           "f32": "f32", "f16": "f16", "bf16": "bf16", "u8": "u8", "i8": "i8"}


def cast(dtype: Any) -> Stage:
    """The output dtype: float32, float16, bfloat16, uint8 or int8 (a numpy dtype, or its name or
    the C++ one: f32, f16, bf16, u8, i8). Rounds to nearest even and saturates."""
    if isinstance(dtype, str):
        name = dtype
    else:
        try:
            name = np.dtype(dtype).name
        except TypeError:
            name = getattr(dtype, "name", None) or str(dtype)
    return _cast(_DTYPES.get(name, name))


def layout(name: str) -> Stage:
    """"nchw" (planar) or "nhwc" (interleaved)."""
    if name == "nchw":
        return nchw()
    if name == "nhwc":
        return nhwc()
    raise ValueError(f"layout: expected 'nchw' or 'nhwc', got {name!r}")
