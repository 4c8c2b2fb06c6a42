"""pixfuse.preprocess: bit-exact against Pillow + torchvision through every input kind, the error
modes, bad inputs of every kind, zero-copy in and out."""

from __future__ import annotations

import pathlib
import tracemalloc

import numpy as np
import pytest

import pixfuse
from conftest import REPO, assert_bit_exact
from pixfuse import stages as S


def stacked(expected, photos, preset="imagenet"):
    return np.stack([expected[f"{preset}/{p.name}"] for p in photos])


def check_batch(batch, wanted, what):
    assert isinstance(batch, pixfuse.Batch)
    assert batch.ok.dtype == np.bool_ and batch.ok.all(), [e for e in batch.errors if e]
    assert batch.errors == [None] * len(wanted)
    assert batch.index.tolist() == list(range(len(wanted)))
    assert_bit_exact(batch.array, wanted, what)


# --- every input kind, bit-exact -------------------------------------------------------------

def test_paths(photos, expected, imagenet):
    check_batch(pixfuse.preprocess([str(p) for p in photos], imagenet), stacked(expected, photos), "str paths")


def test_pathlike(photos, expected, imagenet):
    check_batch(pixfuse.preprocess([pathlib.Path(p) for p in photos], imagenet), stacked(expected, photos), "Paths")


@pytest.mark.parametrize("kind", ["bytes", "bytearray", "memoryview", "uint8 array", "read-only uint8 array"])
def test_encoded(photos, expected, imagenet, kind):
    raw = [p.read_bytes() for p in photos]
    make = {"bytes": bytes, "bytearray": bytearray, "memoryview": memoryview,
            "uint8 array": lambda b: np.frombuffer(bytearray(b), dtype=np.uint8),
            "read-only uint8 array": lambda b: np.frombuffer(b, dtype=np.uint8)}[kind]
    check_batch(pixfuse.preprocess([make(b) for b in raw], imagenet), stacked(expected, photos), kind)


def test_decoded_arrays(photos, expected, imagenet):
    # pixfuse.decode gives Pillow's pixels (test_decode.py), so arrays must give the same tensors.
    arrays = [pixfuse.decode(p) for p in photos]
    check_batch(pixfuse.preprocess(arrays, imagenet), stacked(expected, photos), "decoded arrays")


def test_float32_arrays(photos, expected):
    # float32 pixels 0..255 with compat="pil" resize as Pillow's mode F: the recipe on floats is
    # not the uint8 path, so only the shape and the closeness are asserted here.
    a = pixfuse.decode(photos[2]).astype(np.float32)
    out = pixfuse.preprocess([a], pixfuse.presets.imagenet()).array[0]
    ref = expected[f"imagenet/{photos[2].name}"]
    assert out.shape == ref.shape and np.abs(out - ref).max() < 0.05


def test_one_nhwc_array(photos, expected, imagenet):
    image = pixfuse.decode(photos[0])
    batch = np.stack([image, image[:, ::-1]])  # the second one mirrored: a different image
    out = pixfuse.preprocess(batch, imagenet)
    assert out.array.shape == (2, 3, 224, 224)
    assert_bit_exact(out.array[0], expected[f"imagenet/{photos[0].name}"], "first slice of an NHWC array")
    mirrored = pixfuse.preprocess([np.ascontiguousarray(image[:, ::-1])], imagenet).array[0]
    assert_bit_exact(out.array[1], mirrored, "second slice")


def test_mixed_kinds_one_call(photos, expected, imagenet):
    inputs = [str(photos[0]), photos[1].read_bytes(), pixfuse.decode(photos[2]), pathlib.Path(photos[3]),
              memoryview(photos[4].read_bytes())]
    check_batch(pixfuse.preprocess(inputs, imagenet, threads=2), stacked(expected, photos), "mixed kinds")


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_thread_counts_agree(photos, expected, imagenet, threads):
    check_batch(pixfuse.preprocess([str(p) for p in photos], imagenet, threads=threads),
                stacked(expected, photos), f"threads={threads}")


def test_clip_and_yolo_presets(photos, expected):
    clip_photos = [p for p in photos if f"clip/{p.name}" in expected]
    check_batch(pixfuse.preprocess(clip_photos, pixfuse.presets.clip()), stacked(expected, clip_photos, "clip"), "clip")
    yolo_photos = [p for p in photos if f"yolo160/{p.name}" in expected]
    check_batch(pixfuse.preprocess(yolo_photos, pixfuse.presets.yolo(160)), stacked(expected, yolo_photos, "yolo160"),
                "yolo(160)")


