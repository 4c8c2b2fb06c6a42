#!/usr/bin/env python3
"""The performance report: pixfuse beside every peer, the seeds' workload, the roofline, plots.

    bash cmake/install-deps.sh --report && /opt/pfx-venv/bin/python bench/report/report.py

(any Python with numpy and matplotlib runs the driver; the peers run under --python, by
default the venv that install-deps.sh --report made, and Pillow-SIMD under its own venv).
Writes docs/PERFORMANCE.md, docs/perf_*.png and build/report/report.json. `--quick` runs
short settings (minutes, for development; the figures are then rough).

Steps, each in its own process, on the same inputs and thread counts:
  1. build: cmake --preset bench && cmake --build --preset bench -j1 (skip: --no-build)
  2. bandwidth (bench/bandwidth.cpp): one- and all-thread read and copy GB/s, before and
     after the benchmarks; the higher of the two runs is the roofline
  3. seeds_bench (bench/report/seeds_bench.cpp): the seeds' workload, N float32 HxWx3
     images in [0, 1) -> 224x224, ImageNet-normalised, NCHW f32, for pixfuse (each target,
     static and dynamic output shape, jax and opencv modes), stb_image_resize and OpenCV
     C++, sizes 512 and 384, batches 8/16/32, 1 and all threads; plus pixfuse vs input size
     and vs batch size
  4. the same workload in Python: JAX (jax.jit(jax.vmap(resize + normalise + transpose)),
     CPU, the seeds' code), torchvision v2 (resize antialias=True on the float batch +
     normalize), Pillow and Pillow-SIMD (mode F per channel + NumPy normalise); each checked
     against pixfuse's output for the same inputs
  5. stages_bench: fused vs separate passes per target, normalise beside loops / xsimd / Eigen
  6. bench/peers/peers.py: the ImageNet recipe on decoded photos (pixfuse per target,
     OpenCV C++ and Python, Pillow, Pillow-SIMD, torchvision), direct 224, YOLO; then again
     on the set's photos of at most 3.2 MP (issue 10's size): the ImageNet and direct 224 rows
  7. jit_bench (if built) and bench/e2e/e2e.py (if present): end to end from JPEG files
  8. bench/report/instructions.py: instructions per output pixel (callgrind on AVX2 and
     SSE4; perf counters for AVX-512 where the machine has them), now and before issue 10
A peer that cannot run is a row saying "missing" and why.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import instructions  # bench/report/instructions.py

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve()
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)
OUT = 224
SEEDS_JAX_IMG_S = 162.8  # what the seeds report for their JAX pipeline (512x512, batch 32)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# =========================================================================================
# Worker side: `report.py --worker NAME ...` times one Python peer on the seeds' workload
# and prints one JSON line per (size, batch). Thread control is set up by the driver
# (environment, affinity) before the peer's module is imported.

def seeds_batch(n: int, w: int, h: int, seed: int = 0):
    import numpy as np
    rng = np.random.default_rng(seed)
    return rng.random((n, h, w, 3), dtype=np.float32)


def make_jax(threads: int):
    import jax
    import jax.numpy as jnp

    mean = jnp.array(MEAN, jnp.float32)
    std = jnp.array(STD, jnp.float32)

    # The seeds' code (/work/notes/jax_workload_bench.py), verbatim in substance.
    def transpose(x):
        return jnp.transpose(x, (2, 0, 1))

    def normalise(x):
        return (x - mean[:, None, None]) / std[:, None, None]

    fn = jax.jit(jax.vmap(lambda img: normalise(transpose(jax.image.resize(img, (OUT, OUT, 3), "linear")))))

    def prepare(x):
        return jax.device_put(x)

    def run(x):
        return fn(x).block_until_ready()

    return prepare, run, {"version": jax.__version__, "jaxlib": __import__("jaxlib").__version__,
                          "xla_flags": os.environ.get("XLA_FLAGS", "")}


def make_torchvision(threads: int):
    import torch
    import torchvision
    from torchvision.transforms import InterpolationMode
    from torchvision.transforms.v2 import functional as F

    torch.set_num_threads(threads)

    def prepare(x):
        return torch.from_numpy(x).permute(0, 3, 1, 2)  # (N, 3, H, W) view of the NHWC batch

    def run(t):
        r = F.resize(t, [OUT, OUT], interpolation=InterpolationMode.BILINEAR, antialias=True)
        return F.normalize(r, MEAN, STD).contiguous()

    return prepare, run, {"version": torchvision.__version__, "torch": torch.__version__,
                          "torch_threads": torch.get_num_threads()}


def make_pillow(threads: int):
    import numpy as np
    import PIL
    from PIL import Image

    mean = np.array(MEAN, np.float32).reshape(3, 1, 1)
    std = np.array(STD, np.float32).reshape(3, 1, 1)

    def prepare(x):
        # Mode "F" (float32) images, one per channel: Pillow resizes float images per band.
        return [[Image.fromarray(np.ascontiguousarray(img[:, :, c]), mode="F") for c in range(3)] for img in x]

    def run(batch):
        out = np.empty((len(batch), 3, OUT, OUT), np.float32)
        for i, bands in enumerate(batch):
            for c, band in enumerate(bands):
                out[i, c] = np.asarray(band.resize((OUT, OUT), Image.BILINEAR))
        out -= mean
        out /= std
        return out

    return prepare, run, {"version": PIL.__version__}


WORKERS = {"jax": make_jax, "torchvision": make_torchvision, "pillow": make_pillow, "pillow-simd": make_pillow}


def worker(args) -> int:
    import numpy as np

    prepare, run, info = WORKERS[args.worker](args.threads)
    check = {}
    if args.check_dir and (Path(args.check_dir) / "seeds_input.npy").is_file():
        x = np.load(Path(args.check_dir) / "seeds_input.npy")
        ref = np.load(Path(args.check_dir) / "seeds_pixfuse.npy")
        y = np.asarray(run(prepare(x)))
        check = {"max_abs_diff": float(np.abs(y - ref).max()), "shape": list(y.shape),
                 "against": "pixfuse jax mode (scalar reference), same inputs"}
    for size in args.sizes.split(","):
        w, h = (int(v) for v in size.split("x"))
        for n in (int(b) for b in args.batches.split(",")):
            x = prepare(seeds_batch(n, w, h))
            t0 = time.perf_counter()
            run(x)  # compile (JAX) and warm up
            first = time.perf_counter() - t0
            run(x)
            walls, cpus = [], []
            for _ in range(args.repeats):
                c0, w0 = time.process_time(), time.perf_counter()
                run(x)
                walls.append(time.perf_counter() - w0)
                cpus.append(time.process_time() - c0)
            print(json.dumps({"kind": "result", "impl": args.worker, "width": w, "height": h, "batch": n,
                              "threads": args.threads, "img_s": n / statistics.median(walls),
                              "img_s_cpu": n / statistics.median(cpus), "img_s_min": n / max(walls),
                              "img_s_max": n / min(walls), "first_call_s": first, "info": info,
                              "check": check, "bytes_in": w * h * 12, "bytes_out": 3 * OUT * OUT * 4}),
                  flush=True)
            del x
    return 0


# =========================================================================================
# Driver side.

def run_cmd(cmd, timeout=None, env=None, cwd=ROOT) -> subprocess.CompletedProcess:
    log("$ " + " ".join(str(c) for c in cmd))
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)


def tail(text: str, n: int = 400) -> str:
    return " ".join((text or "").strip().split())[-n:]


def json_lines(text: str) -> list[dict]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def cpu_busy(seconds: float = 2.0) -> float | None:
    """Fraction of all CPUs busy over the next `seconds` (from /proc/stat; this process sleeps meanwhile).

    Unlike the load average, which trails by a minute, this sees a build that has just ended as idle."""
    def sample():
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        return sum(fields), fields[3] + (fields[4] if len(fields) > 4 else 0)  # total, idle + iowait
    try:
        total0, idle0 = sample()
        time.sleep(seconds)
        total1, idle1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return 1.0 - (idle1 - idle0) / (total1 - total0) if total1 > total0 else None


def machine_info() -> dict:
    info = {"hostname": platform.node(), "kernel": platform.release(), "python": sys.version.split()[0]}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["model"] = next((ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines()
                              if ln.startswith("model name")), None)
        flags = next((ln.split(":", 1)[1].split() for ln in cpuinfo.splitlines() if ln.startswith("flags")), [])
        info["simd_flags"] = [f for f in flags if re.match(r"(sse|ssse|avx|fma|f16c|bmi|amx|vnni|neon|sve)", f)]
    except OSError:
        pass
    r = subprocess.run(["lscpu"], capture_output=True, text=True)
    if r.returncode == 0:
        keep = ("Architecture", "Model name", "CPU(s)", "Thread(s) per core", "Core(s) per socket", "Socket(s)",
                "CPU max MHz", "L1d cache", "L2 cache", "L3 cache", "Hypervisor vendor", "NUMA node(s)")
        info["lscpu"] = {k.strip(): v.strip() for k, v in (ln.split(":", 1) for ln in r.stdout.splitlines() if ":" in ln)
                         if k.strip() in keep}
    info["cores"] = os.cpu_count()
    info["loadavg_start"] = os.getloadavg()
    info["cpu_busy_start"] = cpu_busy()
    mem = Path("/proc/meminfo")
    if mem.exists():
        m = re.search(r"MemTotal:\s+(\d+)", mem.read_text())
        if m:
            info["mem_gib"] = round(int(m.group(1)) / 2**20, 1)
    cxx = shutil.which("c++") or shutil.which("g++")
    if cxx:
        info["compiler"] = subprocess.run([cxx, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    return info


def dpkg_version(pkg: str) -> str | None:
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
    return r.stdout.strip() if r.returncode == 0 and r.stdout.strip() else None


def find_pillow_simd(given: str | None) -> tuple[str | None, str]:
    cands = [given] if given else ["/opt/pfx-simd-venv/bin/python", str(ROOT / "build/bench-venv-pillow-simd/bin/python")]
    for c in cands:
        if c and Path(c).exists():
            r = subprocess.run([c, "-c", "import PIL, numpy; print(PIL.__version__)"], capture_output=True, text=True)
            if r.returncode == 0 and ".post" in r.stdout:
                return c, r.stdout.strip()
    return None, ("no Python with Pillow-SIMD (tried " + ", ".join(c for c in cands if c) +
                  "): bash cmake/install-deps.sh --report installs it into /opt/pfx-simd-venv")


def build(args) -> dict:
    if args.no_build:
        return {"status": "skipped (--no-build)"}
    for cmd in (["cmake", "--preset", "bench"], ["cmake", "--build", "--preset", "bench", f"-j{args.jobs}"]):
        r = run_cmd(cmd, timeout=7200)
        if r.returncode != 0:
            return {"status": "failed: " + tail(r.stdout + r.stderr, 1200)}
    return {"status": "ok"}


def binary(args, name: str) -> Path | None:
    p = Path(args.build_dir) / "bench" / name
    return p if p.is_file() and os.access(p, os.X_OK) else None


def run_bandwidth(args) -> dict:
    b = binary(args, "bandwidth")
    if b is None:
        return {"status": "missing: no bandwidth binary"}
    r = run_cmd([b, "--json", f"--repeats={args.bw_repeats}"], timeout=900)
    if r.returncode != 0:
        return {"status": "failed: " + tail(r.stderr or r.stdout)}
    d = json.loads(r.stdout)
    d["status"] = "ok"
    return d


def run_seeds_cpp(args, extra: list[str], dump_dir: Path | None = None) -> tuple[list[dict], str]:
    b = binary(args, "seeds_bench")
    if b is None:
        return [], "missing: no seeds_bench binary (cmake --build --preset bench)"
    cmd = [b, f"--repetitions={args.repetitions}", f"--min_time={args.min_time}", *extra]
    if dump_dir:
        cmd.append(f"--dump_dir={dump_dir}")
    r = run_cmd(cmd, timeout=7200, env=dict(os.environ, OMP_NUM_THREADS="1"))
    rows = json_lines(r.stdout)
    status = "ok" if r.returncode == 0 else f"failed (exit {r.returncode}): {tail(r.stderr)}"
    return rows, status


def run_py_worker(args, name: str, python: str, threads: int, sizes: str, batches: str, check_dir: Path) -> list[dict]:
    cmd = [python, HERE, "--worker", name, "--threads", threads, "--sizes", sizes, "--batches", batches,
           "--repeats", args.py_repeats, "--check-dir", check_dir]
    env = dict(os.environ)
    n = str(threads)
    env.update({"OMP_NUM_THREADS": n, "MKL_NUM_THREADS": n, "OPENBLAS_NUM_THREADS": n})
    if name == "jax":
        env["JAX_PLATFORMS"] = "cpu"
        if threads == 1:
            env["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    cpus = sorted(os.sched_getaffinity(0))
    if threads < len(cpus) and shutil.which("taskset"):
        cmd = ["taskset", "-c", ",".join(str(c) for c in cpus[:threads]), *cmd]
    try:
        r = run_cmd(cmd, timeout=3600, env=env)
    except subprocess.TimeoutExpired:
        return [{"kind": "missing", "impl": name, "threads": threads, "why": "timed out after 3600 s"}]
    rows = [d for d in json_lines(r.stdout) if d.get("kind") == "result"]
    if r.returncode != 0 or not rows:
        err = (r.stderr or "").strip().splitlines()
        why = err[-1] if err else f"exit {r.returncode}"
        kind = "missing" if ("ModuleNotFoundError" in r.stderr or "ImportError" in r.stderr) else "failed"
        return [{"kind": "missing", "impl": name, "threads": threads, "why": f"{kind}: {tail(why, 300)} ({python})"}]
    for d in rows:
        d["python"] = python
    return rows


def run_stages(args) -> tuple[list[dict], str]:
    b = binary(args, "stages_bench")
    if b is None:
        return [], "missing: no stages_bench binary"
    out = Path(args.work) / "stages.json"
    cmd = [b, "--benchmark_filter=^(imagenet|normalize_nchw)/", f"--benchmark_repetitions={args.repetitions}",
           "--benchmark_report_aggregates_only=true", f"--benchmark_min_time={args.min_time}",
           f"--benchmark_out={out}", "--benchmark_out_format=json"]
    r = run_cmd(cmd, timeout=7200)
    if r.returncode != 0 or not out.is_file():
        return [], f"failed (exit {r.returncode}): {tail(r.stderr)}"
    rows = []
    for bm in json.loads(out.read_text())["benchmarks"]:
        if bm.get("run_type") == "aggregate" and bm.get("aggregate_name") != "median":
            continue
        if bm.get("error_occurred"):
            rows.append({"name": bm.get("run_name", bm["name"]), "error": bm.get("error_message")})
            continue
        rows.append({"name": bm.get("run_name", bm["name"]), "img_s": bm.get("items_per_second"),
                     "io_gbs": bm.get("io_GBps", 0) / 1e0 if bm.get("io_GBps") else None,
                     "in_gbs": bm.get("in_GBps")})
    return rows, "ok"


# Issue 10's photos: its bars were set on photos of 1.7 MP on average; the set's photos of at
# most 3.2 MP (37, mean 1.56 MP) match that. A second, shorter peers.py run: the ImageNet
# recipe's exact and aliased rows, direct 224, and the antialiasing Python peers.
ISSUE_SIZE_MP = 3.2
ISSUE_SIZE_CPP = "imagenet_pil/pixfuse:.*/warm|imagenet/opencv:linear|direct224/(pixfuse:.*/warm|opencv)"
ISSUE_SIZE_PEERS = "pillow,pillow-simd,torchvision,opencv-linear"
# The two peers.py runs in the report: (its key in report.json, the photos it measured).
PHOTO_RUNS = (("peers", "photos"), ("peers_issue_size", f"photos of at most {ISSUE_SIZE_MP:g} MP"))


def best_pil_row(peers) -> dict | None:
    """The fastest pixfuse target's ImageNet pil row (plans cached) of a peers.py run, if any."""
    if not isinstance(peers, dict):
        return None
    px = [r for r in peers.get("rows", []) if r.get("status") == "ok" and r.get("recipe") == "imagenet"
          and r.get("key") == "imagenet_pil/pixfuse" and r.get("mode") == "warm"]
    return max(px, key=lambda r: r["img_s"]) if px else None


