"""pixfuse: image preprocessing for ML inference, exact to the library a model was trained with.

    import pixfuse
    batch = pixfuse.preprocess(["cat.jpg", "dog.png"], pixfuse.presets.imagenet())
    batch.array        # numpy (2, 3, 224, 224) float32, owning the C++ buffer (64-byte aligned)

One call per batch: decoding and the fused resize / crop / normalise / layout / cast kernels
run on a pool of C++ threads with the GIL released. Inputs may be paths, encoded images
(bytes, memoryview, 1-D uint8 arrays) or decoded (H, W, C) uint8 / float32 arrays, or one
(N, H, W, C) array. A bad image never sinks the batch: it gets an ImageError in
``batch.errors`` and, by default, a zeroed row.
"""

from __future__ import annotations

import os
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _pixfuse
from ._pixfuse import (
    Error,
    Recipe,
    active_target,
    available_cpus,
    available_targets,
    decoders,
    set_target,
)
from . import presets, stages

__version__: str = _pixfuse.__version__

__all__ = [
    "Batch",
    "Error",
    "ImageError",
    "Recipe",
    "active_target",
    "available_cpus",
    "available_targets",
    "decode",
    "decoders",
    "presets",
    "preprocess",
    "set_target",
    "stages",
]

PathLike = Union[str, "os.PathLike[str]"]
Input = Union[PathLike, bytes, bytearray, memoryview, np.ndarray]

_ERROR_MODES = ("mark", "drop", "raise")


class ImageError(Error):
    """Why one input failed: its index in the inputs, its source (the path, or ``inputs[i]``),
    the stage it failed at (``read``, ``header``, ``limit``, ``decode``, ``plan``, ``shape``,
    ``run`` or ``input``) and a message naming it, what was expected and what was found."""

    def __init__(self, index: int, source: str, stage: str, message: str) -> None:
        super().__init__(message)
        self.index = index
        self.source = source
        self.stage = stage
        self.message = message

    def __repr__(self) -> str:
        return (f"ImageError(index={self.index}, source={self.source!r}, stage={self.stage!r}, "
                f"message={self.message!r})")

    def __reduce__(self) -> Tuple[Any, ...]:
        return (ImageError, (self.index, self.source, self.stage, self.message))


class Batch:
    """The result of :func:`preprocess`.

    ``array``: the tensor, (rows, C, H, W) or (rows, H, W, C), a numpy array that owns the
    C++ buffer (no copy; 64-byte aligned). ``ok``: bool per input. ``errors``: ``None`` or an
    :class:`ImageError` per input. ``index``: the input index of each row (with
    ``errors="drop"`` the failed inputs have no row). The batch exports ``__dlpack__``, so
    ``torch.from_dlpack(batch)``, ``jax.dlpack.from_dlpack(batch)`` and
    ``numpy.from_dlpack(batch)`` take it without a copy.
    """

    __slots__ = ("array", "ok", "errors", "index", "_bfloat16")

    def __init__(self, array: np.ndarray, ok: np.ndarray, errors: List[Optional[ImageError]],
                 index: np.ndarray, bfloat16: bool = False) -> None:
        self.array = array  # bfloat16: the bits, as uint16 (numpy has no bfloat16)
        self.ok = ok
        self.errors = errors
        self.index = index
        self._bfloat16 = bfloat16

    def __len__(self) -> int:
        return int(self.array.shape[0])

    @property
    def shape(self) -> Tuple[int, ...]:
        return tuple(self.array.shape)

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    def __array__(self, dtype: Any = None, copy: Optional[bool] = None) -> np.ndarray:
        if dtype is None or np.dtype(dtype) == self.array.dtype:
            return self.array.copy() if copy else self.array
        if copy is False:
            raise ValueError(f"Batch: a {dtype} array needs a copy of the {self.array.dtype} tensor")
        return self.array.astype(dtype)

    def __dlpack__(self, *, stream: Any = None, max_version: Optional[Tuple[int, int]] = None,
                   dl_device: Optional[Tuple[int, int]] = None, copy: Optional[bool] = None) -> Any:
        if stream is not None and stream != -1:
            raise BufferError("Batch.__dlpack__: the tensor is in CPU memory; stream must be None")
        if self._bfloat16:
            if copy:
                raise BufferError("Batch.__dlpack__: copy=True is not supported for bfloat16")
            return _pixfuse._bfloat16_capsule(self.array)
        kwargs = {}
        if max_version is not None:
            kwargs["max_version"] = max_version
        if dl_device is not None:
            kwargs["dl_device"] = dl_device
        if copy is not None:
            kwargs["copy"] = copy
        try:
            return self.array.__dlpack__(**kwargs)
        except TypeError:  # a numpy that predates the keywords
            return self.array.__dlpack__()

    def __dlpack_device__(self) -> Tuple[int, int]:
        return (1, 0)  # kDLCPU, device 0

    def __repr__(self) -> str:
        failed = int(np.count_nonzero(~self.ok))
        return f"pixfuse.Batch(shape={self.shape}, dtype={self.array.dtype}, failed={failed})"


