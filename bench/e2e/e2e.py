#!/usr/bin/env python3
"""End to end, JPEG file -> model-ready tensor, ImageNet eval recipe: pixfuse-prep against what
users would pick instead.

    /opt/pfx-venv/bin/python bench/e2e/e2e.py [--prep PATH] [--photos DIR] [--repeats 5]
        [--threads N] [--max-mp MP] [--only 'NAME;...'] [--json OUT]

The photos: bench/peers/photos.py gathers real JPEG photographs of typical sizes into
build/bench-photos/photos (run it first); --max-mp keeps those up to MP megapixels (a set
nearer web / dataset photos). Every configuration processes the whole set; configurations
are interleaved within each repeat (the machine is shared and noisy) and the median over
repeats is reported, with ratios taken between medians. The recipe everywhere: RGB, shorter
side to 256, center crop 224, / 255, ImageNet mean / std, (N, 3, 224, 224) float32, held in
memory (pixfuse-prep also writes it to a .npy).

  Pillow          Image.open, convert("RGB"), resize BILINEAR (the long side
                  int(256 * long / short), as torchvision), crop, NumPy normalise: what
                  torchvision's transforms compute on a PIL image, bit for bit.
  Pillow+draft    the same after im.draft("RGB", resized size): Pillow's fast path, libjpeg
                  DCT scaling by the largest of 1/2, 1/4, 1/8 that keeps the image at least
                  the resized size; the resize then runs on the drafted image.
  OpenCV          cv2.imread (libjpeg-turbo, full size), cvtColor to RGB, cv2.resize
                  INTER_AREA (OpenCV's antialiasing choice for shrinking), crop, normalise.
  libvips         pyvips thumbnail (shrink-on-load: libjpeg DCT scaling, then a reduce),
                  shorter side 256, crop, normalise.
  simplejpeg      simplejpeg.decode_jpeg (libjpeg-turbo) to RGB, then Pillow's resize as
                  above; "+ DCT" asks for the smallest DCT-scaled size still >= the resized
                  size (min_width / min_height).
  DALI            NVIDIA DALI's CPU pipeline (device_id=None): readers.file,
                  decoders.image (CPU), resize (resize_shorter 256, linear, antialias),
                  crop_mirror_normalize; when nvidia-dali-cuda120 imports.
  pixfuse-prep    --preset imagenet: exact (Pillow's pixels: region decode on by default;
                  also --no-region-decode), --fast-decode (pixfuse's 2x-margin DCT rule) and
                  --fast-decode=pil (Pillow's draft rule: the Pillow+draft tensor, bit for
                  bit). Time: its own total_s (--time): scan, read, decode, preprocess,
                  write the .npy; process start-up excluded, as for the Python peers; the
                  previous repeat's .npy is removed before, untimed. Its peak resident
                  memory: peak_rss_mib of --time (VmHWM).

One thread: everything in this process, one thread (OMP/BLAS/OpenCV/libvips/DALI at one);
pixfuse-prep --threads 1. All threads (--threads N, default the CPUs this process may
use): the Python peers run as N worker processes (a multiprocessing pool, created before the
clock starts, each worker one-threaded: what a DataLoader does), DALI with num_threads=N,
pixfuse-prep --threads N.

Two measures of what is not pixfuse-prep's to change:
  pixfuse-prep exact, N processes of 1 thread: N pixfuse-prep --threads 1 at once, each on
                  its share of the files (split by pixel count, largest first), time = the
                  slowest one's total_s. Independent processes share nothing but the
                  machine, so N threads / 1 thread cannot be expected above N processes /
                  1 thread: this is the machine's own ceiling for the threads' scaling.
  decode floors:  pixfuse-prep's decode_s (read, header check, libjpeg-turbo decode) of its
                  one-thread runs, beside the time a target ratio allows in all: when the
                  decoder alone needs more, no preprocessing can reach the ratio.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VIPS_CONCURRENCY"):
    os.environ[var] = "1"

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
MEAN = np.array([0.485, 0.456, 0.406], np.float32).reshape(3, 1, 1)
STD = np.array([0.229, 0.224, 0.225], np.float32).reshape(3, 1, 1)


def resized_size(w: int, h: int, n: int = 256) -> tuple[int, int]:
    return (n, int(n * h / w)) if w <= h else (int(n * w / h), n)


def crop_normalise(a: np.ndarray) -> np.ndarray:
    """HWC u8 (already resized) -> centre 224 crop, CHW float32 normalised, as torchvision."""
    h, w = a.shape[:2]
    top, left = int(round((h - 224) / 2.0)), int(round((w - 224) / 2.0))
    x = a[top:top + 224, left:left + 224].astype(np.float32) / 255.0
    return (x.transpose(2, 0, 1) - MEAN) / STD


def pil_tail(im: Image.Image) -> np.ndarray:
    im = im.resize(resized_size(*im.size), Image.BILINEAR)
    return crop_normalise(np.asarray(im))


# --- peers: one file in, one (3, 224, 224) float32 out -------------------------------------
def pillow(f: Path) -> np.ndarray:
    with Image.open(f) as im:
        return pil_tail(im.convert("RGB"))


def pillow_draft(f: Path) -> np.ndarray:
    with Image.open(f) as im:
        im.draft("RGB", resized_size(*im.size))
        return pil_tail(im.convert("RGB"))


def pillow_decode_only(f: Path) -> None:
    with Image.open(f) as im:
        im.convert("RGB")


def opencv(f: Path) -> np.ndarray:
    import cv2
    a = cv2.cvtColor(cv2.imread(str(f), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    h, w = a.shape[:2]
    return crop_normalise(cv2.resize(a, resized_size(w, h), interpolation=cv2.INTER_AREA))


def libvips(f: Path) -> np.ndarray:
    import pyvips
    header = pyvips.Image.new_from_file(str(f))  # lazy: the header only
    w, h = resized_size(header.width, header.height)
    im = pyvips.Image.thumbnail(str(f), w, height=h, size="force")
    if im.bands == 1:
        im = im.colourspace("srgb")
    return crop_normalise(im.numpy())


def simplejpeg_pil(f: Path) -> np.ndarray:
    import simplejpeg
    return pil_tail(Image.fromarray(simplejpeg.decode_jpeg(f.read_bytes(), colorspace="RGB")))


def simplejpeg_dct_pil(f: Path) -> np.ndarray:
    import simplejpeg
    data = f.read_bytes()
    h, w = simplejpeg.decode_jpeg_header(data)[:2]
    rw, rh = resized_size(w, h)
    return pil_tail(Image.fromarray(simplejpeg.decode_jpeg(data, colorspace="RGB", min_width=rw, min_height=rh)))


PEERS = {
    "Pillow": pillow,
    "Pillow+draft": pillow_draft,
    "Pillow decode only": pillow_decode_only,
    "OpenCV imread + resize": opencv,
    "libvips thumbnail": libvips,
    "simplejpeg + Pillow": simplejpeg_pil,
    "simplejpeg + DCT + Pillow": simplejpeg_dct_pil,
}
NEEDS = {"OpenCV imread + resize": "cv2", "libvips thumbnail": "pyvips", "simplejpeg + Pillow": "simplejpeg",
         "simplejpeg + DCT + Pillow": "simplejpeg"}


def run_serial(fn, files: list[Path]) -> list:
    return [fn(f) for f in files]


def _init_worker() -> None:
    try:
        import cv2
        cv2.setNumThreads(1)
    except ImportError:
        pass


def dali_pipeline(files: list[Path], threads: int):
    from nvidia.dali import fn, pipeline_def, types

    @pipeline_def(batch_size=len(files), num_threads=threads, device_id=None, prefetch_queue_depth=1)
    def imagenet():
        jpegs, _ = fn.readers.file(files=[str(f) for f in files], random_shuffle=False, name="reader")
        images = fn.decoders.image(jpegs, device="cpu", output_type=types.RGB)
        images = fn.resize(images, resize_shorter=256, interp_type=types.INTERP_LINEAR, antialias=True)
        return fn.crop_mirror_normalize(images, crop=(224, 224), dtype=types.FLOAT, output_layout="CHW",
                                        mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
                                        std=[0.229 * 255, 0.224 * 255, 0.225 * 255])

    p = imagenet()
    p.build()
    return p


def prep_cmd(prep: str, photos: Path, out: Path, threads: int, flags: list[str]) -> list[str]:
    return [prep, "--preset", "imagenet", str(photos), "-o", str(out), "--time", "--quiet", "--no-progress",
            "--threads", str(threads)] + flags


def prep_times(cmd: list[str], code: int, out: str, err: str) -> dict:
    """The --time JSON of a finished pixfuse-prep (exit code, stdout, stderr); exits on a failure."""
    if code != 0:
        sys.exit(f"{' '.join(cmd)} failed ({code}): {err}")
    t = json.loads(out.strip().splitlines()[-1])
    if t["failed"]:
        sys.exit(f"pixfuse-prep reported {t['failed']} failures: {err}")
    return t


def run_prep(prep: str, photos: Path, out: Path, threads: int, flags: list[str]) -> dict:
    """pixfuse-prep's --time JSON: its own total_s, decode_s, and peak_rss_mib, its peak
    resident memory (VmHWM; the ru_maxrss this process could read would include this
    process's own pages, which a forked child counts until it execs).

    The previous run's .npy is removed first, untimed: replacing a file frees its pages
    in the rename (20-55 ms for these 41 MB here), a cost of running the benchmark again,
    not of the job; the peers keep their tensors in memory."""
    out.unlink(missing_ok=True)
    cmd = prep_cmd(prep, photos, out, threads, flags)
    r = subprocess.run(cmd, capture_output=True, text=True)
    return prep_times(cmd, r.returncode, r.stdout, r.stderr)


def run_prep_processes(prep: str, shares: list[Path], outs: list[Path], flags: list[str]) -> float:
    """One pixfuse-prep --threads 1 per share, all at once; the slowest one's total_s."""
    for out in outs:
        out.unlink(missing_ok=True)  # as in run_prep
    cmds = [prep_cmd(prep, share, out, 1, flags) for share, out in zip(shares, outs)]
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in cmds]
    outputs = [p.communicate() for p in procs]  # waits: returncode is set after this
    return max(prep_times(c, p.returncode, o, e)["total_s"] for c, p, (o, e) in zip(cmds, procs, outputs))