def run_peers(args, simd_python: str | None, issue_size: bool = False) -> tuple[dict | None, str]:
    out = Path(args.work) / ("peers_issue_size.json" if issue_size else "peers.json")
    cmd = [args.python, ROOT / "bench/peers/peers.py", "--json", out,
           "--repeats", args.py_repeats, "--cpp-repetitions", args.repetitions, "--cpp-min-time", args.min_time,
           "--bench", Path(args.build_dir) / "bench/peers_bench", "--bandwidth", Path(args.build_dir) / "bench/bandwidth"]
    if simd_python:
        cmd += ["--pillow-simd-python", simd_python]
    else:
        cmd += ["--no-install"]
    if issue_size:
        cmd += ["--max-mp", ISSUE_SIZE_MP, "--cpp-filter", ISSUE_SIZE_CPP, "--peers", ISSUE_SIZE_PEERS]
        if args.quick:
            cmd += ["--max-images", 8]
    elif args.max_images:
        cmd += ["--max-images", args.max_images]
    if args.targets:
        cmd += ["--targets", args.targets]
    r = run_cmd(cmd, timeout=7200)
    if not out.is_file():
        return None, f"failed (exit {r.returncode}): {tail(r.stderr, 800)}"
    return json.loads(out.read_text()), "ok" if r.returncode == 0 else f"exit {r.returncode} (a check failed: see the table)"