def _threads(threads: Optional[int]) -> int:
    if threads is None:
        return 0
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ValueError(f"threads: expected None or an integer >= 1, got {threads!r}")
    return int(threads)


def _pixels(a: np.ndarray) -> np.ndarray:
    """A decoded image as the kernels read it: rows may be strided, pixels within a row must be
    contiguous; anything else (column steps, reversed rows, Fortran order) is copied."""
    if a.ndim in (2, 3) and a.strides[0] > 0 and a.strides[-1] == a.itemsize and (
            a.ndim == 2 or a.strides[1] == a.shape[2] * a.itemsize):
        return a
    if a.ndim in (2, 3):
        return np.ascontiguousarray(a)
    return a


def _source(item: Any) -> Tuple[str, Any]:
    """(kind, object) for the C++ side: ("path", str), ("bytes", 1-D uint8), ("array", ndarray),
    or ("invalid", why)."""
    if isinstance(item, str):
        return ("path", item)
    if isinstance(item, os.PathLike):
        return ("path", os.fsdecode(item))
    if isinstance(item, (bytes, bytearray, memoryview)):
        try:
            return ("bytes", np.frombuffer(item, dtype=np.uint8))
        except (ValueError, BufferError, TypeError) as e:
            return ("invalid", f"expected contiguous encoded bytes ({e})")
    if not isinstance(item, np.ndarray) and (hasattr(item, "__array_interface__") or hasattr(item, "__dlpack__")):
        try:
            item = np.asarray(item)
        except Exception as e:  # noqa: BLE001 - reported per input
            return ("invalid", f"expected an image array on the CPU ({e})")
    if isinstance(item, np.ndarray):
        if item.ndim == 1 and item.dtype == np.uint8:
            return ("bytes", np.ascontiguousarray(item))
        if item.ndim == 1:
            return ("invalid", f"expected encoded bytes as a 1-D uint8 array, got dtype {item.dtype}")
        return ("array", _pixels(item))
    return ("invalid", "expected a path, encoded bytes or an (H, W, C) array, got " + type(item).__name__)


def _sources(inputs: Any) -> List[Any]:
    """The inputs as a list of images (one (N, H, W, C) array becomes N views of it)."""
    if isinstance(inputs, (str, bytes, bytearray, memoryview, os.PathLike)):
        raise TypeError(f"inputs: expected a sequence of images (a list of paths, bytes or arrays), "
                        f"got one {type(inputs).__name__}; pass [{type(inputs).__name__}]")
    if isinstance(inputs, np.ndarray) and inputs.dtype != object:
        if inputs.ndim != 4:
            raise ValueError(f"inputs: expected one (N, H, W, C) array or a sequence of images, "
                             f"got an array of {inputs.ndim} dimensions (shape {inputs.shape}); "
                             f"wrap a single image in a list")
        return list(inputs)
    try:
        items = list(inputs)
    except TypeError:
        raise TypeError(f"inputs: expected a sequence of images, got {type(inputs).__name__}") from None
    return items


def _decode_mode(fast_decode: Union[bool, str]) -> str:
    # pixfuse-prep's modes by the names its summary line gives them: False (exact, Pillow's
    # pixels), True (--fast-decode), "pil" (--fast-decode=pil).
    if isinstance(fast_decode, (bool, np.bool_)):
        return "fast" if fast_decode else "exact"
    if isinstance(fast_decode, str) and fast_decode in ("exact", "fast", "pil"):
        return fast_decode
    raise ValueError(f"fast_decode: expected False, True or 'pil', got {fast_decode!r}")