def test_output_dtypes_and_layouts(photos):
    f32 = pixfuse.preprocess([photos[2]], pixfuse.presets.imagenet()).array
    nhwc = pixfuse.preprocess([photos[2]], pixfuse.presets.imagenet(layout="nhwc")).array
    assert nhwc.shape == (1, 224, 224, 3) and np.array_equal(nhwc.transpose(0, 3, 1, 2), f32)
    f16 = pixfuse.preprocess([photos[2]], pixfuse.presets.imagenet(dtype=np.float16)).array
    assert f16.dtype == np.float16 and np.array_equal(f16, f32.astype(np.float16))
    u8 = pixfuse.preprocess([photos[2]], pixfuse.Recipe([pixfuse.stages.resize(64, 48), pixfuse.stages.cast("uint8")]))
    assert u8.array.dtype == np.uint8 and u8.array.shape == (1, 3, 48, 64)


# --- the output: owned, aligned, no copy -----------------------------------------------------

def test_output_owns_the_cpp_buffer(photos, imagenet):
    batch = pixfuse.preprocess([photos[0], photos[1]], imagenet)
    a = batch.array
    assert a.ctypes.data % 64 == 0, "64-byte aligned"
    assert not a.flags.owndata and a.base is not None, "a view of the C++ buffer, not a numpy copy"
    assert a.flags.c_contiguous and a.flags.writeable
    pointer = a.ctypes.data
    del batch  # the array keeps the buffer alive
    a += 0
    assert a.ctypes.data == pointer and np.isfinite(a).all()


def test_inputs_are_not_copied(photos, imagenet):
    # A row-strided crop of a larger array and a read-only array go to the kernels as views: no
    # numpy allocation anywhere near an input's size happens on the Python side.
    big = np.zeros((1200, 1400, 3), np.uint8)
    big[100:1100, 200:1300] = 77
    crop = big[100:1100, 200:1300]  # rows strided by 1400 * 3
    readonly = np.frombuffer(np.full((900, 800, 3), 33, np.uint8).tobytes(), np.uint8).reshape(900, 800, 3)
    assert not crop.flags.c_contiguous and not readonly.flags.writeable
    pixfuse.preprocess([crop, readonly], imagenet)  # warm: pool and plans
    tracemalloc.start()
    try:
        out = pixfuse.preprocess([crop, readonly], imagenet)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 200_000, f"{peak} bytes traced: an input was copied"
    assert out.ok.all()
    ref = pixfuse.preprocess([np.ascontiguousarray(crop), readonly.copy()], imagenet)
    assert_bit_exact(out.array, ref.array, "views vs copies")


def test_column_strided_and_reversed_arrays_are_read_correctly(photos, imagenet):
    image = pixfuse.decode(photos[2])
    views = [image[:, ::2], image[::-1], np.asfortranarray(image)]
    out = pixfuse.preprocess(views, imagenet)
    ref = pixfuse.preprocess([np.ascontiguousarray(v) for v in views], imagenet)
    assert out.ok.all()
    assert_bit_exact(out.array, ref.array, "copied views")


# --- errors: mark, drop, raise ---------------------------------------------------------------

def corrupt_inputs(photos):
    return [str(photos[0]), b"not an image", str(photos[1]), "/nonexistent/cat.jpg", photos[2].read_bytes()[:500]]


def test_mark_zeroes_failed_rows(photos, expected, imagenet):
    batch = pixfuse.preprocess(corrupt_inputs(photos), imagenet)
    assert batch.array.shape == (5, 3, 224, 224)
    assert batch.ok.tolist() == [True, False, True, False, False]
    assert batch.index.tolist() == [0, 1, 2, 3, 4]
    assert_bit_exact(batch.array[0], expected[f"imagenet/{photos[0].name}"], "row 0")
    assert_bit_exact(batch.array[2], expected[f"imagenet/{photos[1].name}"], "row 2")
    for row in (1, 3, 4):
        assert not batch.array[row].any(), f"failed row {row} is zeros"
    e1, e3, e4 = batch.errors[1], batch.errors[3], batch.errors[4]
    assert isinstance(e1, pixfuse.ImageError) and isinstance(e1, pixfuse.Error)
    assert (e1.index, e1.source) == (1, "inputs[1]") and "inputs[1]" in e1.message
    assert e1.stage in ("header", "decode")
    assert e3.source == "/nonexistent/cat.jpg" and e3.stage == "read" and "/nonexistent/cat.jpg" in e3.message
    assert e4.index == 4 and e4.stage in ("header", "decode") and "inputs[4]" in str(e4)