def run_jit_bench(args) -> tuple[list[dict], str]:
    b = binary(args, "jit_bench")
    if b is None:
        src = ROOT / "bench/jit_bench.cpp"
        return [], ("pending: bench/jit_bench.cpp exists but is not built" if src.exists()
                    else "pending: bench/jit_bench.cpp not written yet")
    out = Path(args.work) / "jit.json"
    r = run_cmd([b, f"--benchmark_repetitions={args.repetitions}", "--benchmark_report_aggregates_only=true",
                 f"--benchmark_min_time={args.min_time}", f"--benchmark_out={out}", "--benchmark_out_format=json"],
                timeout=3600)
    if r.returncode != 0 or not out.is_file():
        return [], f"failed (exit {r.returncode}): {tail(r.stderr)}"
    rows = []
    for bm in json.loads(out.read_text())["benchmarks"]:
        if bm.get("run_type") == "aggregate" and bm.get("aggregate_name") != "median":
            continue
        rows.append({"name": bm.get("run_name", bm["name"]), "img_s": bm.get("items_per_second"),
                     "time": bm.get("real_time"), "unit": bm.get("time_unit")})
    return rows, "ok"


def run_e2e(args) -> tuple[dict | None, str]:
    script = ROOT / "bench/e2e/e2e.py"
    if not script.is_file():
        return None, "pending: bench/e2e/e2e.py (pixfuse-prep vs Pillow from JPEG files) not written yet"
    out = Path(args.work) / "e2e.json"
    cmd = [args.python, script, "--json", out, "--repeats", max(3, args.py_repeats if not args.quick else 1)]
    if (Path(args.build_dir) / "examples/prep/pixfuse-prep").is_file():
        cmd += ["--prep", Path(args.build_dir) / "examples/prep/pixfuse-prep"]
    r = run_cmd(cmd, timeout=7200)
    if r.returncode != 0:
        return None, f"failed (exit {r.returncode}): {tail(r.stderr or r.stdout, 600)}"
    if out.is_file():
        try:
            return json.loads(out.read_text()), "ok"
        except ValueError:
            pass
    return {"stdout": r.stdout[-6000:]}, "ok (no JSON: its stdout is quoted)"


def versions(args, simd: tuple[str | None, str]) -> dict:
    v = {}
    probe = ("import json,importlib\nout={}\nfor m in ['numpy','PIL','torch','torchvision','jax','jaxlib','cv2',"
             "'matplotlib']:\n  try:\n    out[m]=importlib.import_module(m).__version__\n  except Exception as e:\n"
             "    out[m]='missing: '+type(e).__name__+': '+str(e)[:120]\nprint(json.dumps(out))")
    r = subprocess.run([args.python, "-c", probe], capture_output=True, text=True)
    if r.returncode == 0:
        v.update({f"python:{k}": val for k, val in json.loads(r.stdout).items()})
    v["python:pillow-simd"] = simd[1] if simd[0] else "missing: " + simd[1]
    for pkg in ("libopencv-dev", "libstb-dev", "libhwy-dev", "libeigen3-dev", "libxsimd-dev", "libbenchmark-dev",
                "libjpeg62-turbo-dev", "g++", "cmake"):
        v[f"deb:{pkg}"] = dpkg_version(pkg) or "not installed"
    hdr = ROOT / "include/pixfuse/version.hpp"
    if hdr.exists():
        parts = [re.search(rf"#define PIXFUSE_VERSION_{p} (\d+)", hdr.read_text()) for p in ("MAJOR", "MINOR", "PATCH")]
        v["pixfuse"] = ".".join(m.group(1) for m in parts) if all(parts) else "?"
    g = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    v["pixfuse_commit"] = (g.stdout.strip() or "?") + (" + local changes" if dirty else "")
    return v


# -----------------------------------------------------------------------------------------
# Report.

LABELS = {
    "pixfuse": "pixfuse {t} (jax mode)",
    "pixfuse_dynamic": "pixfuse {t} (jax mode, dynamic shape)",
    "pixfuse_vmap": "pixfuse {t} (jax mode, vmap + Executor)",
    "pixfuse_cv_linear": "pixfuse {t} (opencv mode, bilinear)",
    "pixfuse_cv_area": "pixfuse {t} (opencv mode, area)",
    "stb": "stb_image_resize float, triangle (C)",
    "opencv_linear": "OpenCV C++ resize INTER_LINEAR + blobFromImage",
    "opencv_area": "OpenCV C++ resize INTER_AREA + blobFromImage",
    "jax": "JAX jit(vmap(resize + normalise + transpose))",
    "torchvision": "torchvision v2 resize(antialias) + normalize (float batch)",
    "pillow": "Pillow mode F + NumPy",
    "pillow-simd": "Pillow-SIMD mode F + NumPy",
}
SEMANTICS = {
    "pixfuse": "= jax.image.resize linear", "pixfuse_dynamic": "= jax.image.resize linear",
    "pixfuse_vmap": "= jax.image.resize linear",
    "pixfuse_cv_linear": "= OpenCV INTER_LINEAR (aliased)", "pixfuse_cv_area": "= OpenCV INTER_AREA",
    "stb": "antialiased triangle, clamped edges", "opencv_linear": "bilinear, aliased",
    "opencv_area": "area", "jax": "antialiased triangle (the seeds')", "torchvision": "antialiased triangle",
    "pillow": "antialiased triangle", "pillow-simd": "antialiased triangle",
}
# Which pixfuse row has the same output as each peer (the ratio's denominator).
SAME_AS = {"opencv_linear": "pixfuse_cv_linear", "opencv_area": "pixfuse_cv_area"}


def fmt(v, spec="%.1f", none="–"):
    return none if v is None else spec % v


def seeds_rows(results: list[dict], w: int, h: int, batch: int, threads: int) -> list[dict]:
    return [r for r in results if r.get("kind") == "result" and r["width"] == w and r["height"] == h
            and r["batch"] == batch and r["threads"] == threads]


def best_pixfuse(rows: list[dict], impl: str = "pixfuse") -> dict | None:
    c = [r for r in rows if r["impl"] == impl and r.get("target") != "scalar"]
    return max(c, key=lambda r: r["img_s"]) if c else None


def roof_frac(r: dict, bw: dict, threads: int) -> float | None:
    if bw.get("status") != "ok":
        return None
    gbs = bw["copy_gbs_1"] if threads == 1 else bw["copy_gbs_all"]
    return r["img_s"] * (r["bytes_in"] + r["bytes_out"]) / 1e9 / gbs


def seeds_table(results, missing, bw, w, h, batch, threads) -> tuple[list[str], list[dict]]:
    rows = seeds_rows(results, w, h, batch, threads)
    if not rows:
        return [], []
    ref = best_pixfuse(rows)
    out = ["| implementation | semantics | img/s | ms / batch | × pixfuse (jax mode) | × pixfuse, same output "
           "| roofline | check |", "|---|---|---:|---:|---:|---:|---:|---|"]
    order = list(LABELS)
    rows = sorted(rows, key=lambda r: (order.index(r["impl"]) if r["impl"] in order else 99, -r["img_s"]))
    for r in rows:
        label = LABELS.get(r["impl"], r["impl"]).format(t=r.get("target", ""))
        v = r.get("info", {}).get("version")
        if v:
            label += f" {v}"
        same = best_pixfuse(rows, SAME_AS[r["impl"]]) if r["impl"] in SAME_AS else (
            ref if r["impl"] in ("jax", "torchvision", "pillow", "pillow-simd", "pixfuse", "pixfuse_dynamic",
                                 "pixfuse_vmap") else None)
        r["x_pixfuse"] = r["img_s"] / ref["img_s"] if ref else None
        r["x_same"] = r["img_s"] / same["img_s"] if same else None
        r["roofline"] = roof_frac(r, bw, threads)
        chk = r.get("check_text", "")
        out.append(f"| {label} | {SEMANTICS.get(r['impl'], '')} | {r['img_s']:.1f} | {1e3 * batch / r['img_s']:.1f} | "
                   f"{fmt(r['x_pixfuse'], '%.3f')} | {fmt(r['x_same'], '%.3f')} | "
                   f"{fmt(None if r['roofline'] is None else 100 * r['roofline'], '%.1f%%')} | {chk} |")
    for m in missing:
        if m.get("threads", threads) == threads:
            out.append(f"| {LABELS.get(m['impl'], m['impl']).format(t='')} | | missing | | | | | {m['why']} |")
    return out, rows


def apply_clock(seeds: dict, clock: str):
    """img_s := per process-CPU second for one-thread rows (clock "cpu") or per wall second."""
    for r in seeds["results"] + seeds.get("size_sweep", []) + seeds.get("batch_sweep", []):
        r.setdefault("img_s_wall", r["img_s"])
        r["img_s"] = r["img_s_cpu"] if clock == "cpu" and r["threads"] == 1 and r.get("img_s_cpu") else r["img_s_wall"]