def _run(inputs: Any, recipe: Recipe, threads: Optional[int], errors: str, fast_decode: Union[bool, str],
         names: Optional[Sequence[Any]] = None, region_decode: bool = True) -> Batch:
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe: expected a pixfuse.Recipe (e.g. pixfuse.presets.imagenet()), "
                        f"got {type(recipe).__name__}")
    if errors not in _ERROR_MODES:
        raise ValueError(f"errors: expected 'mark', 'drop' or 'raise', got {errors!r}")
    mode = _decode_mode(fast_decode)
    n_threads = _threads(threads)
    items = _sources(inputs)
    if not items:
        raise ValueError("inputs: expected at least one image, got an empty sequence")
    if names is not None and len(names) != len(items):
        raise ValueError(f"names: expected {len(items)} (one per input), got {len(names)}")
    sources = []
    labels = []
    for i, item in enumerate(items):
        kind, obj = _source(item)
        label = str(names[i]) if names is not None else (obj if kind == "path" else f"inputs[{i}]")
        if kind == "invalid":
            obj = f"{label}: {obj}"
        sources.append((kind, obj))
        labels.append(label)
    array, bfloat16, rows, failures = _pixfuse._preprocess(recipe, sources, labels, n_threads,
                                                         errors == "mark", mode, bool(region_decode))
    ok = np.ones(len(items), dtype=bool)
    errs: List[Optional[ImageError]] = [None] * len(items)
    for index, source, stage, message in failures:
        ok[index] = False
        errs[index] = ImageError(index, source, stage, message)
    batch = Batch(array, ok, errs, np.asarray(rows, dtype=np.int64), bfloat16)
    if errors == "raise" and failures:
        lines = "\n".join(f"  {e.message}" for e in errs if e is not None)
        err = Error(f"{len(failures)} of {len(items)} images failed:\n{lines}")
        err.errors = [e for e in errs if e is not None]  # type: ignore[attr-defined]
        raise err
    return batch


def preprocess(inputs: Union[Sequence[Input], np.ndarray], recipe: Recipe, *, threads: Optional[int] = None,
               errors: str = "mark", fast_decode: Union[bool, str] = False, region_decode: bool = True) -> Batch:
    """Run ``recipe`` on every input, into one tensor; one call, the GIL released throughout.

    inputs: paths (str / os.PathLike), encoded images (bytes, bytearray, memoryview, 1-D uint8
    arrays: JPEG, PNG, BMP, TGA, GIF), decoded (H, W, C) or (H, W) uint8 / float32 arrays
    (read, not copied; rows may be strided), or one (N, H, W, C) array. Encoded images are
    decoded as Pillow decodes them and their EXIF orientation applied.

    threads: the pool's size; None uses the CPUs this process may run on. The pool and the
    recipe's plan cache are made on first use in each process (forked workers make their own).

    errors: what a failed input does: "mark" (default) zeroes its row; "drop" leaves it out
    (``batch.index`` maps rows to inputs); "raise" raises one pixfuse.Error listing every
    failure, after the whole batch ran. ``batch.errors`` says why each failed. The output shape
    comes from the first input that lowers; when none does, the array holds no values (shape
    (N, 0, 0, 0) with "mark", 0 rows with "drop").

    fast_decode: how JPEGs are decoded, as pixfuse-prep's --fast-decode: False (default) decodes
    them whole, Pillow's pixels; True at 1/2, 1/4 or 1/8 by DCT scaling when the recipe still
    shrinks at least 2x after it; "pil" at the scale Pillow's draft() picks, so the tensor is the
    one of Pillow's fast path (``im.draft("RGB", size)`` with ``size`` what the recipe's resize
    makes of the stored size, then the transform). Both change the pixels, so they are opt-in.
    ("exact" and "fast", the names pixfuse-prep's summary line gives, are taken too.)

    region_decode: decode only the part of a JPEG the recipe reads (a crop's iMCU rows and
    columns; libjpeg-turbo). The tensor is the same either way, so it is on by default;
    False (pixfuse-prep's --no-region-decode) decodes whole images.

    Raises TypeError / ValueError (pixfuse.Error is a ValueError) naming the argument for bad
    arguments: inputs that are not a sequence or are empty, a recipe that is not a Recipe, an
    unknown errors or fast_decode mode, threads < 1. A bad image is never an exception (except with "raise").
    """
    return _run(inputs, recipe, threads, errors, fast_decode, region_decode=region_decode)


def decode(data: Union[PathLike, bytes, bytearray, memoryview, np.ndarray], *, exif: bool = True) -> np.ndarray:
    """Decode one image (a path or encoded bytes) to an (H, W, C) uint8 array: the pixels Pillow
    gives (libjpeg-turbo builds), gray as C = 1, RGBA as 4, upright when ``exif`` (the EXIF
    orientation applied, as ImageOps.exif_transpose). Raises pixfuse.Error naming the input."""
    if isinstance(data, (str, os.PathLike)):
        return _pixfuse._decode_file(os.fsdecode(data), bool(exif))
    if isinstance(data, (bytes, bytearray, memoryview)):
        return _pixfuse._decode_bytes(np.frombuffer(data, dtype=np.uint8), "data", bool(exif))
    if isinstance(data, np.ndarray) and data.ndim == 1 and data.dtype == np.uint8:
        return _pixfuse._decode_bytes(np.ascontiguousarray(data), "data", bool(exif))
    raise TypeError(f"data: expected a path or encoded bytes, got {type(data).__name__}")
