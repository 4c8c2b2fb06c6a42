"""The recipes models are commonly trained with, as in C++ (include/pixfuse/recipe/presets.hpp),
with their parameters as keyword arguments (e.g. ResNet-50 V2's ``imagenet(resize=232)``).

    imagenet()  torchvision's eval transform: RGB, Resize(256) bilinear (PIL), CenterCrop(224),
                ToTensor, Normalize(ImageNet mean/std) -> (3, 224, 224) float32 NCHW
    clip()      OpenAI CLIP: RGB, Resize(224) bicubic (PIL), CenterCrop(224), CLIP mean/std
    yolo()      ultralytics: RGB, LetterBox(640) with cv2.resize INTER_LINEAR, pad 114, / 255
"""

from __future__ import annotations

from typing import Any, Sequence

from ._pixfuse import Recipe
from . import stages as S

__all__ = ["imagenet", "clip", "yolo", "IMAGENET_MEAN", "IMAGENET_STD", "CLIP_MEAN", "CLIP_STD"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def imagenet(resize: int = 256, crop: int = 224, *, mean: Sequence[float] = IMAGENET_MEAN,
             std: Sequence[float] = IMAGENET_STD, filter: str = "bilinear", compat: str = "pil",
             dtype: Any = "float32", layout: str = "nchw") -> Recipe:
    """torchvision's Resize(resize) + CenterCrop(crop) + ToTensor + Normalize(mean, std) on a PIL image."""
    return Recipe([S.to_rgb(), S.resize_shorter(resize, filter=filter, compat=compat), S.center_crop(crop),
                   S.normalize(S.over(255), mean, std), S.layout(layout), S.cast(dtype)])


def clip(resize: int = 224, crop: int = 224, *, mean: Sequence[float] = CLIP_MEAN, std: Sequence[float] = CLIP_STD,
         filter: str = "bicubic", compat: str = "pil", dtype: Any = "float32", layout: str = "nchw") -> Recipe:
    """OpenAI CLIP's preprocess: Resize(resize, bicubic) + CenterCrop(crop) + ToTensor + Normalize."""
    return Recipe([S.to_rgb(), S.resize_shorter(resize, filter=filter, compat=compat), S.center_crop(crop),
                   S.normalize(S.over(255), mean, std), S.layout(layout), S.cast(dtype)])


def yolo(size: int = 640, pad: float = 114.0, *, filter: str = "bilinear", compat: str = "opencv",
         dtype: Any = "float32", layout: str = "nchw") -> Recipe:
    """ultralytics' LetterBox(size) (cv2.resize, grey 114 border) + / 255."""
    return Recipe([S.to_rgb(), S.letterbox(size, size, pad, filter=filter, compat=compat, antialias=False),
                   S.rescale(S.over(255)), S.layout(layout), S.cast(dtype)])