def attach_checks(results: list[dict], cpp_checks: list[dict]):
    by = {}
    for c in cpp_checks:
        if c.get("width") == 512 or c["what"] not in by:
            by[c["what"].split(":")[0] if c["what"].startswith("pixfuse_cv") else c["what"]] = c
    for r in results:
        if r.get("kind") != "result":
            continue
        if r["impl"] in ("pixfuse", "pixfuse_dynamic", "pixfuse_vmap"):
            key = f"{r['impl']}:{r['target']}"
            c = by.get(key)
            r["check_text"] = ("reference" if r["target"] == "scalar" else
                               (f"{'ok' if c['ok'] else 'MISMATCH'}, Δ {c['max_abs_diff']:.2g} vs scalar" if c else ""))
        elif r["impl"] in ("pixfuse_cv_linear", "pixfuse_cv_area"):
            c = by.get(r["impl"])
            r["check_text"] = f"{'ok' if c['ok'] else 'MISMATCH'}, Δ {c['max_abs_diff']:.2g} vs OpenCV" if c else ""
        elif r["impl"] in ("stb", "opencv_linear", "opencv_area"):
            c = by.get(r["impl"])
            r["check_text"] = f"Δ {c['max_abs_diff']:.2g} vs pixfuse jax mode (other semantics)" if c else ""
        else:
            c = r.get("check") or {}
            d = c.get("max_abs_diff")
            r["check_text"] = f"Δ {d:.2g} vs pixfuse jax mode" if d is not None else "not checked"


def stages_table(stages: list[dict], bw: dict) -> list[str]:
    if not stages:
        return []
    out = ["| benchmark | img/s | read + written GB/s | roofline (copy, 1 thread) |", "|---|---:|---:|---:|"]
    for s in stages:
        if s.get("error"):
            out.append(f"| {s['name']} | error: {s['error']} | | |")
            continue
        frac = s["io_gbs"] / bw["copy_gbs_1"] if bw.get("status") == "ok" and s.get("io_gbs") else None
        out.append(f"| {s['name']} | {fmt(s['img_s'])} | {fmt(s.get('io_gbs'), '%.2f')} | "
                   f"{fmt(None if frac is None else 100 * frac, '%.1f%%')} |")
    return out


def plots(report: dict, docs: Path) -> list[str]:
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        log(f"report: no matplotlib ({e}): no plots")
        return []
    made = []
    seeds = report["seeds"]["results"]
    thr_all = max((r["threads"] for r in seeds if r.get("kind") == "result"), default=1)

    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    def plain_log_ticks(axis):
        # Labels at 1, 2, 5 x 10^k as plain numbers; matplotlib's own labels of the minor
        # ticks overlap on axes that span under two decades.
        axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_minor_formatter(NullFormatter())

    def bars(ax, rows, title):
        rows = sorted(rows, key=lambda r: r["img_s"])
        names = [r["label"] for r in rows]
        vals = [r["img_s"] for r in rows]
        colors = ["#d62728" if r["label"].startswith("pixfuse") else "#7f7f7f" for r in rows]
        ax.barh(range(len(rows)), vals, color=colors)
        ax.set_yticks(range(len(rows)), names, fontsize=7)
        ax.set_xscale("log")
        plain_log_ticks(ax.xaxis)
        ax.set_xlabel("images / s (log)")
        ax.set_title(title, fontsize=9)
        for i, v in enumerate(vals):
            ax.text(v, i, f" {v:.0f}", va="center", fontsize=6)

    def seeds_bar_rows(w, h, batch, threads):
        rows = seeds_rows(seeds, w, h, batch, threads)
        out = []
        for r in rows:
            if r.get("target") == "scalar" and r["impl"] != "pixfuse":
                continue
            if r["impl"] == "pixfuse" and r.get("target") not in ("scalar",) and r is not best_pixfuse(rows):
                continue
            out.append({"label": LABELS.get(r["impl"], r["impl"]).format(t=r.get("target", "")), "img_s": r["img_s"]})
        return out

    # Photos: every peer, and each pixfuse pipeline twice: its fastest SIMD target and scalar.
    picked, fastest = [], {}
    peers = report.get("peers") or {}
    for r in peers.get("rows", []) if isinstance(peers, dict) else []:
        if r.get("status") == "ok" and r["recipe"] == "imagenet" and r.get("mode", "warm") in ("warm", ""):
            if r.get("target") and r["target"] != "scalar":
                if r["key"] not in fastest or r["img_s"] > fastest[r["key"]]["img_s"]:
                    fastest[r["key"]] = r
            else:
                picked.append(r)
    photo_rows = [{"label": r["impl"].replace(" (warm)", "") +
                   (" (PIL mode, bit-exact)" if r.get("key") == "imagenet_pil/pixfuse" else ""),
                   "img_s": r["img_s"]} for r in picked + list(fastest.values())]

    # Headline: the seeds' workload and the ImageNet recipe on photos, one thread.
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    bars(axes[0], seeds_bar_rows(512, 512, 32, 1), "seeds' workload: 32 x 512x512x3 f32 -> 224x224 NCHW, 1 thread")
    axes[0].axvline(SEEDS_JAX_IMG_S, color="#1f77b4", ls="--", lw=1)
    axes[0].text(SEEDS_JAX_IMG_S, -0.9, f" seeds' JAX figure ({SEEDS_JAX_IMG_S} img/s)", fontsize=6, color="#1f77b4")
    if photo_rows:
        photos = (peers.get("photos") or {}) if isinstance(peers, dict) else {}
        photo_set = (f"{photos['images']} photos of {photos['mean_mp']:.2f} MP mean"
                     if photos.get("images") and photos.get("mean_mp") else "decoded photos")
        bars(axes[1], photo_rows, f"ImageNet eval recipe, 1 thread\n{photo_set}")
    else:
        axes[1].set_axis_off()
    fig.tight_layout()
    p = docs / "perf_headline.png"
    fig.savefig(p, dpi=110)
    plt.close(fig)
    made.append(p.name)

    # By workload: seeds 512 / 384, 1 and all threads.
    combos = [(512, 1), (384, 1), (512, thr_all), (384, thr_all)]
    fig, axes = plt.subplots(2, 2, figsize=(13, 8))
    for ax, (s, t) in zip(axes.flat, combos):
        rows = seeds_bar_rows(s, s, 32, t)
        if rows:
            bars(ax, rows, f"{s}x{s} f32 -> 224, batch 32, {t} thread(s)")
        else:
            ax.set_axis_off()
    fig.tight_layout()
    p = docs / "perf_workloads.png"
    fig.savefig(p, dpi=110)
    plt.close(fig)
    made.append(p.name)

    # pixfuse vs image size, and vs batch size.
    sweep = report["seeds"].get("size_sweep", [])
    if sweep:
        fig, ax = plt.subplots(figsize=(6.5, 4))
        for impl in ("pixfuse", "pixfuse_cv_linear", "opencv_linear", "stb"):
            pts = sorted((r["width"] * r["height"] / 1e6, r["img_s"], r["width"]) for r in sweep if r["impl"] == impl)
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-",
                        label=LABELS[impl].format(t=pts and next(r["target"] for r in sweep if r["impl"] == impl)))
        ax.set_xscale("log")
        ax.set_yscale("log")
        plain_log_ticks(ax.xaxis)
        plain_log_ticks(ax.yaxis)
        ax.set_xlabel("input megapixels (square f32 RGB -> 224x224)")
        ax.set_ylabel("images / s, 1 thread")
        ax.legend(fontsize=7)
        ax.grid(True, which="both", alpha=0.3)
        fig.tight_layout()
        p = docs / "perf_size.png"
        fig.savefig(p, dpi=110)
        plt.close(fig)
        made.append(p.name)
    bsweep = report["seeds"].get("batch_sweep", [])
    if bsweep:
        fig, ax = plt.subplots(figsize=(6.5, 4))
        for impl, mark, name in (("pixfuse", "o-", "pixfuse, loop of run()"), ("pixfuse_vmap", "^-", "pixfuse vmap")):
            for t in sorted({r["threads"] for r in bsweep}):
                pts = sorted((r["batch"], r["img_s"]) for r in bsweep if r["threads"] == t and r["impl"] == impl)
                if pts:
                    ax.plot([p[0] for p in pts], [p[1] for p in pts], mark, label=f"{name}, {t} thread(s)")
        for t in sorted({r["threads"] for r in seeds if r.get("kind") == "result"}):
            pts = sorted((r["batch"], r["img_s"]) for r in seeds if r.get("kind") == "result" and r["impl"] == "jax"
                         and r["threads"] == t and r["width"] == 512)
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], "s--", label=f"JAX, {t} thread(s)")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        plain_log_ticks(ax.yaxis)
        ax.set_xlabel("batch size (512x512 f32 -> 224x224)")
        ax.set_ylabel("images / s")
        ax.legend(fontsize=7)
        ax.grid(True, which="both", alpha=0.3)
        fig.tight_layout()
        p = docs / "perf_batch.png"
        fig.savefig(p, dpi=110)
        plt.close(fig)
        made.append(p.name)

    # Scaling with threads: 1 vs all, seeds 512 batch 32.
    if thr_all > 1:
        impls = []
        for impl in LABELS:
            one = [r for r in seeds_rows(seeds, 512, 512, 32, 1) if r["impl"] == impl and r.get("target") != "scalar"]
            many = [r for r in seeds_rows(seeds, 512, 512, 32, thr_all) if r["impl"] == impl and r.get("target") != "scalar"]
            if one and many:
                wall = lambda r: r.get("img_s_wall", r["img_s"])  # noqa: E731  (both per wall second)
                a, b = max(one, key=wall), max(many, key=wall)
                impls.append((LABELS[impl].format(t=a.get("target", "")), wall(a), wall(b)))
        if impls:
            fig, ax = plt.subplots(figsize=(9, 4.5))
            import numpy as np
            y = np.arange(len(impls))
            ax.barh(y - 0.2, [i[1] for i in impls], 0.4, label="1 thread")
            ax.barh(y + 0.2, [i[2] for i in impls], 0.4, label=f"{thr_all} threads")
            ax.set_yticks(y, [f"{i[0]}  (x{i[2] / i[1]:.2f})" for i in impls], fontsize=7)
            ax.set_xscale("log")
            plain_log_ticks(ax.xaxis)
            ax.set_xlabel("images / wall-clock s (log), 512x512 f32 -> 224, batch 32")
            ax.legend(fontsize=8)
            fig.tight_layout()
            p = docs / "perf_threads.png"
            fig.savefig(p, dpi=110)
            plt.close(fig)
            made.append(p.name)
    return made


