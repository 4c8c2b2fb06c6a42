#!/usr/bin/env python3
"""pixfuse against its peers on the benchmark photo set, one thread, one table.

    /opt/pfx-venv/bin/python bench/peers/peers.py [--repeats 5] [--cpp-repetitions 3]
        [--photos build/bench-photos/photos] [--bench build/bench/bench/peers_bench]
        [--bandwidth build/bench/bench/bandwidth] [--targets avx2,scalar] [--max-mp X] [--max-images N]
        [--json build/bench-results/peers.json] [--no-install]

What it runs, in this order, each in its own process:
  1. bench/peers/photos.py, if the photo set is not there yet;
  2. the roofline: `bandwidth --json` (single- and all-thread read bandwidth);
  3. the C++ benchmark `peers_bench` (pixfuse per SIMD target and OpenCV C++, same process),
     which also checks its outputs and dumps pixfuse's (scalar) outputs of the first images;
  4. the Python peers, the ImageNet eval recipe (shorter side 256, center crop 224,
     ImageNet mean/std, NCHW f32) on the same decoded pixels:
       pillow       Pillow + NumPy: Image.resize bilinear (antialiased), crop, asarray / 255,
                    normalise, transpose to CHW (torchvision's eval transform on a PIL image)
       pillow-simd  the same code on Pillow-SIMD, in its own venv (build/bench-venv-pillow-simd,
                    `pip install pillow-simd`, built with CC="cc -mavx2")
       torchvision  transforms.v2.functional: resize(antialias=True) on the uint8 tensor,
                    center_crop, to_dtype(float32, scale=True), normalize
       opencv       cv2.resize INTER_LINEAR / INTER_AREA, crop, cv2.dnn.blobFromImage, / std
A peer that cannot be installed or imported is a row saying so, with the reason.

Fairness: every peer decodes the same JPEGs once, before timing, with the same decoder
(OpenCV's imread, IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION, then BGR -> RGB), so all get the
same RGB u8 pixels; one thread each (cv2.setNumThreads(1), torch.set_num_threads(1),
OMP/MKL/OpenBLAS threads 1, pixfuse's run() is single-threaded); one timed pass runs the
whole set one image after another; the figure is the median of the passes. Every peer's
output is checked: shape (3, 224, 224), and its values against pixfuse's scalar output for
the same semantics (Pillow: bit-exact up to float rounding; torchvision: within one u8 level;
OpenCV: equal up to float rounding).

Timing: per pass, process CPU time and wall time. The table's img/s is per CPU second
(steadier on a shared machine; for one thread it equals wall time on a quiet one); the JSON
has both. Source GB/s counts the decoded pixels each recipe must read once
(width * height * 3 bytes); "roofline" is that over the single-thread read bandwidth.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve()
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
SIMD_VENV = ROOT / "build" / "bench-venv-pillow-simd"
THREAD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "NUMEXPR_NUM_THREADS": "1", "VECLIB_MAXIMUM_THREADS": "1", "TBB_NUM_THREADS": "1"}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------
# Worker side: one peer, run as `peers.py --worker NAME ...` in its own process.

def shorter_side(w: int, h: int, n: int = 256) -> tuple[int, int]:
    # torchvision's Resize(int): the short side becomes n, the long side int(n * long / short).
    return (n, int(n * h / w)) if w <= h else (int(n * w / h), n)


def crop_offset(size: int, out: int = 224) -> int:
    return int(round((size - out) / 2.0))


def select_photos(photos: Path, max_images: int, max_mp: float) -> list[Path]:
    """The set's JPEGs in name order; over max_mp megapixels skipped (0: any size), then the first
    max_images (0: all). peers_bench's --max_megapixels / --max_images choose the same."""
    files = sorted(p for p in photos.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
    if max_mp:
        files = [f for f in files if megapixels(f) <= max_mp]
    if max_images:
        files = files[:max_images]
    return files


def load_rgb(photos: Path, max_images: int, max_mp: float = 0):
    import cv2

    files = select_photos(photos, max_images, max_mp)
    out = []
    for f in files:
        bgr = cv2.imread(str(f), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
        if bgr is None:
            raise SystemExit(f"cannot decode {f}")
        out.append((f.stem, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
    return out


def make_pillow():
    import numpy as np
    from PIL import Image

    mean = np.array(MEAN, np.float32)
    std = np.array(STD, np.float32)

    def prepare(rgb):
        return Image.fromarray(rgb)  # an RGB PIL image, as Image.open(...).convert("RGB") gives

    def run(im):
        w, h = im.size
        nw, nh = shorter_side(w, h)
        r = im.resize((nw, nh), Image.BILINEAR)
        left, top = crop_offset(nw), crop_offset(nh)
        c = r.crop((left, top, left + 224, top + 224))
        a = np.asarray(c, dtype=np.float32) / 255.0
        a = (a - mean) / std
        return np.ascontiguousarray(a.transpose(2, 0, 1))

    import PIL
    return prepare, run, {"version": PIL.__version__}


def make_torchvision():
    import torch
    import torchvision
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms.v2 import functional as F

    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass

    def prepare(rgb):
        # (H, W, 3) -> (3, H, W) view, as torchvision's pil_to_tensor gives (channels-last
        # strides: the layout its uint8 antialiased resize kernel is fastest on).
        return torch.from_numpy(rgb).permute(2, 0, 1)

    def run(t):
        t = F.resize(t, [256], interpolation=InterpolationMode.BILINEAR, antialias=True)
        t = F.center_crop(t, [224, 224])
        t = F.to_dtype(t, torch.float32, scale=True)
        t = F.normalize(t, MEAN, STD)
        return t.contiguous().numpy()

    return prepare, run, {"version": torchvision.__version__, "torch": torch.__version__,
                          "torch_threads": torch.get_num_threads()}


def make_opencv(interpolation_name: str):
    import cv2
    import numpy as np

    cv2.setNumThreads(1)
    interpolation = getattr(cv2, interpolation_name)
    scale = (np.array(STD, np.float32) ** -1).reshape(1, 3, 1, 1)
    mean255 = tuple(255.0 * m for m in MEAN)

    def prepare(rgb):
        return rgb

    def run(rgb):
        h, w = rgb.shape[:2]
        nw, nh = shorter_side(w, h)
        r = cv2.resize(rgb, (nw, nh), interpolation=interpolation)
        left, top = crop_offset(nw), crop_offset(nh)
        c = r[top:top + 224, left:left + 224]
        blob = cv2.dnn.blobFromImage(c, 1.0 / 255.0, None, mean255, swapRB=False, crop=False)
        blob *= scale
        return blob[0]

    return prepare, run, {"version": cv2.__version__, "cv_threads": cv2.getNumThreads()}


WORKERS = {
    # name: (factory, pixfuse dump with the same semantics, bound on |diff| against it)
    "pillow": (make_pillow, "imagenet_pil.npy", 1e-5),
    "pillow-simd": (make_pillow, "imagenet_pil.npy", None),  # its resampling may differ: reported
    "torchvision": (make_torchvision, "imagenet_pil.npy", 1.0 / 255 / min(STD) + 1e-5),  # +-1 level
    "opencv-linear": (lambda: make_opencv("INTER_LINEAR"), "imagenet_cv.npy", 1e-5),
    "opencv-area": (lambda: make_opencv("INTER_AREA"), "imagenet_cv_area.npy", 1e-5),
}


def worker(args) -> int:
    import numpy as np

    factory, dump_name, bound = WORKERS[args.worker]
    photos = load_rgb(Path(args.photos), args.max_images, args.max_mp)
    prepare, run, info = factory()
    inputs = [prepare(rgb) for _, rgb in photos]
    source_bytes = sum(rgb.size for _, rgb in photos)

    # Check: shape, finiteness, and values against pixfuse's scalar output.
    check = {"shape": None, "max_abs_diff": None, "bound": bound, "compared_images": 0}
    outs = [run(x) for x in inputs[:8]]
    shapes = {tuple(o.shape) for o in outs}
    check["shape"] = [list(s) for s in shapes]
    ok = shapes == {(3, 224, 224)} and all(o.dtype == np.float32 and np.isfinite(o).all() for o in outs)
    if args.dump_dir and (Path(args.dump_dir) / dump_name).is_file():
        ref = np.load(Path(args.dump_dir) / dump_name)
        names = (Path(args.dump_dir) / "names.txt").read_text().split()
        k = min(len(ref), len(outs))
        if names[:k] != [n for n, _ in photos[:k]]:
            ok = False
            check["error"] = "the dump is of other images"
        else:
            d = max(float(np.abs(outs[i] - ref[i]).max()) for i in range(k))
            check["max_abs_diff"] = d
            check["compared_images"] = k
            check["against"] = f"pixfuse:scalar {dump_name}"
            if bound is not None and d > bound:
                ok = False
    check["ok"] = bool(ok)

    # Timing: one untimed pass, then the timed ones.
    for x in inputs:
        run(x)
    cpu, wall = [], []
    for _ in range(args.repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        for x in inputs:
            run(x)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    n = len(inputs)
    print(json.dumps({"worker": args.worker, "images": n, "source_bytes": source_bytes,
                      "cpu_s": cpu, "wall_s": wall, "img_s_cpu": n / statistics.median(cpu),
                      "img_s_wall": n / statistics.median(wall), "info": info, "check": check,
                      "python": sys.executable}))
    return 0


# ----------------------------------------------------------------------------------------
# Driver side.

def jpeg_size(path: Path) -> tuple[int, int]:
    """(width, height) from a JPEG's SOF marker."""
    data = path.read_bytes()
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        length = int.from_bytes(data[i + 2:i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[i + 7:i + 9], "big"), int.from_bytes(data[i + 5:i + 7], "big")
        i += 2 + length
    raise SystemExit(f"{path}: no JPEG frame header")


def megapixels(path: Path) -> float:
    w, h = jpeg_size(path)
    return w * h / 1e6


def run_cmd(cmd, timeout=None, env=None) -> subprocess.CompletedProcess:
    log("$ " + " ".join(str(c) for c in cmd))
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, env=env)


def tail(text: str, n: int = 400) -> str:
    text = " ".join(text.strip().split())
    return text[-n:]


def ensure_pillow_simd(allow_install: bool) -> tuple[str | None, str]:
    """(python of a venv whose PIL is Pillow-SIMD, note) or (None, reason it is missing)."""
    py = SIMD_VENV / "bin" / "python"
    probe = "import PIL, cv2, numpy; print(PIL.__version__)"
    if py.exists():
        r = subprocess.run([str(py), "-c", probe], capture_output=True, text=True)
        if r.returncode == 0 and ".post" in r.stdout:
            return str(py), f"Pillow-SIMD {r.stdout.strip()} ({SIMD_VENV.relative_to(ROOT)})"
    if not allow_install:
        return None, f"not installed in {SIMD_VENV.relative_to(ROOT)} (--no-install)"
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    if not base.exists():
        base = Path(shutil.which("python3") or "python3")
    log(f"peers: creating {SIMD_VENV} and installing pillow-simd (a source build, a few minutes)")
    if SIMD_VENV.exists():
        shutil.rmtree(SIMD_VENV)
    r = run_cmd([base, "-m", "venv", "--system-site-packages", SIMD_VENV])
    if r.returncode != 0:
        return None, "cannot create its venv: " + tail(r.stderr or r.stdout)
    env = dict(os.environ)
    flags = open("/proc/cpuinfo").read() if Path("/proc/cpuinfo").exists() else ""
    env["CC"] = "cc -mavx2" if " avx2" in flags else "cc"
    r = run_cmd([py, "-m", "pip", "install", "--no-cache-dir", "pillow-simd"], timeout=1800, env=env)
    if r.returncode != 0:
        return None, ("pip install pillow-simd failed (it builds from source: needs python3-dev, "
                      "libjpeg-dev, zlib1g-dev): " + tail(r.stdout + r.stderr))
    r = subprocess.run([str(py), "-c", probe], capture_output=True, text=True)
    if r.returncode != 0 or ".post" not in r.stdout:
        return None, "installed, but its PIL does not import as Pillow-SIMD: " + tail(r.stderr or r.stdout)
    return str(py), f"Pillow-SIMD {r.stdout.strip()} ({SIMD_VENV.relative_to(ROOT)})"


def find_binary(given: str | None, name: str) -> Path | None:
    if given:
        return Path(given)
    for p in [ROOT / "build" / "bench" / "bench" / name, *sorted((ROOT / "build").glob(f"*/bench/{name}"))]:
        if p.is_file() and os.access(p, os.X_OK):
            return p
    return None


def run_bandwidth(binary: Path | None) -> dict:
    if binary is None:
        return {"status": "missing: no bandwidth binary (cmake --preset bench && cmake --build --preset bench)"}
    r = run_cmd([binary, "--json", "--repeats=21"], timeout=600)
    if r.returncode != 0:
        return {"status": "failed: " + tail(r.stderr or r.stdout)}
    d = json.loads(r.stdout)
    d["status"] = "ok"
    d["command"] = f"{binary} --json --repeats=21"
    return d


def best_bandwidth(runs: list[dict]) -> dict:
    """The roofline: the run (before / after the benchmarks) with the higher single-thread
    read bandwidth, since other processes on a shared machine can only lower it."""
    ok = [r for r in runs if r.get("status") == "ok"]
    if not ok:
        return runs[0]
    best = dict(max(ok, key=lambda r: r["read_gbs_1"]))
    best["runs"] = [{k: r.get(k) for k in ("read_gbs_1", "read_gbs_all", "copy_gbs_1", "copy_gbs_all")} for r in ok]
    return best


def run_cpp(binary: Path | None, args, photos: Path, dump_dir: Path) -> tuple[list[dict], dict]:
    if binary is None:
        return [], {"status": "missing: no peers_bench binary (needs OpenCV C++, libopencv-dev; "
                              "cmake --preset bench && cmake --build --preset bench)"}
    out = dump_dir / "peers_bench.json"
    cmd = [binary, f"--photos={photos}", f"--dump_dir={dump_dir}", f"--benchmark_out={out}",
           "--benchmark_out_format=json", f"--benchmark_repetitions={args.cpp_repetitions}",
           "--benchmark_report_aggregates_only=true", f"--benchmark_min_time={args.cpp_min_time}"]
    if args.targets:
        cmd.append(f"--targets={args.targets}")
    if args.max_images:
        cmd.append(f"--max_images={args.max_images}")
    if args.max_mp:
        cmd.append(f"--max_megapixels={args.max_mp}")
    if args.cpp_filter:
        cmd.append(f"--benchmark_filter={args.cpp_filter}")
    env = dict(os.environ, **THREAD_ENV)
    r = run_cmd(cmd, env=env)
    checks = [line for line in r.stderr.splitlines() if line.startswith(("check", "info"))]
    for line in r.stderr.splitlines():
        if line.startswith(("check", "info", "must-read", "photos:", "pixfuse ", "dumped")) or "failed" in line:
            log("  " + line)
    meta = {"status": "ok", "command": " ".join(str(c) for c in cmd), "checks": checks}
    if r.returncode != 0 or not out.is_file():
        meta["status"] = f"failed (exit {r.returncode}): " + tail(r.stderr or r.stdout, 800)
        return [], meta
    data = json.loads(out.read_text())
    meta["context"] = data.get("context", {})
    rows = []
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        name = b.get("run_name", b["name"])
        for suffix in ("/process_time", "/real_time"):
            name = name.replace(suffix, "")
        unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b.get("time_unit", "ns")]
        images = b.get("images", 0)
        rows.append({"name": name, "cpu_s": b["cpu_time"] * unit, "wall_s": b["real_time"] * unit,
                     "images": images, "img_s_cpu": images / (b["cpu_time"] * unit),
                     "img_s_wall": images / (b["real_time"] * unit), "label": b.get("label", ""),
                     "read_mb": b.get("read_MB/img"), "image_mb": b.get("image_MB/img"),
                     "repetitions": b.get("repetitions", 1)})
    return rows, meta


def run_python_peer(name: str, python: str, args, photos: Path, dump_dir: Path) -> dict:
    cmd = [python, HERE, "--worker", name, "--photos", photos, "--repeats", args.repeats,
           "--dump-dir", dump_dir]
    if args.max_images:
        cmd += ["--max-images", args.max_images]
    if args.max_mp:
        cmd += ["--max-mp", args.max_mp]
    env = dict(os.environ, **THREAD_ENV)
    try:
        r = run_cmd(cmd, timeout=3600, env=env)
    except subprocess.TimeoutExpired:
        return {"worker": name, "status": "failed: timed out after 3600 s"}
    if r.returncode != 0:
        err = r.stderr.strip().splitlines()
        reason = err[-1] if err else f"exit {r.returncode}"
        if "ModuleNotFoundError" in r.stderr or "ImportError" in r.stderr:
            return {"worker": name, "status": f"missing: {reason} (with {python})"}
        return {"worker": name, "status": f"failed: {tail(reason)}"}
    d = json.loads(r.stdout.strip().splitlines()[-1])
    d["status"] = "ok"
    d["command"] = " ".join(str(c) for c in cmd)
    return d


# Rows of the table: (group, label, semantics, source)
CPP_ROWS = [
    ("imagenet_pil/pixfuse", "pixfuse {t} ({mode})", "PIL bilinear (antialiased), bit-exact"),
    ("imagenet/opencv:linear", "OpenCV C++ INTER_LINEAR + blobFromImage", "OpenCV bilinear, aliased"),
    ("imagenet/opencv:area", "OpenCV C++ INTER_AREA + blobFromImage", "OpenCV area"),
    ("imagenet/stb:triangle", "stb_image_resize u8 triangle + normalise (C)", "antialiased triangle, float weights"),
    ("imagenet_cv/pixfuse", "pixfuse {t} opencv mode, bilinear ({mode})", "= OpenCV INTER_LINEAR"),
    ("imagenet_cv_area/pixfuse", "pixfuse {t} opencv mode, area ({mode})", "= OpenCV INTER_AREA"),
    ("direct224/opencv:linear", "OpenCV C++ INTER_LINEAR to 224x224 + blobFromImage", "OpenCV bilinear, aliased"),
    ("direct224/pixfuse", "pixfuse {t} opencv mode, resize 224x224 ({mode})", "= OpenCV INTER_LINEAR"),
    ("yolo/opencv:linear", "OpenCV C++ LetterBox (resize + copyMakeBorder) + blobFromImage", "ultralytics"),
    ("yolo/pixfuse", "pixfuse {t} presets::yolo() ({mode})", "= ultralytics LetterBox"),
]
PY_ROWS = {
    "pillow": ("Pillow + NumPy (Python)", "PIL bilinear (antialiased)"),
    "pillow-simd": ("Pillow-SIMD + NumPy (Python)", "PIL bilinear (antialiased)"),
    "torchvision": ("torchvision v2 on uint8 tensor (Python)", "antialiased bilinear, PIL +-1"),
    "opencv-linear": ("OpenCV-Python INTER_LINEAR + blobFromImage", "OpenCV bilinear, aliased"),
    "opencv-area": ("OpenCV-Python INTER_AREA + blobFromImage", "OpenCV area"),
}
RECIPES = [
    ("imagenet", "ImageNet eval: resize shorter side 256, center crop 224, normalise, NCHW f32"),
    ("direct224", "direct resize to 224x224 (aspect not kept), normalise, NCHW f32"),
    ("yolo", "YOLO: letterbox 640 (pad 114), / 255, NCHW f32"),
]


def build_table(cpp_rows, py_results, bw, context):
    """Rows with recipe, implementation, semantics, img/s, GB/s, ratio, roofline."""
    read_bw = bw.get("read_gbs_1") if bw.get("status") == "ok" else None
    rows = []
    for r in cpp_rows:
        name = r["name"]
        group = name.partition("/")[0]
        recipe = {"imagenet_pil": "imagenet", "imagenet": "imagenet", "imagenet_cv": "imagenet",
                  "imagenet_cv_area": "imagenet", "direct224": "direct224", "yolo": "yolo"}[group]
        for key, label, sem in CPP_ROWS:
            if name.startswith(key):
                target, mode = "", ""
                if "pixfuse:" in name:
                    target = name.split("pixfuse:")[1].split("/")[0]
                    mode = name.rsplit("/", 1)[1]
                rows.append({"recipe": recipe, "key": key, "impl": label.format(t=target, mode=mode),
                             "semantics": sem, "target": target, "mode": mode, "lang": "C++",
                             "img_s": r["img_s_cpu"], "img_s_wall": r["img_s_wall"], "status": "ok",
                             "read_mb": r["read_mb"], "check": "checked in peers_bench", "name": name})
                break
    for name, res in py_results.items():
        label, sem = PY_ROWS[name]
        row = {"recipe": "imagenet", "key": "py:" + name, "impl": label, "semantics": sem, "lang": "Python",
               "status": res["status"], "name": name}
        if res["status"] == "ok":
            chk = res["check"]
            d = chk.get("max_abs_diff")
            row.update(img_s=res["img_s_cpu"], img_s_wall=res["img_s_wall"],
                       check=("ok" if chk["ok"] else "MISMATCH") +
                       (f", max Δ {d:.2g} vs pixfuse {chk['against'].split()[1][:-4]}" if d is not None else ""),
                       info=res.get("info", {}))
            if res.get("info", {}).get("version"):
                row["impl"] += f" {res['info']['version']}"
        rows.append(row)
    # References: the best pixfuse target (warm) of the same semantics.
    best = {}
    for row in rows:
        if row.get("target") and row["mode"] == "warm" and row["status"] == "ok":
            best[row["key"]] = max(best.get(row["key"], 0), row["img_s"])
    ref_of = {"imagenet_pil/pixfuse": "imagenet_pil/pixfuse", "imagenet/opencv:linear": "imagenet_cv/pixfuse",
              "imagenet/stb:triangle": "imagenet_pil/pixfuse",
              "imagenet_cv/pixfuse": "imagenet_cv/pixfuse", "imagenet/opencv:area": "imagenet_cv_area/pixfuse",
              "imagenet_cv_area/pixfuse": "imagenet_cv_area/pixfuse", "direct224/opencv:linear": "direct224/pixfuse",
              "direct224/pixfuse": "direct224/pixfuse", "yolo/opencv:linear": "yolo/pixfuse",
              "yolo/pixfuse": "yolo/pixfuse", "py:pillow": "imagenet_pil/pixfuse",
              "py:pillow-simd": "imagenet_pil/pixfuse", "py:torchvision": "imagenet_pil/pixfuse",
              "py:opencv-linear": "imagenet_cv/pixfuse", "py:opencv-area": "imagenet_cv_area/pixfuse"}
    # The bytes a semantics must read (peers_bench computes them from pixfuse's plans).
    read_mb = {k.split(" ", 1)[1]: float(v) for k, v in context.items() if k.startswith("read_MB/img ")}
    for row in rows:
        if row.get("read_mb") is not None:
            read_mb[ref_of[row["key"]]] = row["read_mb"]
    for row in rows:
        row["ref"] = ref_of[row["key"]]
        if row.get("read_mb") is None:
            row["read_mb"] = read_mb.get(row["ref"])
        if row["status"] != "ok":
            continue
        row["gbs"] = row["img_s"] * row["read_mb"] / 1e3 if row["read_mb"] is not None else None
        ref = best.get(ref_of[row["key"]])
        row["vs_pixfuse"] = row["img_s"] / ref if ref else None
        row["vs_pixfuse_pil"] = row["img_s"] / best["imagenet_pil/pixfuse"] \
            if row["recipe"] == "imagenet" and best.get("imagenet_pil/pixfuse") else None
        row["roofline"] = row["gbs"] / read_bw if read_bw and row["gbs"] is not None else None
    order = ["imagenet_pil/pixfuse", "py:pillow", "py:pillow-simd", "py:torchvision", "imagenet/stb:triangle",
             "imagenet_cv/pixfuse",
             "imagenet/opencv:linear", "py:opencv-linear", "imagenet_cv_area/pixfuse", "imagenet/opencv:area",
             "py:opencv-area", "direct224/pixfuse", "direct224/opencv:linear", "yolo/pixfuse", "yolo/opencv:linear"]
    rows.sort(key=lambda r: order.index(r["key"]))  # stable: targets keep peers_bench's order
    return rows


def markdown(rows, bw, meta) -> str:
    out = []
    n, mean_mb = meta["images"], meta["source_bytes"] / meta["images"] / 1e6
    which = f" (those of at most {meta['max_mp']:g} MP)" if meta.get("max_mp") else ""
    out.append(f"Photo set: {n} JPEG photos{which}, mean {meta['mean_mp']:.2f} MP ({mean_mb:.2f} MB of RGB each), "
               f"decoded once with OpenCV imread; one thread; median of {meta['repeats']} passes (Python) / "
               f"{meta['cpp_repetitions']} repetitions (C++); img/s per process CPU second.")
    if bw.get("status") == "ok":
        roof = bw["read_gbs_1"] * 1e9 / meta["source_bytes"] * n
        out.append(f"Roofline: read bandwidth {bw['read_gbs_1']:.2f} GB/s one thread, {bw['read_gbs_all']:.2f} GB/s "
                   f"{bw['threads']} threads (copy {bw['copy_gbs_1']:.2f} / {bw['copy_gbs_all']:.2f} GB/s read+write; "
                   f"`bandwidth`, the better of {len(bw.get('runs', [1]))} runs: before and after the benchmarks). "
                   f"Reading every decoded pixel once would cap one thread at {roof:.0f} img/s; a recipe needs only "
                   f"the source it depends on ('read MB/img': the 64-byte lines under the crop, and for an aliased "
                   f"resize only the rows and columns it samples), and 'roofline' is that over the one-thread read "
                   f"bandwidth.")
    else:
        out.append(f"Roofline: {bw.get('status')}")
    for recipe, title in RECIPES:
        rs = [r for r in rows if r["recipe"] == recipe]
        if not rs:
            continue
        out.append("")
        out.append(f"### {title}")
        out.append("")
        ratio_pil = recipe == "imagenet"
        out.append("| implementation | semantics | img/s | img/s wall | read MB/img | read GB/s | roofline "
                   "| × best pixfuse, same output |" + (" × best pixfuse PIL mode |" if ratio_pil else "") + " check |")
        out.append("|---|---|---:|---:|---:|---:|---:|---:|" + ("---:|" if ratio_pil else "") + "---|")
        f = lambda v, fmt: (fmt % v) if v is not None else "–"  # noqa: E731
        for r in rs:
            if r["status"] != "ok":
                out.append(f"| {r['impl']} | {r['semantics']} | {r['status']} | | | | | |" + (" |" if ratio_pil else "")
                           + " |")
                continue
            out.append(f"| {r['impl']} | {r['semantics']} | {r['img_s']:.1f} | {r['img_s_wall']:.1f} | "
                       f"{f(r['read_mb'], '%.2f')} | {f(r['gbs'], '%.2f')} | "
                       f"{f(None if r['roofline'] is None else 100 * r['roofline'], '%.1f%%')} | "
                       f"{f(r['vs_pixfuse'], '%.2f')} |" + (f" {f(r['vs_pixfuse_pil'], '%.2f')} |" if ratio_pil else "")
                       + f" {r['check']} |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description="pixfuse vs peers on the benchmark photo set (one thread)")
    ap.add_argument("--photos", type=Path, default=ROOT / "build" / "bench-photos" / "photos")
    ap.add_argument("--bench", help="peers_bench binary (default: found under build/)")
    ap.add_argument("--bandwidth", help="bandwidth binary (default: found under build/)")
    ap.add_argument("--repeats", type=int, default=5, help="timed passes per Python peer (median)")
    ap.add_argument("--cpp-repetitions", type=int, default=3, help="--benchmark_repetitions for peers_bench")
    ap.add_argument("--cpp-min-time", type=float, default=0.5, help="--benchmark_min_time for peers_bench")
    ap.add_argument("--cpp-filter", default="", help="--benchmark_filter for peers_bench")
    ap.add_argument("--targets", default="", help="pixfuse targets, comma-separated (default: all available)")
    ap.add_argument("--peers", default=",".join(WORKERS), help="Python peers to run")
    ap.add_argument("--max-images", type=int, default=0, help="use only the first N photos (a quick run)")
    ap.add_argument("--max-mp", type=float, default=0,
                    help="skip photos over X megapixels (3.2: the set's 37 photos of issue 10's size)")
    ap.add_argument("--json", type=Path, default=ROOT / "build" / "bench-results" / "peers.json")
    ap.add_argument("--no-install", action="store_true", help="do not create the Pillow-SIMD venv")
    ap.add_argument("--pillow-simd-python", help="a Python whose PIL is Pillow-SIMD (default: the venv "
                    "build/bench-venv-pillow-simd, created when missing)")
    # worker mode
    ap.add_argument("--worker", choices=list(WORKERS), help=argparse.SUPPRESS)
    ap.add_argument("--dump-dir", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args)

    started = time.time()
    photos = args.photos.resolve()
    if not photos.is_dir() or not any(photos.glob("*.jpg")):
        log("peers: no photo set yet: running photos.py")
        r = subprocess.run([sys.executable, str(HERE.parent / "photos.py"), "--out", str(photos.parent)])
        if r.returncode != 0:
            return r.returncode
    if args.max_mp < 0:
        raise SystemExit(f"--max-mp: expected a positive number of megapixels, got {args.max_mp}")
    files = select_photos(photos, args.max_images, args.max_mp)
    if not files:
        raise SystemExit(f"peers: no photo of at most {args.max_mp} MP in {photos}")

    bw_binary = find_binary(args.bandwidth, "bandwidth")
    bw_runs = [run_bandwidth(bw_binary)]
    if bw_runs[0].get("status") == "ok":
        b = bw_runs[0]
        log(f"  read {b['read_gbs_1']:.2f} GB/s (1 thread), {b['read_gbs_all']:.2f} GB/s ({b['threads']} threads)")

    with tempfile.TemporaryDirectory(prefix="pfx-peers-") as tmp:
        dump_dir = Path(tmp)
        cpp_rows, cpp_meta = run_cpp(find_binary(args.bench, "peers_bench"), args, photos, dump_dir)
        if cpp_meta["status"] != "ok":
            log("peers: peers_bench " + cpp_meta["status"])
        py_results = {}
        for name in [p for p in args.peers.split(",") if p]:
            if name not in WORKERS:
                raise SystemExit(f"--peers: unknown peer {name} (one of {', '.join(WORKERS)})")
            python = sys.executable
            if name == "pillow-simd" and args.pillow_simd_python:
                python = args.pillow_simd_python
            elif name == "pillow-simd":
                python, note = ensure_pillow_simd(not args.no_install)
                if python is None:
                    py_results[name] = {"worker": name, "status": "missing: " + note}
                    log(f"peers: pillow-simd missing: {note}")
                    continue
            res = run_python_peer(name, python, args, photos, dump_dir)
            py_results[name] = res
            if res["status"] == "ok":
                log(f"  {name}: {res['img_s_cpu']:.1f} img/s (cpu), {res['img_s_wall']:.1f} (wall), check {res['check']}")
            else:
                log(f"  {name}: {res['status']}")

    if bw_runs[0].get("status") == "ok":
        bw_runs.append(run_bandwidth(bw_binary))
    bw = best_bandwidth(bw_runs)

    # The set as decoded: sizes from the JPEG headers (the workers report the same bytes).
    sizes = [jpeg_size(f) for f in files]
    source_bytes = sum(w * h * 3 for w, h in sizes)
    for name, res in py_results.items():
        if res["status"] == "ok" and res["source_bytes"] != source_bytes:
            res["status"] = f"failed: decoded {res['source_bytes']} bytes, expected {source_bytes}"
    meta = {"images": len(files), "source_bytes": source_bytes,
            "mean_mp": sum(w * h for w, h in sizes) / len(sizes) / 1e6, "repeats": args.repeats,
            "cpp_repetitions": args.cpp_repetitions, "max_mp": args.max_mp}
    rows = build_table(cpp_rows, py_results, bw, cpp_meta.get("context", {}))
    table = markdown(rows, bw, meta)
    print(table)

    result = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "command": " ".join([sys.executable, *sys.argv]),
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "model": next((line.split(":", 1)[1].strip() for line in
                                   Path("/proc/cpuinfo").read_text().splitlines()
                                   if line.startswith("model name")), None)
                    if Path("/proc/cpuinfo").exists() else None,
                    "loadavg_at_end": os.getloadavg()},
        "photos": {"dir": str(photos), **meta},
        "bandwidth": bw, "cpp": cpp_meta, "python": py_results, "rows": rows,
        "seconds": round(time.time() - started, 1), "markdown": table,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1, default=str) + "\n")
    log(f"peers: wrote {args.json}")
    bad = [r for r in rows if r["status"] == "ok" and r.get("check", "").startswith("MISMATCH")]
    return 1 if bad or cpp_meta["status"].startswith("failed") else 0


if __name__ == "__main__":
    sys.exit(main())