def split_by_pixels(files: list[Path], sizes: dict, n: int) -> list[list[Path]]:
    """n shares of about equal pixel count: largest first, each to the lightest share."""
    shares: list[list[Path]] = [[] for _ in range(n)]
    load = [0] * n
    for f in sorted(files, key=lambda f: -sizes[f][0] * sizes[f][1]):
        i = load.index(min(load))
        shares[i].append(f)
        load[i] += sizes[f][0] * sizes[f][1]
    return shares


def find_prep() -> str:
    for d in ("bench", "h-prep", "test", "demo"):
        p = ROOT / "build" / d / "examples" / "prep" / "pixfuse-prep"
        if p.exists():
            return str(p)
    sys.exit("pixfuse-prep not found: build it (cmake --workflow --preset bench) or pass --prep")


def threads_text(t: int) -> str:
    return "1 thread" if t == 1 else f"{t} threads"


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def importable(module: str) -> str | None:
    """None when `module` imports, else why not."""
    try:
        __import__(module)
        return None
    except Exception as e:  # noqa: BLE001 (any failure means: not measured, say why)
        return f"{type(e).__name__}: {e}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prep", default=None, help="the pixfuse-prep binary (default: the first of build/{bench,h-prep,test,demo})")
    ap.add_argument("--photos", default=str(ROOT / "build" / "bench-photos" / "photos"))
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=usable_cpus(), help="the 'all threads' runs (default: usable CPUs)")
    ap.add_argument("--max-mp", type=float, default=None, help="only photos up to this many megapixels")
    ap.add_argument("--only", default=None, help="configuration names (substrings) to run, separated by ';'")
    ap.add_argument("--json", default=None, help="also write the medians here")
    args = ap.parse_args()
    prep = args.prep or find_prep()
    files = sorted(p for p in Path(args.photos).iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
    sizes = {f: Image.open(f).size for f in files}
    if args.max_mp:
        files = [f for f in files if sizes[f][0] * sizes[f][1] <= args.max_mp * 1e6]
    if not files:
        sys.exit(f"no JPEG files in {args.photos}: run /usr/bin/python3 bench/peers/photos.py first")
    mean_mp = statistics.mean(sizes[f][0] * sizes[f][1] for f in files) / 1e6
    N = args.threads
    targets = subprocess.run([prep, "--list-targets"], capture_output=True, text=True).stdout.split()
    skipped: dict[str, str] = {}

    with tempfile.TemporaryDirectory() as tmp:
        photos = Path(tmp) / "photos"  # the selected files, as pixfuse-prep's input directory
        photos.mkdir()
        for f in files:
            (photos / f.name).symlink_to(f.resolve())
        out = Path(tmp) / "o.npy"
        pool = mp.get_context("fork").Pool(N, initializer=_init_worker)
        configs: dict[str, object] = {}
        for name, fn in PEERS.items():
            why = importable(NEEDS[name]) if name in NEEDS else None
            if why:
                skipped[name] = why
                continue
            configs[f"{name}, 1 thread"] = (lambda fn=fn: timed(lambda: run_serial(fn, files)))
            if name != "Pillow decode only":
                configs[f"{name}, {N} processes"] = (lambda fn=fn: timed(lambda: pool.map(fn, files, chunksize=2)))
        why = importable("nvidia.dali")
        if why:
            skipped["DALI CPU pipeline"] = why
        else:
            for t in (1, N):
                try:
                    pipe = dali_pipeline(files, t)
                    configs[f"DALI CPU pipeline, {threads_text(t)}"] = (lambda pipe=pipe: timed(lambda: pipe.run()))
                except Exception as e:  # noqa: BLE001
                    skipped["DALI CPU pipeline"] = f"{type(e).__name__}: {e}"
        rss: dict[str, list[float]] = {}
        decode_s: dict[str, list[float]] = {}
        prep_modes = {"exact": [], "exact --no-region-decode": ["--no-region-decode"],
                      "--fast-decode": ["--fast-decode"], "--fast-decode=pil": ["--fast-decode=pil"]}
        for label, flags in prep_modes.items():
            for t in (1, N):
                key = f"pixfuse-prep {label}, {threads_text(t)}"
                rss[key], decode_s[key] = [], []

                def go(flags=flags, t=t, key=key) -> float:
                    times = run_prep(prep, photos, out, t, flags)
                    if times.get("peak_rss_mib") is not None:
                        rss[key].append(times["peak_rss_mib"])
                    decode_s[key].append(times["decode_s"])
                    return times["total_s"]
                configs[key] = go
        if N > 1:  # the machine's ceiling for N threads: N independent one-thread processes
            shares, share_outs = [], []
            for i, part in enumerate(split_by_pixels(files, sizes, N)):
                share = Path(tmp) / f"share{i}"
                share.mkdir()
                for f in part:
                    (share / f.name).symlink_to(f.resolve())
                shares.append(share)
                share_outs.append(Path(tmp) / f"share{i}.npy")
            configs[f"pixfuse-prep exact, {N} processes of 1 thread"] = (
                lambda: run_prep_processes(prep, shares, share_outs, []))
        if args.only:
            wanted = [w.strip() for w in args.only.split(";") if w.strip()]
            configs = {k: v for k, v in configs.items() if any(w in k for w in wanted)}

        # Agreement with the Pillow pipelines (the exact and the draft one), over every image.
        diffs: dict[str, float] = {}
        ref_exact = np.stack(run_serial(pillow, files))
        ref_draft = np.stack(run_serial(pillow_draft, files))
        for label, flags, ref in (("exact", [], ref_exact), ("--fast-decode=pil", ["--fast-decode=pil"], ref_draft)):
            run_prep(prep, photos, out, 1, flags)
            diffs[f"pixfuse-prep {label} vs {'Pillow' if ref is ref_exact else 'Pillow+draft'}"] = float(
                np.abs(np.load(out) - ref).max())
        for name, fn in PEERS.items():
            if name in skipped or name in ("Pillow", "Pillow+draft", "Pillow decode only"):
                continue
            if not any(k.startswith(name + ",") for k in configs):
                continue  # not selected (--only)
            diffs[f"{name} vs Pillow"] = float(np.abs(np.stack(run_serial(fn, files)) - ref_exact).max())

        times: dict[str, list[float]] = {k: [] for k in configs}
        cpu: dict[str, list[float]] = {k: [] for k in configs}
        load = []
        for _ in range(args.repeats):
            load.append(os.getloadavg()[0])
            for name, fn in configs.items():
                before = cpu_seconds()
                times[name].append(fn())
                cpu[name].append(cpu_seconds() - before)
        pool.close()

    med = {k: statistics.median(v) for k, v in times.items()}
    # CPU time per image of the one-thread configurations (this process, or the
    # pixfuse-prep child): what a shared, loaded machine distorts least.
    cpu_ms = {k: statistics.median(v) / len(files) * 1000 for k, v in cpu.items()
              if k.endswith(", 1 thread")}
    rate = {k: len(files) / v for k, v in med.items()}
    peak = {k: max(v) for k, v in rss.items() if v}
    print(f"{len(files)} JPEG photos, mean {mean_mp:.2f} MP, ImageNet recipe (resize shorter 256 bilinear, crop 224, "
          f"normalise, NCHW f32); median of {args.repeats}; load average {min(load):.1f}-{max(load):.1f} during the "
          f"runs; {N} = usable CPUs; pixfuse CPU targets {' '.join(targets)}")
    for k, v in diffs.items():
        print(f"  max |difference| {k}: {v:.3g}")
    for k, v in skipped.items():
        print(f"  not measured: {k} ({v})")
    print(f"{'configuration':48} {'seconds':>8} {'img/s':>8}  {'spread':>6}  {'CPU ms/img':>10}  {'peak RSS':>9}")
    for k in configs:
        spread = (max(times[k]) - min(times[k])) / med[k] * 100
        mem = f"{peak[k]:5.0f} MiB" if k in peak else ""
        c = f"{cpu_ms[k]:10.1f}" if k in cpu_ms else ""
        print(f"{k:48} {med[k]:8.3f} {rate[k]:8.1f}  {spread:5.0f}%  {c:>10}  {mem:>9}")

    def ratio(a: str, b: str) -> float | None:
        return rate[a] / rate[b] if a in rate and b in rate else None
    ratios = {
        "exact / Pillow, 1 thread (target >= 3)": ratio("pixfuse-prep exact, 1 thread", "Pillow, 1 thread"),
        "--fast-decode=pil / Pillow+draft, 1 thread (target >= 1.5)":
            ratio("pixfuse-prep --fast-decode=pil, 1 thread", "Pillow+draft, 1 thread"),
        "exact: region decode / whole decode, 1 thread":
            ratio("pixfuse-prep exact, 1 thread", "pixfuse-prep exact --no-region-decode, 1 thread"),
        "exact / Pillow's decode alone, 1 thread": ratio("pixfuse-prep exact, 1 thread", "Pillow decode only, 1 thread"),
        f"exact / Pillow, {N} threads vs {N} processes":
            ratio(f"pixfuse-prep exact, {threads_text(N)}", f"Pillow, {N} processes"),
        f"--fast-decode=pil / Pillow+draft, {N} threads vs {N} processes":
            ratio(f"pixfuse-prep --fast-decode=pil, {threads_text(N)}", f"Pillow+draft, {N} processes"),
        f"exact {N} threads / 1 thread": ratio(f"pixfuse-prep exact, {threads_text(N)}", "pixfuse-prep exact, 1 thread"),
        f"exact {N} processes of 1 thread / 1 thread (this machine's ceiling for the line above)":
            ratio(f"pixfuse-prep exact, {N} processes of 1 thread", "pixfuse-prep exact, 1 thread"),
        f"exact {N} threads / {N} processes of 1 thread":
            ratio(f"pixfuse-prep exact, {threads_text(N)}", f"pixfuse-prep exact, {N} processes of 1 thread"),
    }
    for label, a, b in (("exact / Pillow", "pixfuse-prep exact", "Pillow"),
                        ("--fast-decode=pil / Pillow+draft", "pixfuse-prep --fast-decode=pil", "Pillow+draft"),
                        ("exact: region / whole decode", "pixfuse-prep exact", "pixfuse-prep exact --no-region-decode")):
        a, b = a + ", 1 thread", b + ", 1 thread"
        if a in cpu_ms and b in cpu_ms:
            ratios[f"{label}, 1 thread, by CPU time"] = cpu_ms[b] / cpu_ms[a]
    ratios = {k: v for k, v in ratios.items() if v is not None}
    for k, v in ratios.items():
        print(f"  {k:62} {v:5.2f}x")
    # The decoder's share against what each one-thread target allows in all.
    floors = {}
    for ours, peer, target in (("pixfuse-prep exact, 1 thread", "Pillow, 1 thread", 3.0),
                               ("pixfuse-prep --fast-decode=pil, 1 thread", "Pillow+draft, 1 thread", 1.5)):
        if ours in med and peer in med and decode_s.get(ours):
            floors[f"{ours} vs {peer} x{target:g}"] = {
                "total_s": med[ours], "decode_s": statistics.median(decode_s[ours]),
                "allowed_s": med[peer] / target}
    for k, v in floors.items():
        print(f"  {k}: decode {v['decode_s']:.3f} s of {v['total_s']:.3f} s; the target allows "
              f"{v['allowed_s']:.3f} s in all")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "images": len(files), "mean_mp": mean_mp, "threads": N, "load": load, "median_s": med, "img_per_s": rate,
            "peak_rss_mib": peak, "cpu_ms_per_img": cpu_ms, "ratios": ratios, "decode_floors": floors, "max_abs_diff": diffs, "skipped": skipped, "runs_s": times},
            indent=1))


def cpu_seconds() -> float:
    """User + system time of this process and of its waited-for children (pixfuse-prep)."""
    import resource
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