def markdown(report: dict, args) -> str:
    m, bw, v = report["machine"], report["bandwidth"], report["versions"]
    seeds = report["seeds"]
    L = []
    L.append("# pixfuse performance report")
    L.append("")
    L.append("<!-- Generated by bench/report/report.py; edit the script, not this file. -->")
    L.append("")
    L.append(f"Generated {report['date']} in {report['seconds']:.0f} s by:")
    L.append("")
    L.append("```sh")
    L.append("bash cmake/install-deps.sh --report      # peers: Debian packages + PyPI venvs under /opt")
    L.append(report["command_for_docs"])
    L.append("```")
    L.append("")
    L.append("Hand-written measurements (what each kernel change gained, quiet reruns of the issues' bars, "
             "what was tried and not kept, with their commands) are in [PERFORMANCE_LOG.md](PERFORMANCE_LOG.md); "
             "this file is rewritten whole by every run.")
    L.append("")
    la0, la1 = m.get("loadavg_start"), report.get("loadavg_end")
    b0, b1 = m.get("cpu_busy_start"), report.get("cpu_busy_end")
    cores = m.get("cores") or 1  # (the report's own benchmarks load up to all cores: allowed for at the end)
    if b0 is not None and b1 is not None:  # other work on the CPUs just before and just after the run
        busy = max(b0, b1) > 0.25
        seen = (f"{100 * b0:.0f}% of the CPUs busy in the 2 s before it, {100 * b1:.0f}% in the 2 s after; load "
                f"average {la0[0]:.1f} and {la1[0]:.1f}")
    else:  # a report.json from before cpu_busy: the load average alone
        busy = bool(la0) and (la0[0] > 0.5 * cores or (la1 or la0)[0] > cores + 0.5)
        seen = f"load average {la0[0]:.1f} at the start, {la1[0] if la1 else float('nan'):.1f} at the end" if la0 else ""
    if busy:
        L.append(f"> **The machine was busy while this ran** ({seen}, on {m.get('cores')} cores): absolute figures "
                 "are low and noisy, ratios within one table less so. One-thread rows are per process-CPU second "
                 "where noted. Re-run the command on a quiet machine before quoting numbers.")
        L.append("")
    if args.quick:
        L.append("> `--quick`: short settings (few repetitions, few photos); rough figures.")
        L.append("")
    L.append("## Summary")
    L.append("")
    L.extend(summary_lines(report))
    L.append("")
    L.append("## Machine")
    L.append("")
    L.append(f"- CPU: {m.get('model')} — {m.get('cores')} logical CPUs"
             + (f"; lscpu: " + ", ".join(f"{k} {val}" for k, val in m.get("lscpu", {}).items()) if m.get("lscpu") else ""))
    L.append(f"- SIMD flags: {' '.join(m.get('simd_flags', []))}")
    L.append(f"- memory: {m.get('mem_gib')} GiB; kernel {m.get('kernel')}; compiler: {m.get('compiler')}")
    L.append(f"- pixfuse targets compiled and usable here: {report.get('targets', '?')}")
    L.append("")
    L.append("## Versions")
    L.append("")
    L.append("| component | version |")
    L.append("|---|---|")
    for k, val in v.items():
        L.append(f"| {k} | {val} |")
    L.append("")
    L.append("## Roofline")
    L.append("")
    if bw.get("status") == "ok":
        L.append(f"`bandwidth` ({bw.get('size_mib')} MiB buffer, median of {bw.get('repeats')}; the better of "
                 f"{len(bw.get('runs', [1]))} runs, before and after the benchmarks):")
        L.append("")
        L.append("| | 1 thread | " + f"{bw['threads']} threads |")
        L.append("|---|---:|---:|")
        L.append(f"| read GB/s | {bw['read_gbs_1']:.2f} | {bw['read_gbs_all']:.2f} |")
        L.append(f"| copy GB/s (bytes read + bytes written) | {bw['copy_gbs_1']:.2f} | {bw['copy_gbs_all']:.2f} |")
        L.append("")
        L.append("**Fraction of the roofline**, seeds' workload and stage benchmarks: *bytes touched* = input bytes "
                 "read once + output bytes written once, per second, over the **copy** bandwidth (which counts "
                 "read + written the same way) for that thread count. ImageNet-on-photos tables (from "
                 "`bench/peers/peers.py`): the source bytes the recipe must read (the 64-byte lines its output "
                 "depends on) over the **one-thread read** bandwidth. 100% is the memory system's limit; a "
                 "compute-bound kernel sits well below it. Over 100% means the data were cache-resident (small images, "
                 "e.g. the 224x224 and 512x512 stage benchmarks run the same image again and again), not that "
                 "DRAM was beaten; OpenCV's INTER_LINEAR (no antialias) is credited with the whole input although it "
                 "reads only the rows and columns it samples, so it can pass 100% too.")
    else:
        L.append(f"bandwidth: {bw.get('status')}")
    L.append("")

    # Seeds' workload.
    L.append("## The seeds' workload: 32 random float32 512x512x3 → 224x224, normalised, NCHW")
    L.append("")
    L.append("`jax.jit(jax.vmap(lambda img: normalise(transpose(jax.image.resize(img, (224, 224, 3), 'linear')))))`"
             " on a batch of random float32 images in [0, 1); the seeds report "
             f"**{SEEDS_JAX_IMG_S} img/s** for it. pixfuse computes the same output "
             "(`resize<224, 224>().filter(bilinear).compat(jax) | normalize(1, mean, std) | nchw() | cast<float>()`, "
             "checked against JAX on the same inputs: the Δ column) with a loop of `pixfuse::run` per image over "
             "the threads (no batch API was used here). C++ rows: `bench/report/seeds_bench.cpp`; Python rows: "
             "this script's workers. img/s is the median of the repetitions, "
             + ("per process-CPU second for one-thread rows (equal to wall time on a quiet machine, steadier on a "
                "busy one) and per wall-clock second for more threads; "
                if args.clock == "cpu" else "per wall-clock second; ") +
             "'ms / batch' follows from it; "
             "'× pixfuse' divides by the best pixfuse SIMD target in jax mode; '× pixfuse, same output' by pixfuse "
             "producing the same values (opencv mode for OpenCV).")
    L.append("")
    threads_all = sorted({r["threads"] for r in seeds["results"] if r.get("kind") == "result"})
    for (w, h) in ((512, 512), (384, 384)):
        for batch in (32, 16, 8):
            for t in threads_all:
                tab, _ = seeds_table(seeds["results"], seeds["missing"], bw, w, h, batch, t)
                if tab:
                    L.append(f"### {w}x{h}, batch {batch}, {t} thread{'s' if t > 1 else ''}")
                    L.append("")
                    L.extend(tab)
                    L.append("")
    if seeds.get("size_sweep"):
        L.append("### pixfuse vs input size (batch 32, 1 thread)")
        L.append("")
        L.append("| input | impl | img/s | roofline |")
        L.append("|---|---|---:|---:|")
        for r in sorted(seeds["size_sweep"], key=lambda r: (r["impl"], r["width"])):
            fr = roof_frac(r, bw, 1)
            L.append(f"| {r['width']}x{r['height']} | {LABELS.get(r['impl'], r['impl']).format(t=r.get('target', ''))} "
                     f"| {r['img_s']:.1f} | {fmt(None if fr is None else 100 * fr, '%.1f%%')} |")
        L.append("")
    if seeds.get("batch_sweep"):
        L.append("### pixfuse vs batch size (512x512)")
        L.append("")
        L.append("| impl | batch | threads | img/s | roofline |")
        L.append("|---|---:|---:|---:|---:|")
        for r in sorted(seeds["batch_sweep"], key=lambda r: (r["impl"], r["threads"], r["batch"])):
            fr = roof_frac(r, bw, r["threads"])
            L.append(f"| {LABELS.get(r['impl'], r['impl']).format(t=r.get('target', ''))} | {r['batch']} | "
                     f"{r['threads']} | {r['img_s']:.1f} | {fmt(None if fr is None else 100 * fr, '%.1f%%')} |")
        L.append("")
    if seeds.get("status") != "ok":
        L.append(f"seeds_bench: {seeds.get('status')}")
        L.append("")

    # ImageNet on photos (peers.py).
    L.append("## ImageNet eval recipe on decoded photos (and direct 224, YOLO letterbox)")
    L.append("")
    peers = report.get("peers")
    if isinstance(peers, dict) and peers.get("markdown"):
        L.append("From `bench/peers/peers.py` (run by this script): one thread, the same decoded pixels for every "
                 "peer, img/s per process-CPU second (the 'wall' column is wall-clock).")
        L.append("")
        L.append(peers["markdown"].replace("\n### ", "\n#### "))
    else:
        L.append(f"peers.py: {report.get('peers_status')}")
    L.append("")
    small = report.get("peers_issue_size")
    if isinstance(small, dict) and small.get("markdown"):
        L.append(f"### The same on photos of issue 10's size (the set's photos of at most {ISSUE_SIZE_MP:g} MP)")
        L.append("")
        big = (peers.get("photos") or {}).get("mean_mp") if isinstance(peers, dict) else None
        L.append("Issue 10 set its bars on photos of 1.7 MP on average" +
                 (f"; the set above averages {big:.2f} MP" if big else "") +
                 ". The bigger the photo, the more an aliased resize gains: it reads only the rows and columns "
                 "it samples, whatever the photo's size, where an antialiased one reads every pixel under the "
                 "crop. A second `peers.py` run on the set's smaller photos "
                 f"(`--max-mp {ISSUE_SIZE_MP:g}`), with the exact and aliased ImageNet rows, direct 224 and "
                 "the antialiasing Python peers:")
        L.append("")
        L.append(small["markdown"].replace("\n### ", "\n#### "))
        L.append("")
    elif report.get("peers_issue_size_status") not in (None, "skipped"):
        L.append(f"peers.py on photos of issue 10's size: {report.get('peers_issue_size_status')}")
        L.append("")

    L.append("## Stages: fused vs separate passes, normalise beside loops / xsimd / Eigen")
    L.append("")
    L.append("From `stages_bench` (one thread, per CPU second). `imagenet/*/fused` is the one-pass kernel; "
             "`2pass` resizes + crops to a u8 intermediate then normalises; `2pass_full` materialises the whole "
             "resized image first (torchvision's structure). `normalize_nchw/*` compares pixfuse's normalise + "
             "NHWC→NCHW with plain loops, xsimd and Eigen (bench/compare/). 'read + written' counts the source "
             "window read and the final tensor written.")
    L.append("")
    L.extend(stages_table(report["stages"]["rows"], bw) or [f"stages_bench: {report['stages']['status']}"])
    L.append("")

    L.append("## Static vs dynamic shapes (jit_bench)")
    L.append("")
    jit = report["jit"]
    if jit["rows"]:
        L.append("From `jit_bench` (median of the repetitions; time per iteration as the benchmark defines it: "
                 "see bench/jit_bench.cpp). `static`: output extents known at compile time (run_static); "
                 "`dynamic`: run-time extents; `cold`: the plan is lowered inside the loop; `warm`: cached.")
        L.append("")
        L.append("| benchmark | ms / iteration | items/s |")
        L.append("|---|---:|---:|")
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
        for r in jit["rows"]:
            ms = r["time"] * scale.get(r.get("unit") or "ns", 1e-6) if r.get("time") is not None else None
            L.append(f"| {r['name']} | {fmt(ms, '%.3f')} | {fmt(r['img_s'])} |")
    else:
        L.append(f"jit_bench: {jit['status']}. (The seeds' tables above include 'dynamic shape' rows: the same "
                 "recipe with `resize(224, 224)` instead of `resize<224, 224>()`.)")
    L.append("")

    L.append("## End to end from JPEG files")
    L.append("")
    e2e = report["e2e"]
    if e2e.get("data") and e2e["data"].get("img_per_s"):
        d = e2e["data"]
        L.append(f"From `bench/e2e/e2e.py` (run by this script): {d.get('images')} JPEG files of the photo set, mean "
                 f"{d.get('mean_mp', 0):.2f} MP, file → (N, 3, 224, 224) f32, ImageNet recipe; median wall time "
                 f"over the repeats; peak RSS of pixfuse-prep beside its rows.")
        diffs = d.get("max_abs_diff")
        for k, val in (diffs.items() if isinstance(diffs, dict) else [("pixfuse-prep exact vs Pillow", diffs)]):
            L.append(f"- max |Δ| {k}: {fmt(val, '%.3g')}")
        for k, val in (d.get("skipped") or {}).items():
            L.append(f"- not measured: {k} ({val})")
        L.append("")
        ref = d["img_per_s"].get("pixfuse-prep exact, 1 thread")
        rss = d.get("peak_rss_mib") or {}
        L.append("| configuration | img/s | × pixfuse-prep exact, 1 thread | peak RSS |")
        L.append("|---|---:|---:|---:|")
        for k, val in d["img_per_s"].items():
            mem = f"{rss[k]:.0f} MiB" if k in rss else ""
            L.append(f"| {k} | {val:.1f} | {fmt(val / ref if ref else None, '%.2f')} | {mem} |")
        L.append("")
        for k, val in d.get("ratios", {}).items():
            L.append(f"- {k}: **{val:.2f}x**")
        floors = d.get("decode_floors") or {}
        if floors:
            L.append("")
            L.append("What the decoder alone takes (pixfuse-prep's `decode_s`: read, header check, "
                     "libjpeg-turbo decode), against the time a one-thread target ratio allows in all:")
            L.append("")
            L.append("| run vs peer, target | total | decode alone | the target allows |")
            L.append("|---|---:|---:|---:|")
            for k, v in floors.items():
                L.append(f"| {k} | {v['total_s']:.3f} s | {v['decode_s']:.3f} s | {v['allowed_s']:.3f} s |")
    elif e2e.get("data"):
        d = e2e["data"]
        L.append("```\n" + json.dumps(d, indent=1)[:6000] + "\n```")
    else:
        L.append(f"{e2e['status']}.")
    L.append("")

    L.append("## Instructions per output pixel (callgrind)")
    L.append("")
    L.extend(instructions.markdown(report.get("instructions") or {"status": "not measured in this run"}))
    L.append("## What bounds each workload")
    L.append("")
    L.extend(bounds_lines(report))
    L.append("")
    L.append("## Where a peer is ahead of pixfuse")
    L.append("")
    ahead = report.get("peer_ahead", [])
    if ahead:
        for a in ahead:
            L.append(f"- {a}")
        L.append("")
        L.append("Why, where it is known:")
        L.append("")
        L.extend(WHY_AHEAD_TEXT)
    else:
        L.append("- none in this run")
    L.append("")
    L.append("## Plots")
    L.append("")
    for p in report.get("plots", []):
        L.append(f"![{p}]({p})")
        L.append("")
    return "\n".join(L)


