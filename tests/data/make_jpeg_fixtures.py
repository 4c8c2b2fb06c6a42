#!/usr/bin/env python3
"""Generate the JPEG fixtures of the region-decode and draft tests under tests/data/jpeg/.

    /usr/bin/python3 tests/data/make_jpeg_fixtures.py

Needs Pillow (Debian python3-pil 9.4, decoding with the system libjpeg-turbo 2.1.5) and
libjpeg-turbo's cjpeg / jpegtran (Debian libjpeg-turbo-progs) for the encodings Pillow
cannot write: 4:4:0 and 4:1:1 sampling, restart markers, arithmetic coding and a
progressive scan script that leaves coefficients incomplete (libjpeg then smooths blocks).
Deterministic: the same tools write the same bytes.

Written (every image has an odd size, so no iMCU grid lines up with its edges):

  layout_*.jpg              one image per encoding the region decoder must handle, and
  layout_*.pil.npy          Pillow's pixels for it: Image.open(f).convert("RGB" or "L")
  orient{1..8}.jpg          one 4:2:0 photo-like image stored with each EXIF orientation
  orient{N}.exact.npy       Pillow + torchvision's ImageNet-style transform on it, u8 HWC:
                            ImageOps.exif_transpose(im.convert("RGB")), Resize(24) (shorter
                            side 24, BILINEAR, long side int(24 * long / short)),
                            CenterCrop(20)
  orient{N}.draft.npy       the same after im.draft("RGB", (W, H)) on the opened file, (W, H)
                            = Resize(24)'s size for the stored size: Pillow's fast path
  orient{N}.window.npy      exif_transpose, then crop((31, 17, 31 + 61, 17 + 73)) and
                            resize((40, 30), BILINEAR): a crop before the resize, off centre

torchvision runs Pillow's own resize and crop on a PIL image (transforms.functional_pil):
the calls below are the ones it makes, so torchvision itself is not needed; the
normalisation after them is plain float arithmetic, tested by the recipe fixtures.
"""
from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

OUT = Path(__file__).resolve().parent / "jpeg"
SHORTER, CROP = 24, 20
WINDOW = (31, 17, 31 + 61, 17 + 73)  # inside the image in both orientations
WINDOW_SIZE = (40, 30)


def pattern(w: int, h: int, seed: int) -> np.ndarray:
    """Gradients, a few edges and noise in every channel: chroma worth upsampling."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    r = x * 255 / (w - 1)
    g = y * 255 / (h - 1)
    b = 128 + 100 * np.sin(x / 5.0) * np.cos(y / 7.0)
    a = np.stack([r, g, b], axis=-1)
    a[(x // 9 + y // 11) % 2 == 0] *= 0.6  # hard edges
    a += rng.normal(0, 12, a.shape)
    return np.clip(a, 0, 255).astype(np.uint8)


def save_npy(name: str, a: np.ndarray) -> None:
    np.save(OUT / name, np.ascontiguousarray(a))


def pillow_pixels(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("L" if im.mode == "L" else "RGB"))


def cjpeg(src: Image.Image, out: str, *args: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ppm = Path(tmp) / "in.ppm"
        src.save(ppm)
        subprocess.run(["cjpeg", "-quality", "90", *args, "-outfile", str(OUT / out), str(ppm)], check=True)


def with_orientation(jpeg: bytes, orientation: int) -> bytes:
    """The JPEG with an APP1 Exif segment holding only IFD0's orientation tag."""
    tiff = b"MM\x00\x2a\x00\x00\x00\x08" + b"\x00\x01" + b"\x01\x12\x00\x03\x00\x00\x00\x01"
    tiff += orientation.to_bytes(2, "big") + b"\x00\x00" + b"\x00\x00\x00\x00"
    payload = b"Exif\x00\x00" + tiff
    segment = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    return jpeg[:2] + segment + jpeg[2:]


