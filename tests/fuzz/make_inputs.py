#!/usr/bin/env python3
"""Write the fuzz harnesses' seed corpora and the regression inputs of past findings.

    /usr/bin/python3 tests/fuzz/make_inputs.py        (Debian python3-pil, python3-numpy)

corpus/<harness>/: small valid inputs the fuzzers start from (every format and variant the
decoders have: baseline, progressive, gray and CMYK JPEG; 8/16-bit, gray, palette, alpha PNG;
GIF; 1/8/24/32-bit BMP; uncompressed and run-length TGA; .npy of each dtype and rank; EXIF in
JPEG, PNG and bare TIFF; byte strings for the plan harness).

regressions/decode/: one file per decoder finding of the hostile-input review, built from a
valid file by the smallest change that triggers it (what each is for is in its name and in
tests/io/hostile_decode_test.cpp, which checks the outcome of each).

Deterministic: the same Pillow and NumPy write the same bytes.
"""
from __future__ import annotations

import io
import random
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent


def pattern(w: int, h: int, c: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    chans = [x * 255 / max(w - 1, 1), y * 255 / max(h - 1, 1), (x + y) * 127 / max(w + h - 2, 1), np.full((h, w), 200.0)]
    a = np.stack(chans[:c], axis=-1) + rng.normal(0, 8, (h, w, c))
    return np.clip(a, 0, 255).astype(np.uint8)


def encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write(folder: str, name: str, data: bytes) -> None:
    d = HERE / folder
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def jpeg_segments(data: bytes):
    """(marker, start, end) of each segment before the first SOS (start at the FF)."""
    at = 2
    while at + 4 <= len(data):
        marker = data[at + 1]
        length = struct.unpack(">H", data[at + 2:at + 4])[0]
        yield marker, at, at + 2 + length
        if marker == 0xDA:
            return
        at += 2 + length


def refinement_scans_only(data: bytes) -> bytes:
    """A progressive JPEG with its first scans left out: every segment but the SOS
    segments (with their entropy-coded data) whose Ah is 0."""
    out, at = bytearray(data[:2]), 2
    while at + 4 <= len(data):
        marker = data[at + 1]
        if marker == 0xD9:  # EOI
            break
        end = at + 2 + struct.unpack(">H", data[at + 2:at + 4])[0]
        if marker == 0xDA:  # the scan's data runs to the next marker (FF 00: a stuffed FF; RSTn)
            while not (data[end] == 0xFF and data[end + 1] != 0 and not 0xD0 <= data[end + 1] <= 0xD7):
                end += 1
            ns = data[at + 4]
            if data[at + 7 + 2 * ns] >> 4 == 0:  # Ah = 0: a first scan
                at = end
                continue
        out += data[at:end]
        at = end
    return bytes(out + b"\xff\xd9")


def decode_seeds() -> None:
    rgb = Image.fromarray(pattern(13, 9, 3, 1))
    write("corpus/decode", "rgb420.jpg", encode(rgb, "JPEG", quality=80))
    write("corpus/decode", "rgb444.jpg", encode(rgb, "JPEG", quality=80, subsampling=0))
    write("corpus/decode", "progressive.jpg", encode(rgb, "JPEG", quality=80, progressive=True))
    write("corpus/decode", "gray.jpg", encode(Image.fromarray(pattern(9, 7, 1, 2)[..., 0], "L"), "JPEG"))
    write("corpus/decode", "cmyk.jpg", encode(Image.fromarray(pattern(8, 8, 4, 3), "CMYK"), "JPEG"))
    ex = Image.Exif()
    ex[0x0112] = 6
    write("corpus/decode", "exif6.jpg", encode(rgb, "JPEG", quality=70, exif=ex.tobytes()))
    write("corpus/decode", "rgb.png", encode(rgb, "PNG"))
    write("corpus/decode", "rgba.png", encode(Image.fromarray(pattern(7, 5, 4, 4), "RGBA"), "PNG"))
    write("corpus/decode", "gray.png", encode(Image.fromarray(pattern(7, 5, 1, 5)[..., 0], "L"), "PNG"))
    write("corpus/decode", "gray_alpha.png", encode(Image.fromarray(pattern(6, 4, 4, 6)[..., :2], "LA"), "PNG"))
    write("corpus/decode", "palette.png", encode(rgb.quantize(7), "PNG"))
    write("corpus/decode", "palette_trns.png", encode(rgb.quantize(5), "PNG", transparency=2))
    write("corpus/decode", "bits1.png", encode(Image.fromarray(pattern(9, 3, 1, 7)[..., 0] > 128), "PNG"))
    deep = pattern(5, 4, 3, 8).astype(np.uint16) * 257
    write("corpus/decode", "rgb16.png", encode(Image.fromarray(deep[..., 0], "I;16"), "PNG"))
    write("corpus/decode", "static.gif", encode(rgb.quantize(6), "GIF"))
    write("corpus/decode", "transparent.gif", encode(rgb.quantize(6), "GIF", transparency=1))
    write("corpus/decode", "rgb24.bmp", encode(rgb, "BMP"))
    write("corpus/decode", "rgba32.bmp", encode(Image.fromarray(pattern(5, 3, 4, 9), "RGBA"), "BMP"))
    write("corpus/decode", "palette8.bmp", encode(rgb.quantize(9), "BMP"))
    write("corpus/decode", "bits1.bmp", encode(Image.fromarray(pattern(9, 3, 1, 7)[..., 0] > 128), "BMP"))
    write("corpus/decode", "rgb.tga", encode(rgb, "TGA"))
    write("corpus/decode", "rle.tga", encode(rgb, "TGA", compression="tga_rle"))
    write("corpus/decode", "gray.tga", encode(Image.fromarray(pattern(6, 4, 1, 10)[..., 0], "L"), "TGA"))
    write("corpus/decode", "palette.tga", encode(rgb.quantize(4), "TGA"))


def decode_regressions() -> None:
    base = encode(Image.fromarray(pattern(16, 16, 3, 11)), "JPEG", quality=75, subsampling=0)
    segs = list(jpeg_segments(base))

    # stb_image: a Huffman table with 257 codes (Debian's v2.27 writes size[257] past its end).
    dht = next(s for s in segs if s[0] == 0xC4)
    table = bytearray(base[dht[1] + 4:dht[2]])  # Tc/Th, 16 counts, symbols (first table)
    counts = list(table[1:17])
    extra = 257 - sum(counts)
    counts[15] += extra
    new_table = bytes([table[0]]) + bytes(counts) + bytes(table[17:17 + sum(table[1:17])]) + bytes(extra)
    rest = table[17 + sum(table[1:17]):]
    body = new_table + bytes(rest)
    seg = b"\xff\xc4" + struct.pack(">H", len(body) + 2) + body
    write("regressions/decode", "jpeg_dht_257_codes.jpg", base[:dht[1]] + seg + base[dht[2]:])

    # stb_image: a scan using a Huffman table the file never defines (maxcode[18] read).
    sos = next(s for s in segs if s[0] == 0xDA)
    b = bytearray(base)
    b[sos[1] + 5 + 1] = 0x33  # first component: DC table 3, AC table 3
    write("regressions/decode", "jpeg_undefined_huffman_table.jpg", bytes(b))

    # A 16x16 JPEG whose frame header says 65000 x 2700: 175 megapixels (under the
    # default --max-pixels) from 700 bytes, each decode a second of work for nothing.
    sof = next(s for s in segs if s[0] in (0xC0, 0xC1, 0xC2))
    b = bytearray(base)
    b[sof[1] + 5:sof[1] + 9] = struct.pack(">HH", 2700, 65000)
    write("regressions/decode", "jpeg_declares_175_megapixels.jpg", bytes(b))
    png_small = encode(Image.fromarray(pattern(16, 16, 3, 16)), "PNG")
    b = bytearray(png_small)
    b[16:24] = struct.pack(">II", 65000, 2700)
    write("regressions/decode", "png_declares_175_megapixels.png", bytes(b))

    # Fill bytes before the SOI: not a JPEG (libjpeg and Pillow agree); it reached stb's
    # lenient JPEG reader through its try-every-format loader.
    write("regressions/decode", "jpeg_fill_before_soi.jpg", b"\xff\xff" + base)

    # stb_image PNG: an empty IDAT before the data (memcpy(NULL, p, 0)). Valid PNG.
    png = encode(Image.fromarray(pattern(6, 5, 3, 12)), "PNG")
    idat = png.index(b"IDAT") - 4
    write("regressions/decode", "png_empty_first_idat.png", png[:idat] + png_chunk(b"IDAT", b"") + png[idat:])
    # ... and an empty IDAT the file ends inside, before its CRC (a local decode fuzz
    # campaign): stb copies the chunk's data before it reads the CRC.
    write("regressions/decode", "png_empty_idat_without_crc.png", png[:33] + struct.pack(">I", 0) + b"IDAT")

    # A zip bomb: a 64x64 RGB PNG whose image data inflates to 16 MiB (stb_image grows its
    # output for as long as the zlib stream goes on). Refused by the allocation budget.
    ihdr = struct.pack(">IIBBBBB", 64, 64, 8, 2, 0, 0, 0)
    bomb = zlib.compress(bytes(16 << 20), 9)
    write("regressions/decode", "png_zip_bomb.png",
          b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", bomb) + png_chunk(b"IEND", b""))

    # stb_image BMP: height INT_MIN (abs() of it), and a 16777216 x 6 header (~100 bytes).
    bmp = bytearray(encode(Image.fromarray(pattern(4, 3, 3, 13)), "BMP"))
    b = bytearray(bmp)
    b[22:26] = struct.pack("<i", -(2 ** 31))
    write("regressions/decode", "bmp_height_int_min.bmp", bytes(b))
    b = bytearray(bmp)
    b[18:22] = struct.pack("<i", 16777216)
    b[22:26] = struct.pack("<i", 6)
    write("regressions/decode", "bmp_16777216x6.bmp", bytes(b))

    # Unknown bytes were sniffed as TGA, and stb's lenient TGA reader made an image of
    # them: here an 8x8 true-colour header followed by 40 random bytes (of 192), which stb
    # padded with zeros. Without a .tga name it is no format; with one, a truncated TGA.
    rng = random.Random(14)
    junk = bytes([0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 8, 0, 24, 0]) + bytes(rng.randrange(256) for _ in range(40))
    write("regressions/decode", "tga_like_bytes.bin", junk)
    write("regressions/decode", "tga_like_bytes.tga", junk)
    write("regressions/decode", "random_bytes.bin", bytes(rng.randrange(256) for _ in range(300)))

    # stb_image GIF: an LZW code size over 12 fails without a reason ("cannot decode ()").
    gif = bytearray(encode(Image.fromarray(pattern(4, 4, 3, 15)).quantize(4), "GIF"))
    at = gif.index(b"\x2c")  # image descriptor
    flags = gif[at + 9]
    lzw = at + 10 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0)
    gif[lzw] = 13
    write("regressions/decode", "gif_lzw_code_size_13.gif", bytes(gif))

    # stb_image: a progressive JPEG of refinement scans only (the first DC and AC scans left
    # out; valgrind over local fuzz corpora, after CI's decode fuzz run failed on an input
    # its log did not show). stb refined coefficients no scan had written, in memory
    # fresh from malloc: the pixels, and the bits each scan consumed, followed the heap's
    # leftovers. Its allocator now zeroes (io/detail/stb_memory.hpp).
    prog = encode(Image.fromarray(pattern(16, 16, 3, 17)), "JPEG", quality=75, progressive=True)
    write("regressions/decode", "jpeg_refinement_scans_only.jpg", refinement_scans_only(prog))


def npy_seeds() -> None:
    def save(name: str, a: np.ndarray) -> None:
        buf = io.BytesIO()
        np.save(buf, a)
        write("corpus/npy", name, buf.getvalue())
    save("u8_hw.npy", pattern(5, 4, 1, 20)[..., 0])
    save("u8_hwc.npy", pattern(5, 4, 3, 21))
    save("f32_hwc.npy", pattern(3, 4, 4, 22).astype(np.float32) / 255)
    save("u16_nhwc.npy", np.stack([pattern(3, 2, 3, 23), pattern(3, 2, 3, 24)]).astype(np.uint16) * 257)
    save("i8.npy", np.arange(-4, 4, dtype=np.int8).reshape(2, 4))
    save("f16.npy", np.linspace(0, 1, 6, dtype=np.float16).reshape(2, 3))
    save("empty.npy", np.zeros((0, 4, 3), np.uint8))


def exif_seeds() -> None:
    ex = Image.Exif()
    ex[0x0112] = 8
    img = Image.fromarray(pattern(4, 4, 3, 30))
    write("corpus/exif", "orientation8.jpg", encode(img, "JPEG", exif=ex.tobytes()))
    png = encode(img, "PNG")
    at = png.index(b"IDAT") - 4
    write("corpus/exif", "exif.png", png[:at] + png_chunk(b"eXIf", ex.tobytes()[6:]) + png[at:])
    tiff = ex.tobytes()[6:]  # after "Exif\0\0"
    write("corpus/exif", "little.tif", tiff)
    write("corpus/exif", "big.tif", b"MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x03\x00\x00")


def plan_seeds() -> None:
    rng = random.Random(40)
    for i in range(24):
        write("corpus/plan", f"recipe{i:02d}.bin", bytes(rng.randrange(256) for _ in range(rng.randrange(12, 96))))


def main() -> None:
    decode_seeds()
    decode_regressions()
    npy_seeds()
    exif_seeds()
    plan_seeds()


if __name__ == "__main__":
    main()