SHORT = {"stb": "stb_image_resize", "opencv_linear": "OpenCV INTER_LINEAR (aliased)", "opencv_area": "OpenCV INTER_AREA",
         "jax": "JAX", "torchvision": "torchvision", "pillow": "Pillow", "pillow-simd": "Pillow-SIMD"}


def summary_lines(report: dict) -> list[str]:
    out = []
    seeds = report["seeds"]["results"]
    for t in sorted({r["threads"] for r in seeds if r.get("kind") == "result"}):
        rows = seeds_rows(seeds, 512, 512, 32, t)
        ref = best_pixfuse(rows)
        if not ref:
            continue
        peers = {r["impl"]: r for r in rows if not r["impl"].startswith("pixfuse")}
        parts = [f"{SHORT.get(k, k)} {v['img_s']:.0f} (x{ref['img_s'] / v['img_s']:.1f})"
                 for k, v in sorted(peers.items(), key=lambda kv: -kv[1]["img_s"])]
        out.append(f"- Seeds' workload (32 x 512x512 f32 → 224, {t} thread{'s' if t > 1 else ''}): pixfuse "
                   f"{ref['target']} **{ref['img_s']:.0f} img/s**; peers (pixfuse's speed-up over each in brackets; "
                   f"OpenCV without antialias is a different output): " + ", ".join(parts) +
                   (f". The seeds' own JAX figure: {SEEDS_JAX_IMG_S} img/s." if t == 1 else "."))
    for key, where in PHOTO_RUNS:
        peers = report.get(key)
        best = best_pil_row(peers)
        if best:
            rows = [r for r in peers.get("rows", []) if r.get("status") == "ok" and r["recipe"] == "imagenet"]
            parts = [f"{r['impl'].split(' (')[0]} {r['img_s']:.0f} (x{best['img_s'] / r['img_s']:.1f})"
                     for r in rows if r["key"] in ("py:pillow", "py:pillow-simd", "py:torchvision")]
            cv = [r for r in rows if r["key"] == "imagenet/opencv:linear"]
            aliased = (f"; OpenCV C++ INTER_LINEAR + blob (aliased, another output) {cv[0]['img_s']:.0f}: pixfuse "
                       f"x{best['img_s'] / cv[0]['img_s']:.2f}" if cv else "")
            mean = (peers.get("photos") or {}).get("mean_mp")
            size = f", mean {mean:.2f} MP" if mean else ""
            frac = best.get("roofline")
            roof = f" ({100 * frac:.1f}% of the read roofline)" if frac else ""
            out.append(f"- ImageNet recipe on {where}{size} (PIL-exact output, 1 thread): pixfuse {best['target']} "
                       f"**{best['img_s']:.0f} img/s**{roof}; " + ", ".join(parts) + aliased + ".")
    n = len(report.get("peer_ahead", []))
    out.append(f"- Cases where a peer is faster: {n} (listed under 'Where a peer is ahead of pixfuse')." if n else
               "- No peer is faster than pixfuse on any workload in this run.")
    return out