def resized_size(w: int, h: int) -> tuple[int, int]:
    # torchvision Resize(int) on a PIL image: shorter side to SHORTER, the other int(...).
    return (SHORTER, int(SHORTER * h / w)) if w <= h else (int(SHORTER * w / h), SHORTER)


def center_crop(im: Image.Image) -> Image.Image:
    # torchvision CenterCrop: offsets int(round((size - crop) / 2.0)).
    w, h = im.size
    left, top = int(round((w - CROP) / 2.0)), int(round((h - CROP) / 2.0))
    return im.crop((left, top, left + CROP, top + CROP))


def imagenet_like(path: Path, draft: bool) -> np.ndarray:
    with Image.open(path) as im:
        if draft:
            im.draft("RGB", resized_size(*im.size))  # the stored size, before exif_transpose
        im = ImageOps.exif_transpose(im.convert("RGB"))
        im = im.resize(resized_size(*im.size), Image.BILINEAR)
        return np.asarray(center_crop(im))


def window(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im.convert("RGB"))
        return np.asarray(im.crop(WINDOW).resize(WINDOW_SIZE, Image.BILINEAR))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    rgb = Image.fromarray(pattern(61, 43, 1))
    layouts = {
        "444": lambda n: rgb.save(OUT / n, quality=90, subsampling=0),
        "422": lambda n: rgb.save(OUT / n, quality=90, subsampling=1),
        "420": lambda n: rgb.save(OUT / n, quality=90, subsampling=2),
        "440": lambda n: cjpeg(rgb, n, "-sample", "1x2"),
        "411": lambda n: cjpeg(rgb, n, "-sample", "4x1"),
        "gray": lambda n: rgb.convert("L").save(OUT / n, quality=90),
        "cmyk": lambda n: rgb.convert("CMYK").save(OUT / n, quality=90),
        "progressive": lambda n: rgb.save(OUT / n, quality=90, subsampling=2, progressive=True),
        "progressive_422": lambda n: rgb.save(OUT / n, quality=90, subsampling=1, progressive=True),
        "restart": lambda n: cjpeg(rgb, n, "-sample", "2x2", "-restart", "1"),
        "restart_blocks": lambda n: cjpeg(rgb, n, "-sample", "2x1", "-restart", "5B"),
        "arithmetic": lambda n: cjpeg(rgb, n, "-sample", "2x2", "-arithmetic"),
    }
    for key, write in layouts.items():
        write(f"layout_{key}.jpg")
    # Progressive with the AC coefficients left at reduced precision: libjpeg smooths
    # blocks with their neighbours (the region decoder must then decode everything).
    with tempfile.TemporaryDirectory() as tmp:
        scans = Path(tmp) / "scans.txt"
        scans.write_text("0,1,2: 0 0 0 1;\n0: 1 5 0 2;\n1: 1 5 0 1;\n2: 1 5 0 1;\n0: 6 63 0 1;\n")
        cjpeg(rgb, "layout_progressive_incomplete.jpg", "-sample", "2x2", "-scans", str(scans))
    big = Image.fromarray(pattern(131, 97, 2))
    for f in sorted(OUT.glob("layout_*.jpg")):
        save_npy(f.stem + ".pil.npy", pillow_pixels(f))

    buf = io.BytesIO()
    big.save(buf, "JPEG", quality=90, subsampling=2)
    for o in range(1, 9):
        f = OUT / f"orient{o}.jpg"
        f.write_bytes(with_orientation(buf.getvalue(), o))
        with Image.open(f) as im:
            assert im.getexif().get(0x0112) == o
        save_npy(f"orient{o}.exact.npy", imagenet_like(f, draft=False))
        save_npy(f"orient{o}.draft.npy", imagenet_like(f, draft=True))
        save_npy(f"orient{o}.window.npy", window(f))
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"{len(list(OUT.iterdir()))} files, {total / 1024:.0f} KiB in {OUT}")


if __name__ == "__main__":
    main()