def test_drop_leaves_failed_rows_out(photos, expected, imagenet):
    batch = pixfuse.preprocess(corrupt_inputs(photos), imagenet, errors="drop")
    assert batch.array.shape == (2, 3, 224, 224) and len(batch) == 2
    assert batch.index.tolist() == [0, 2]
    assert batch.ok.tolist() == [True, False, True, False, False]
    assert_bit_exact(batch.array, stacked(expected, photos[:2]), "kept rows")
    assert batch.array.ctypes.data % 64 == 0


def test_raise_lists_every_failure(photos, imagenet):
    with pytest.raises(pixfuse.Error) as info:
        pixfuse.preprocess(corrupt_inputs(photos), imagenet, errors="raise")
    err = info.value
    assert "3 of 5 images failed" in str(err)
    assert [e.index for e in err.errors] == [1, 3, 4]
    for needle in ("inputs[1]", "/nonexistent/cat.jpg", "inputs[4]"):
        assert needle in str(err)
    ok = pixfuse.preprocess([photos[0]], imagenet, errors="raise")
    assert ok.ok.all()


def test_every_input_failing_gives_an_empty_batch(imagenet):
    # No image gave an output shape: "mark" keeps a row per input, of no values; "drop" none.
    mark = pixfuse.preprocess([b"x", b"y"], imagenet)
    assert mark.ok.tolist() == [False, False] and mark.array.shape == (2, 0, 0, 0) and mark.index.tolist() == [0, 1]
    drop = pixfuse.preprocess([b"x", b"y"], imagenet, errors="drop")
    assert len(drop) == 0 and drop.index.tolist() == [] and [e.index for e in drop.errors] == [0, 1]


@pytest.mark.parametrize("bad, why", [
    (np.zeros((10, 10, 3), np.int64), "dtype int64"),
    (np.zeros((10, 10, 3), np.float64), "dtype float64"),
    (np.zeros((2, 2, 2, 3), np.uint8), "4 dimensions"),
    (np.zeros((10, 10, 2), np.uint8), "got 2"),
    (np.zeros((0, 10, 3), np.uint8), "inputs[1]"),
    (np.zeros(5, np.float32), "1-D uint8"),
    (12345, "got int"),
    (None, "got NoneType"),
])
def test_bad_items_are_marked_with_a_reason(photos, imagenet, bad, why):
    batch = pixfuse.preprocess([photos[0], bad, photos[1]], imagenet)
    assert batch.ok.tolist() == [True, False, True]
    e = batch.errors[1]
    assert e.source == "inputs[1]" and e.stage in ("input", "plan", "run"), e
    assert why in e.message and "inputs[1]" in e.message, e.message
    assert not batch.array[1].any()


def test_mismatched_output_shapes_are_marked(photos):
    # No crop: the output size follows each image, so images of another size fail (stage shape).
    recipe = pixfuse.Recipe([pixfuse.stages.resize_shorter(64)])
    same = pixfuse.decode(photos[0])  # 512 x 512 -> 64 x 64
    other = pixfuse.decode(photos[2])  # 451 x 300 -> 96 x 64
    batch = pixfuse.preprocess([same, other, same], recipe)
    assert batch.ok.tolist() == [True, False, True]
    assert batch.array.shape == (3, 3, 64, 64)
    assert "inputs[1]" in batch.errors[1].message


@pytest.mark.parametrize("call, exc, needle", [
    (lambda r: pixfuse.preprocess([], r), ValueError, "inputs: expected at least one image"),
    (lambda r: pixfuse.preprocess("cat.jpg", r), TypeError, "inputs: expected a sequence"),
    (lambda r: pixfuse.preprocess(b"\xff\xd8", r), TypeError, "inputs"),
    (lambda r: pixfuse.preprocess(42, r), TypeError, "inputs: expected a sequence of images, got int"),
    (lambda r: pixfuse.preprocess(np.zeros((4, 4, 3), np.uint8), r), ValueError, "inputs: expected one (N, H, W, C)"),
    (lambda r: pixfuse.preprocess([b"x"], "imagenet"), TypeError, "recipe: expected a pixfuse.Recipe"),
    (lambda r: pixfuse.preprocess([b"x"], r, errors="ignore"), ValueError, "errors: expected 'mark', 'drop' or 'raise'"),
    (lambda r: pixfuse.preprocess([b"x"], r, threads=0), ValueError, "threads: expected None or an integer >= 1"),
    (lambda r: pixfuse.preprocess([b"x"], r, threads=2.5), ValueError, "threads"),
    (lambda r: pixfuse.preprocess([b"x"], r, fast_decode="draft"), ValueError,
     "fast_decode: expected False, True or 'pil', got 'draft'"),
    (lambda r: pixfuse.preprocess([b"x"], r, fast_decode=2), ValueError, "fast_decode"),
])
def test_bad_arguments_raise_naming_the_argument(imagenet, call, exc, needle):
    with pytest.raises(exc) as info:
        call(imagenet)
    assert needle in str(info.value)