BOUNDS_TEXT = [
    "- **Seeds' workload (f32 → 224, antialiased)**: the input is 3.1 MB of float32 per 512x512 image, read once; "
    "the output 0.6 MB. A tap-sparse separable resize does ~5 taps x 2 passes per output value; {seeds_bound} "
    "On all threads the cores share the memory bandwidth and the fraction rises. JAX contracts dense 512x224 weight "
    "matrices (GEMM, ~16 GFLOP per batch of 32, ~1% of them on non-zero weights): compute-bound by design, which is "
    "the gap to pixfuse.",
    "- **OpenCV INTER_LINEAR (no antialias)** reads only the two rows and columns around each sample: far fewer "
    "bytes and taps than any antialiased resize, so it is a different (aliasing) workload; compare it with "
    "pixfuse's opencv mode, which produces the same values.",
    "- **ImageNet recipe on photos**: antialiased resize of 1-12 MP u8 images to ~256 px and a 224 crop: "
    "each source pixel under the crop is read once (bandwidth sets the ceiling), the horizontal pass does ~2 x scale "
    "taps per output; {pil_bound}",
    "- **End to end from JPEG**: **decode-bound**: a full-size libjpeg-turbo decode costs several times the "
    "preprocessing; DCT-domain downscaling (decode at 1/2, 1/4, 1/8) is the lever.",
    "- **normalise + NHWC→NCHW alone** (stages): 1 byte in, 4 bytes out per value: **bandwidth-bound** (store "
    "bandwidth) once the loop is vectorised.",
]


# A one-thread run at this fraction of its roofline or more is called near the memory limit below.
NEAR_ROOFLINE = 0.6


def bound_words(frac: float | None, what: str) -> str:
    if frac is None:
        return f"the {what} was not measured in this run, so what bounds it is not stated."
    if frac >= NEAR_ROOFLINE:
        return (f"one thread runs at {100 * frac:.0f}% of the {what}: **near the memory limit** on this "
                f"machine, so cheaper taps gain little here.")
    return (f"one thread runs at {100 * frac:.0f}% of the {what}: **compute-bound** on this machine "
            f"(the roofline column shows how far from the memory limit).")


def bounds_lines(report: dict) -> list[str]:
    """BOUNDS_TEXT with the seeds' and the photos' one-thread bound read off this run's figures
    (at NEAR_ROOFLINE or above: near the memory limit): a machine with a third of the bandwidth moves them."""
    seeds_frac = None
    bw = report.get("bandwidth", {})
    ref = best_pixfuse(seeds_rows(report.get("seeds", {}).get("results", []), 512, 512, 32, 1))
    if ref:
        seeds_frac = roof_frac(ref, bw, 1)
    best_pil = best_pil_row(report.get("peers"))
    pil_frac = best_pil.get("roofline") if best_pil else None
    return [line.format(seeds_bound=bound_words(seeds_frac, "copy roofline (batch 32)"),
                        pil_bound=bound_words(pil_frac, "read roofline (the best target)"))
            for line in BOUNDS_TEXT]


WHY_AHEAD_TEXT = [
    "- **OpenCV INTER_LINEAR, same output (opencv mode: seeds' workload, direct 224, YOLO letterbox)**: OpenCV "
    "specialises the 2-tap linear filter: it resizes only the source rows an output row needs, row by row, "
    "vectorised along the row, and reuses them for the next output row. pixfuse's two-tap path "
    "(`cpu/fused/two_tap-inl.h`) does the same (lanes = output columns, each source row resampled once), so "
    "where OpenCV leads in this mode the margin is small: see the ratio.",
    "- **End to end with fast decode vs Pillow + draft()**: both decode with libjpeg-turbo's DCT scaling at the "
    "same scale, which is ~90% of the time; preprocessing is the remaining tenth, so they tie.",
    "- **normalise + NHWC→NCHW alone**: the *affine* variants fold `(x/255 - mean)/std` into `a*x + b`, which "
    "changes 74% of the values (up to 116 ulp) and which pixfuse does not do. The exact ones compute the same "
    "values as pixfuse: the plain loop with two divisions per vector, which some CPUs (AMD Zen 5) divide about "
    "as fast as pixfuse's division-free form (five multiply-adds, `plan/division_free.hpp`) computes it.",
]


