#!/usr/bin/env python3
"""End to end, JPEG file -> model-ready tensor, ImageNet eval recipe: pixfuse-prep vs Pillow.

    /opt/pfx-venv/bin/python bench/e2e/e2e.py [--prep build/h-prep/examples/prep/pixfuse-prep]
        [--photos build/bench-photos/photos] [--repeats 5]

The photos: bench/peers/photos.py gathers real JPEG photographs of typical sizes into
build/bench-photos/photos (run it first). Every configuration processes the whole set;
configurations are interleaved within each repeat (the machine is shared and noisy) and
the median over repeats is reported, with ratios taken between medians.

  Pillow        Image.open, convert("RGB"), resize (shorter side 256, BILINEAR, the long
                side int(256 * long / short) as torchvision), center crop 224, NumPy
                float32 / 255, (x - mean) / std, HWC -> CHW, stacked (N, 3, 224, 224).
                One thread. (The tensor stays in memory: pixfuse-prep also writes it.)
  Pillow+draft  the same after im.draft("RGB", resized size): libjpeg DCT scaling by the
                largest 1/2, 1/4, 1/8 that keeps the image at least the resized size.
  pixfuse-prep  --preset imagenet (exact: Pillow's pixels), and with --fast-decode
                (DCT scaling only when the recipe still shrinks >= 2x after it), at
                --threads 1 and 2. Time: its own total_s (--time): scan, read, decode,
                preprocess, write the .npy; process start-up excluded, as for Pillow.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MEAN = np.array([0.485, 0.456, 0.406], np.float32).reshape(3, 1, 1)
STD = np.array([0.229, 0.224, 0.225], np.float32).reshape(3, 1, 1)


def resized_size(w: int, h: int, n: int = 256) -> tuple[int, int]:
    return (n, int(n * h / w)) if w <= h else (int(n * w / h), n)


def pillow(files: list[Path], draft: bool) -> np.ndarray:
    out = np.empty((len(files), 3, 224, 224), np.float32)
    for i, f in enumerate(files):
        with Image.open(f) as im:
            if draft:
                im.draft("RGB", resized_size(*im.size))
            im = im.convert("RGB")
            w, h = im.size
            im = im.resize(resized_size(w, h), Image.BILINEAR)
            w, h = im.size
            left, top = int(round((w - 224) / 2.0)), int(round((h - 224) / 2.0))
            im = im.crop((left, top, left + 224, top + 224))
            x = np.asarray(im, np.float32) / 255.0
            out[i] = (x.transpose(2, 0, 1) - MEAN) / STD
    return out


def pillow_decode_only(files: list[Path]) -> None:
    """The decode alone (open + convert): exact mode must decode the same pixels with the
    same libjpeg-turbo, so this time is what bounds it (3x Pillow needs the whole job in a
    third of Pillow's time, less than this on photos where decoding dominates)."""
    for f in files:
        with Image.open(f) as im:
            im.convert("RGB")


def run_prep(prep: str, photos: Path, out: Path, threads: int, fast: bool) -> float:
    cmd = [prep, "--preset", "imagenet", str(photos), "-o", str(out), "--time", "--quiet", "--no-progress",
           "--threads", str(threads)] + (["--fast-decode"] if fast else [])
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    t = json.loads(r.stdout.strip().splitlines()[-1])
    if t["failed"]:
        sys.exit(f"pixfuse-prep reported {t['failed']} failures: {r.stderr}")
    return t["total_s"]


def find_prep() -> str:
    for d in ("bench", "h-prep", "test", "demo"):
        p = ROOT / "build" / d / "examples" / "prep" / "pixfuse-prep"
        if p.exists():
            return str(p)
    sys.exit("pixfuse-prep not found: build it (cmake --workflow --preset bench) or pass --prep")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prep", default=None, help="the pixfuse-prep binary (default: the first of build/{bench,h-prep,test,demo})")
    ap.add_argument("--photos", default=str(ROOT / "build" / "bench-photos" / "photos"))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", default=None, help="also write the medians here")
    args = ap.parse_args()
    prep = args.prep or find_prep()
    photos = Path(args.photos)
    files = sorted(p for p in photos.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
    if not files:
        sys.exit(f"no JPEG files in {photos}: run /usr/bin/python3 bench/peers/photos.py first")
    mp = statistics.mean(Image.open(f).size[0] * Image.open(f).size[1] for f in files) / 1e6
    version = subprocess.run([prep, "--list-targets"], capture_output=True, text=True).stdout.split()

    configs = {
        "Pillow": lambda: timed(lambda: pillow(files, False)),
        "Pillow+draft": lambda: timed(lambda: pillow(files, True)),
        "Pillow decode only (bound)": lambda: timed(lambda: pillow_decode_only(files)),
    }
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "o.npy"
        configs["pixfuse-prep exact, 1 thread"] = lambda: run_prep(prep, photos, out, 1, False)
        configs["pixfuse-prep fast-decode, 1 thread"] = lambda: run_prep(prep, photos, out, 1, True)
        configs["pixfuse-prep exact, 2 threads"] = lambda: run_prep(prep, photos, out, 2, False)
        configs["pixfuse-prep fast-decode, 2 threads"] = lambda: run_prep(prep, photos, out, 2, True)
        # Agreement: pixfuse-prep's exact output against the Pillow peer's.
        run_prep(prep, photos, out, 1, False)
        ours, theirs = np.load(out), pillow(files, False)
        diff = float(np.abs(ours - theirs).max())
        times: dict[str, list[float]] = {k: [] for k in configs}
        for _ in range(args.repeats):
            for name, fn in configs.items():
                times[name].append(fn())

    med = {k: statistics.median(v) for k, v in times.items()}
    rate = {k: len(files) / v for k, v in med.items()}
    print(f"{len(files)} JPEG photos, mean {mp:.2f} MP, ImageNet recipe (resize shorter 256 bilinear, crop 224, "
          f"normalise, NCHW f32); median of {args.repeats}; CPU targets {' '.join(version)}")
    print(f"pixfuse-prep exact vs Pillow: max |difference| {diff:.3g}")
    print(f"{'configuration':38} {'seconds':>8} {'img/s':>8}  {'spread':>7}")
    for k in configs:
        spread = (max(times[k]) - min(times[k])) / med[k] * 100
        print(f"{k:38} {med[k]:8.3f} {rate[k]:8.1f}  {spread:6.0f}%")
    ratios = {
        "exact / Pillow (target >= 3)": rate["pixfuse-prep exact, 1 thread"] / rate["Pillow"],
        "fast-decode / Pillow+draft (target >= 2)": rate["pixfuse-prep fast-decode, 1 thread"] / rate["Pillow+draft"],
        "exact / Pillow's decode alone (open + convert)": rate["pixfuse-prep exact, 1 thread"]
        / rate["Pillow decode only (bound)"],
        "exact 2 threads / 1 thread (target >= 1.8)": rate["pixfuse-prep exact, 2 threads"] / rate["pixfuse-prep exact, 1 thread"],
        "fast 2 threads / 1 thread": rate["pixfuse-prep fast-decode, 2 threads"] / rate["pixfuse-prep fast-decode, 1 thread"],
    }
    for k, v in ratios.items():
        print(f"  {k:44} {v:5.2f}x")
    if args.json:
        Path(args.json).write_text(json.dumps({"images": len(files), "mean_mp": mp, "median_s": med, "img_per_s": rate,
                                               "ratios": ratios, "max_abs_diff": diff, "runs_s": times}, indent=1))


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
