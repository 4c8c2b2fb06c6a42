#!/usr/bin/env python3
"""Generate the small decode fixtures under tests/data/bad/ with Pillow (Debian python3-pil 9.4).

    /opt/pfx-venv/bin/python tests/data/make_bad_inputs.py

The images are the awkward inputs pixfuse-prep must handle (CMYK and progressive JPEG,
16-bit / palette / gray / RGBA PNG, extreme aspect ratios, EXIF orientation) and the
decompression bombs (headers that declare huge images). Next to each JPEG, NAME.pil.npy
holds Pillow's decoded pixels (Image.open(...).convert("RGB") or "L"), the reference the
libjpeg-turbo decoder is tested against: Pillow reads JPEG with libjpeg-turbo using its
defaults (islow IDCT, fancy upsampling), so the pixels must be equal. Deterministic: the
same Pillow writes the same bytes.
"""
from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

OUT = Path(__file__).resolve().parent / "bad"


def pattern(w: int, h: int, c: int, seed: int, noise: float = 6.0) -> np.ndarray:
    """Smooth gradients plus a little noise: realistic for JPEG, small once compressed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    chans = [(x * 255 / max(w - 1, 1)), (y * 255 / max(h - 1, 1)), ((x + y) * 127 / max(w + h - 2, 1)),
             np.full((h, w), 200.0)]
    a = np.stack(chans[:c], axis=-1) + rng.normal(0, noise, (h, w, c))
    return np.clip(a, 0, 255).astype(np.uint8)


def save_npy(name: str, a: np.ndarray) -> None:
    np.save(OUT / name, np.ascontiguousarray(a))


def jpeg(name: str, img: Image.Image, **kw) -> None:
    img.save(OUT / name, "JPEG", quality=85, **kw)
    with Image.open(OUT / name) as back:
        ref = back.convert("L" if back.mode == "L" else "RGB")
        save_npy(name.rsplit(".", 1)[0] + ".pil.npy", np.asarray(ref))


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    rgb = Image.fromarray(pattern(37, 29, 3, 1))  # odd size: 4:2:0 edge handling
    jpeg("rgb420.jpg", rgb)  # Pillow's default subsampling at quality 85 is 4:2:0
    jpeg("rgb444.jpg", rgb, subsampling=0)
    jpeg("progressive.jpg", Image.fromarray(pattern(48, 32, 3, 2)), progressive=True)
    jpeg("gray.jpg", Image.fromarray(pattern(30, 20, 1, 3)[..., 0], "L"))
    # CMYK: Pillow writes Adobe-inverted CMYK (with the APP14 Adobe marker) and converts
    # back to RGB on convert("RGB").
    jpeg("cmyk.jpg", Image.fromarray(pattern(24, 16, 4, 4), "CMYK"))

    # Reduced-size decodes: Pillow's draft() picks DCT scale 1/2 and 1/4 for these
    # requests (it does not switch to the fast IDCT: draft flag 0), as --fast-decode does.
    Image.fromarray(pattern(64, 48, 3, 14)).save(OUT / "draft.jpg", "JPEG", quality=90)
    for r in (2, 4, 8):
        with Image.open(OUT / "draft.jpg") as im:
            im.draft("RGB", (64 // r, 48 // r))
            save_npy(f"draft.r{r}.pil.npy", np.asarray(im.convert("RGB")))

    # EXIF orientation 6 (rotate 90 clockwise to view): stored 40x24, upright 24x40.
    ex = Image.Exif()
    ex[0x0112] = 6
    Image.fromarray(pattern(40, 24, 3, 5)).save(OUT / "exif6.jpg", "JPEG", quality=90, exif=ex.tobytes())
    with Image.open(OUT / "exif6.jpg") as back:
        save_npy("exif6.pil.npy", np.asarray(back.convert("RGB")))  # stored orientation

    # PNG variants.
    Image.fromarray(pattern(1, 1, 3, 6)).save(OUT / "tiny_1x1.png")
    Image.fromarray(pattern(4000, 3, 3, 7, noise=0)).save(OUT / "wide_4000x3.png")  # no noise: tiny PNGs
    Image.fromarray(pattern(3, 4000, 3, 8, noise=0)).save(OUT / "tall_3x4000.png")
    Image.fromarray(pattern(20, 12, 1, 9)[..., 0], "L").save(OUT / "gray.png")
    Image.fromarray(pattern(20, 12, 4, 10), "RGBA").save(OUT / "rgba.png")
    Image.fromarray(pattern(20, 12, 3, 11)).convert("P", palette=Image.ADAPTIVE, colors=16).save(OUT / "palette.png")
    for name, mode in (("gray.png", "L"), ("rgba.png", "RGBA"), ("palette.png", "RGB")):
        with Image.open(OUT / name) as im:
            save_npy(name.rsplit(".", 1)[0] + "_png.pil.npy", np.asarray(im.convert(mode)))
    # 16-bit RGB: Pillow itself cannot write it; build it by hand (values v * 257 + 1).
    px = pattern(16, 10, 3, 12).astype(np.uint16) * 257 + 1
    raw = b"".join(b"\x00" + px[r].astype(">u2").tobytes() for r in range(px.shape[0]))
    (OUT / "rgb16.png").write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 10, 16, 2, 0, 0, 0))
                                    + png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b""))
    save_npy("rgb16.u16.npy", px.astype("<u2"))
    with Image.open(OUT / "rgb16.png") as im:  # Pillow reads 16-bit RGB as 8-bit: the high byte
        assert im.mode == "RGB" and (np.asarray(im) == px >> 8).all()
        save_npy("rgb16_png.pil.npy", np.asarray(im))

    # Decompression bombs: valid headers declaring huge images, almost no data.
    # PNG: IHDR 100000 x 100000 RGB, a tiny IDAT.
    (OUT / "bomb.png").write_bytes(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0))
                                   + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b""))
    # JPEG: a real 8x8 JPEG whose SOF0 says 65000 x 60000.
    buf = io.BytesIO()
    Image.fromarray(pattern(8, 8, 3, 13)).save(buf, "JPEG", quality=50)
    b = bytearray(buf.getvalue())
    sof = b.find(b"\xff\xc0")
    struct.pack_into(">HH", b, sof + 5, 60000, 65000)  # height, width
    (OUT / "bomb.jpg").write_bytes(bytes(b))


if __name__ == "__main__":
    main()