def find_ahead(report: dict) -> list[str]:
    """Cases where a peer is faster than pixfuse producing the same (or the comparable) output,
    grouped: one line per (peer, workload family) with the number of cases and the range."""
    out = []
    seeds = report["seeds"]["results"]
    combos = {(r["width"], r["height"], r["batch"], r["threads"]) for r in seeds if r.get("kind") == "result"}
    groups: dict[tuple[str, str], list[tuple[float, str]]] = {}
    for (w, h, b, t) in sorted(combos):
        rows = seeds_rows(seeds, w, h, b, t)
        for r in rows:
            if r["impl"].startswith("pixfuse"):
                continue
            same_impl = SAME_AS.get(r["impl"], "pixfuse")
            same = best_pixfuse(rows, same_impl)
            if same and r["img_s"] > same["img_s"]:
                groups.setdefault((r["impl"], same_impl), []).append(
                    (r["img_s"] / same["img_s"], f"{w}x{h} b{b} t{t}: {r['img_s']:.0f} vs {same['img_s']:.0f}"))
    for (impl, same_impl), cases in groups.items():
        cases.sort()
        out.append(f"seeds' workload (f32 → 224): {LABELS[impl]} is faster than "
                   f"{LABELS[same_impl].format(t='').replace('pixfuse  ', 'pixfuse ')} (same output) in {len(cases)} of "
                   f"{len(combos)} configurations, x{cases[0][0]:.2f} to x{cases[-1][0]:.2f} (worst: {cases[-1][1]} img/s)")
    for key, where in PHOTO_RUNS:
        peers = report.get(key)
        if not isinstance(peers, dict):
            continue
        for r in peers.get("rows", []):
            if r.get("status") == "ok" and not r.get("target") and r.get("vs_pixfuse") and r["vs_pixfuse"] > 1.0:
                out.append(f"{where}, {r['recipe']}: {r['impl']} {r['img_s']:.0f} img/s = x{r['vs_pixfuse']:.2f} "
                           f"the best pixfuse target with the same output")
    e2e = (report.get("e2e") or {}).get("data") or {}
    rate = e2e.get("img_per_s") or {}
    for peer, ours in (("Pillow, 1 thread", "pixfuse-prep exact, 1 thread"),
                       ("Pillow+draft, 1 thread", "pixfuse-prep --fast-decode=pil, 1 thread")):
        if peer in rate and ours in rate and rate[peer] > rate[ours]:
            out.append(f"end to end: {peer} {rate[peer]:.0f} img/s > {ours} {rate[ours]:.0f} img/s")
    st = {s["name"]: s for s in report["stages"]["rows"] if not s.get("error")}
    for size in sorted({n.split("/")[1] for n in st if n.startswith("normalize_nchw/")}):
        best = max((x["img_s"] for n, x in st.items() if n.startswith(f"normalize_nchw/{size}/pixfuse:")
                    and not n.endswith(":scalar")), default=None)
        faster = sorted(((x["img_s"], n.split("/")[2]) for n, x in st.items()
                         if n.startswith(f"normalize_nchw/{size}/") and "pixfuse:" not in n
                         and best and x["img_s"] > best), reverse=True)
        if faster:
            out.append(f"stages, normalise + NHWC→NCHW alone on {size} u8: pixfuse's best target {best:.0f} img/s is "
                       f"behind " + ", ".join(f"{name} {v:.0f} (x{v / best:.1f})" for v, name in faster))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description="pixfuse performance report (docs/PERFORMANCE.md + plots)")
    ap.add_argument("--python", default=None,
                    help="Python for the peers (torch, torchvision, jax, cv2, PIL); default /opt/pfx-venv/bin/python "
                         "if present, else this one")
    ap.add_argument("--pillow-simd-python", default=None, help="Python whose PIL is Pillow-SIMD")
    ap.add_argument("--build-dir", default=str(ROOT / "build/bench"))
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--jobs", type=int, default=1, help="build parallelism (default 1)")
    ap.add_argument("--docs", default=str(ROOT / "docs"))
    ap.add_argument("--work", default=str(ROOT / "build/report"))
    ap.add_argument("--threads", default="", help="thread counts, e.g. 1,2 (default: 1 and all CPUs)")
    ap.add_argument("--targets", default="", help="pixfuse targets (default: all available)")
    ap.add_argument("--repetitions", type=int, default=7, help="timed repetitions per C++ case (median)")
    ap.add_argument("--min-time", type=float, default=0.3, help="seconds per C++ repetition")
    ap.add_argument("--py-repeats", type=int, default=7, help="timed calls per Python case (median)")
    ap.add_argument("--bw-repeats", type=int, default=21)
    ap.add_argument("--max-images", type=int, default=0, help="photos for peers.py (0: all)")
    ap.add_argument("--skip", default="", help="steps to skip: seeds,python,stages,peers,jit,e2e,instructions")
    ap.add_argument("--quick", action="store_true", help="short settings for development")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                    help="one-thread rows per process-CPU second (default) or per wall second; rows with "
                         "more threads are always per wall second")
    ap.add_argument("--from-json", default="", help="only regenerate docs/PERFORMANCE.md and the plots from a "
                    "build/report/report.json of an earlier run (no measuring)")
    ap.add_argument("--worker", choices=list(WORKERS), help=argparse.SUPPRESS)
    ap.add_argument("--sizes", default="512x512", help=argparse.SUPPRESS)
    ap.add_argument("--batches", default="32", help=argparse.SUPPRESS)
    ap.add_argument("--repeats", type=int, default=5, help=argparse.SUPPRESS)
    ap.add_argument("--check-dir", default="", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        args.threads = int(args.threads or 1)
        return worker(args)

    if args.from_json:
        report = json.loads(Path(args.from_json).read_text())
        docs = Path(args.docs)
        docs.mkdir(parents=True, exist_ok=True)
        args.quick = report.get("settings", {}).get("quick", False)
        report.setdefault("settings", {})["clock"] = args.clock
        apply_clock(report["seeds"], args.clock)
        for r in report["seeds"]["results"]:  # re-derive the columns from the raw figures
            r.pop("check_text", None)
        attach_checks(report["seeds"]["results"], report["seeds"]["checks"])
        report["peer_ahead"] = find_ahead(report)
        report["plots"] = plots(report, docs)
        (docs / "PERFORMANCE.md").write_text(markdown(report, args) + "\n")
        log(f"report: regenerated {docs / 'PERFORMANCE.md'} and {', '.join(report['plots'])} from {args.from_json}")
        return 0
    if args.quick:
        args.repetitions, args.min_time, args.py_repeats, args.bw_repeats = 2, 0.05, 2, 5
        args.max_images = args.max_images or 6
    if args.python is None:
        args.python = "/opt/pfx-venv/bin/python" if Path("/opt/pfx-venv/bin/python").exists() else sys.executable
    skip = set(s for s in args.skip.split(",") if s)
    started = time.time()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    docs = Path(args.docs)
    docs.mkdir(parents=True, exist_ok=True)
    ncpu = len(os.sched_getaffinity(0))
    threads = [int(t) for t in args.threads.split(",")] if args.threads else sorted({1, ncpu})

    report = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "machine": machine_info(),
              "settings": {"quick": args.quick, "clock": args.clock}}
    shown = [a for a in sys.argv[1:]]
    py = sys.executable if sys.executable.startswith("/opt/") else "python3"
    report["command_for_docs"] = f"{py} bench/report/report.py" + ("" if not shown else " " + " ".join(shown))
    report["build"] = build(args)
    log(f"report: build {report['build']['status']}")
    simd = find_pillow_simd(args.pillow_simd_python)
    report["versions"] = versions(args, simd)

    bw_runs = [run_bandwidth(args)]

    # --- the seeds' workload, C++ ---
    targets_arg = [f"--targets={args.targets}"] if args.targets else []
    thr_arg = "--threads=" + ",".join(str(t) for t in threads)
    seeds = {"results": [], "checks": [], "missing": [], "status": "skipped"}
    if "seeds" not in skip:
        rows, status = run_seeds_cpp(args, ["--sizes=512x512,384x384", "--batches=8,16,32", thr_arg, *targets_arg],
                                     dump_dir=work)
        seeds["status"] = status
        seeds["results"] += [r for r in rows if r.get("kind") == "result"]
        seeds["checks"] += [r for r in rows if r.get("kind") == "check"]
        seeds["missing"] += [r for r in rows if r.get("kind") == "missing"]
        best = next((r["target"] for r in rows if r.get("kind") == "result" and r["impl"] == "pixfuse_dynamic"), None)
        if best:
            sizes = "--sizes=224x224,256x256,384x384,512x512,768x768,1024x1024,1600x1600"
            rows2, _ = run_seeds_cpp(args, [sizes, "--batches=32", "--threads=1", f"--targets={best}",
                                            "--impls=pixfuse,pixfuse_cv_linear,opencv_linear,stb"])
            seeds["size_sweep"] = [r for r in rows2 if r.get("kind") == "result"]
            rows3, _ = run_seeds_cpp(args, ["--sizes=512x512", "--batches=1,2,4,8,16,32,64", thr_arg,
                                            f"--targets={best}", "--impls=pixfuse,pixfuse_vmap"])
            seeds["batch_sweep"] = [r for r in rows3 if r.get("kind") == "result"]
        report["targets"] = ", ".join(dict.fromkeys(r["target"] for r in rows if r.get("kind") == "result"
                                                    and r["impl"] == "pixfuse"))

    # --- the seeds' workload, Python peers ---
    if "python" not in skip:
        for name in ("jax", "torchvision", "pillow", "pillow-simd"):
            py = args.python
            if name == "pillow-simd":
                if simd[0] is None:
                    seeds["missing"].append({"impl": name, "why": simd[1]})
                    continue
                py = simd[0]
            for t in threads:
                if name.startswith("pillow") and t > 1:
                    continue  # Pillow's resize is single-threaded; a batch loop in Python stays on one core
                batches = "8,16,32" if name in ("jax", "torchvision") else "32"
                rows = run_py_worker(args, name, py, t, "512x512,384x384", batches, work)
                for r in rows:
                    if r.get("kind") == "result":
                        seeds["results"].append(r)
                        log(f"  {name} {r['width']}x{r['height']} b{r['batch']} t{t}: {r['img_s']:.1f} img/s, "
                            f"check {r.get('check')}")
                    else:
                        seeds["missing"].append(r)
                        log(f"  {name} t{t}: {r['why']}")
    # One-thread rows: per process-CPU second by default (steadier on a shared machine, equal
    # to wall time on a quiet one; as bench/peers/peers.py). Multi-thread rows: wall time.
    apply_clock(seeds, args.clock)
    attach_checks(seeds["results"], seeds["checks"])
    report["seeds"] = seeds

    # --- stages, photos, jit, e2e ---
    st_rows, st_status = run_stages(args) if "stages" not in skip else ([], "skipped")
    report["stages"] = {"rows": st_rows, "status": st_status}
    if "peers" not in skip:
        peers, pstatus = run_peers(args, simd[0])
        small, sstatus = run_peers(args, simd[0], issue_size=True)
    else:
        peers, pstatus = None, "skipped"
        small, sstatus = None, "skipped"
    report["peers"], report["peers_status"] = peers, pstatus
    report["peers_issue_size"], report["peers_issue_size_status"] = small, sstatus
    jrows, jstatus = run_jit_bench(args) if "jit" not in skip else ([], "skipped")
    report["jit"] = {"rows": jrows, "status": jstatus}
    edata, estatus = run_e2e(args) if "e2e" not in skip else (None, "skipped")
    report["e2e"] = {"data": edata, "status": estatus}
    report["instructions"] = (instructions.measure(Path(args.build_dir), work / "instructions", log=log)
                              if "instructions" not in skip else {"status": "skipped"})

    if bw_runs[0].get("status") == "ok":
        bw_runs.append(run_bandwidth(args))
    ok = [r for r in bw_runs if r.get("status") == "ok"]
    bw = dict(max(ok, key=lambda r: r["read_gbs_1"])) if ok else bw_runs[0]
    bw["runs"] = ok
    report["bandwidth"] = bw
    report["loadavg_end"] = os.getloadavg()
    report["cpu_busy_end"] = cpu_busy()
    report["peer_ahead"] = find_ahead(report)
    report["seconds"] = time.time() - started
    report["plots"] = plots(report, docs)
    md = markdown(report, args)
    (docs / "PERFORMANCE.md").write_text(md + "\n")
    (work / "report.json").write_text(json.dumps(report, indent=1, default=str) + "\n")
    log(f"report: wrote {docs / 'PERFORMANCE.md'}, {', '.join(report['plots'])} and {work / 'report.json'} "
        f"in {report['seconds']:.0f} s")
    for a in report["peer_ahead"]:
        log("  peer ahead: " + a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