def test_bad_input_corpus_never_crashes(bad_dir, imagenet):
    files = sorted(p for p in bad_dir.iterdir() if p.suffix in (".jpg", ".png"))
    batch = pixfuse.preprocess(files + [p.read_bytes() for p in files], imagenet, errors="mark")
    assert len(batch.errors) == 2 * len(files)
    for e in batch.errors:
        if e is not None:
            assert e.message and e.stage and (e.source in e.message or e.source.startswith("inputs["))
    bombs = [e for e in batch.errors if e is not None and "bomb" in e.source]
    assert bombs and all(e.stage in ("limit", "header", "decode") for e in bombs)


@pytest.mark.parametrize("size, reduction", [((16, 12), 2), ((8, 6), 4)])
def test_fast_decode_is_pillow_draft(bad_dir, size, reduction):
    # fast_decode: the JPEG decoded at 1/r by DCT scaling when the recipe still shrinks >= 2x
    # after it; the pixels are Pillow's draft() pixels at that r (tests/data/bad/draft.rN.pil.npy).
    if "libjpeg-turbo" not in pixfuse.decoders():
        pytest.skip("DCT scaling needs libjpeg-turbo")
    recipe = pixfuse.Recipe([pixfuse.stages.resize(*size), pixfuse.stages.cast("float32")])
    fast = pixfuse.preprocess([bad_dir / "draft.jpg"], recipe, fast_decode=True).array
    drafted = np.load(bad_dir / f"draft.r{reduction}.pil.npy")
    assert_bit_exact(fast, pixfuse.preprocess([drafted], recipe).array, f"fast decode at 1/{reduction}")
    exact = pixfuse.preprocess([bad_dir / "draft.jpg"], recipe).array
    assert not np.array_equal(fast, exact), "exact decoding is the default"


JPEG = REPO / "tests" / "data" / "jpeg"


@pytest.mark.parametrize("fast_decode, region_decode, fixture", [
    (False, True, "exact"), (False, False, "exact"), ("pil", True, "draft"), ("pil", False, "draft")])
def test_pillow_fast_path_under_every_orientation(fast_decode, region_decode, fixture):
    # tests/data/jpeg/orient1..8.jpg (131x97, 4:2:0, EXIF orientation 1..8) and Pillow's
    # tensors for them (tests/data/make_jpeg_fixtures.py): exif_transpose, Resize(24),
    # CenterCrop(20) as u8 HWC; "draft" after im.draft("RGB", Resize(24)'s size of the stored
    # size) first: fast_decode="pil" is that fast path bit for bit (Pillow takes 1/4 here), and
    # region decoding changes no value.
    if "libjpeg-turbo" not in pixfuse.decoders():
        pytest.skip("Pillow's pixels and DCT scaling need libjpeg-turbo")
    recipe = pixfuse.Recipe([S.to_rgb(), S.resize_shorter(24, filter="bilinear", compat="pil"), S.center_crop(20),
                             S.nhwc(), S.cast("uint8")])
    files = [JPEG / f"orient{o}.jpg" for o in range(1, 9)]
    wanted = np.stack([np.load(JPEG / f"orient{o}.{fixture}.npy") for o in range(1, 9)])
    for inputs in (files, [f.read_bytes() for f in files]):
        batch = pixfuse.preprocess(inputs, recipe, fast_decode=fast_decode, region_decode=region_decode, threads=2)
        assert batch.ok.all(), batch.errors
        assert_bit_exact(batch.array, wanted, f"fast_decode={fast_decode!r} region_decode={region_decode}")
    if fast_decode == "pil":
        exact = pixfuse.preprocess(files, recipe).array
        assert not np.array_equal(exact, wanted), "exact decoding is the default"
