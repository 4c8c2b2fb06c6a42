#!/usr/bin/env python3
"""The Python package beside the C++ library and its peers, in one run (bench/python/README.md).

    python bench/python/bench.py [--only vmap,jax,e2e,ray] [--repeats 5] [--out FILE.json]

Needs `import pixfuse` to work in the Python that runs it (a `pip install .`, or PYTHONPATH
pointing at a build's python/ folder), plus:

  vmap  the Python call on the seeds' workload (32 random float32 512x512x3 images ->
        jax-convention linear resize to 224x224, ImageNet normalise, NCHW float32) against the
        C++ batch API on the same workload (bench/report/seeds_bench, impl pixfuse_vmap;
        --seeds-bench PATH), 1 and 2 threads. Target: within 10%.
  jax   the seeds' JAX preprocessor, jax.jit(jax.vmap(resize + normalise + transpose)) on the
        same inputs, pinned to one core (taskset, XLA single-threaded), in --jax-python
        (a Python with jax); against the Python call on one thread. Target: >= 20x.
  e2e   from paths: JPEG files -> ImageNet tensor (exact decode), preprocess(paths) in batches
        of 64 against pixfuse-prep (--prep PATH) on the same files, 1 and 2 threads.
        Target: matches pixfuse-prep.
  ray   Ray Data on a local cluster (ray.init(num_cpus=2)): map_batches with
        pixfuse.ray.Preprocessor on an actor pool of 1 and of 2 actors (one thread each) over
        the same materialised bytes. Target: 2 actors >= 1.7x one.

Each figure is the median of --repeats timed runs after a warm-up; configurations are
interleaved within a repeat (the machine is shared). One JSON object per figure on stdout,
a summary table on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def emit(**kw):
    print(json.dumps(kw), flush=True)
    return kw


def timed(fn, repeats, min_time=0.3, clock=time.perf_counter):
    """Median seconds per call of fn over `repeats` timed runs (each run repeats fn to last at
    least min_time); one warm-up call first. clock=time.process_time gives CPU seconds of
    this process: for one-thread runs, steadier than wall time on a shared machine."""
    fn()
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-6)
    calls = max(1, int(min_time / one))
    runs = []
    for _ in range(repeats):
        t0 = clock()
        for _ in range(calls):
            fn()
        runs.append((clock() - t0) / calls)
    return statistics.median(runs), runs


def seeds_batch(n=32, size=512, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, size, size, 3), dtype=np.float32)


def seeds_recipe():
    import pixfuse
    from pixfuse import stages as S

    return pixfuse.Recipe([S.resize(224, 224, filter="bilinear", compat="jax"), S.normalize(1.0, MEAN, STD),
                           S.nchw(), S.cast("float32")])


# --- vmap: the Python call against the C++ batch API ------------------------------------------

def bench_vmap(args):
    import pixfuse

    x = seeds_batch()
    recipe = seeds_recipe()
    out = []
    cpp = {}
    if args.seeds_bench and Path(args.seeds_bench).is_file():
        cmd = [args.seeds_bench, "--impls=pixfuse_vmap", "--sizes=512x512", "--batches=32", "--threads=1,2",
               f"--repetitions={args.repeats}"]
        log("vmap: " + " ".join(cmd))
        for line in subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines():
            r = json.loads(line)
            if r.get("kind") == "result" and r["impl"] == "pixfuse_vmap":
                cpp[r["threads"]] = r
    else:
        log(f"vmap: no seeds_bench at {args.seeds_bench!r}: C++ rows missing (cmake --preset bench && "
            f"cmake --build build/bench --target seeds_bench)")
    for threads in (1, 2):
        # One thread: per CPU second on both sides (seeds_bench's img_s_cpu); two: per wall second.
        clock = time.process_time if threads == 1 else time.perf_counter
        key = "img_s_cpu" if threads == 1 else "img_s"
        sec, runs = timed(lambda: pixfuse.preprocess(x, recipe, threads=threads), args.repeats, clock=clock)
        py = len(x) / sec
        c = cpp.get(threads, {})
        row = emit(bench="vmap", threads=threads, per="cpu second" if threads == 1 else "wall second",
                   python_img_s=round(py, 1), target=pixfuse.active_target(), cpp_img_s=c.get(key),
                   cpp_target=c.get("target"), python_over_cpp=round(py / c[key], 3) if c else None)
        out.append(row)
    return out


# --- jax: the seeds' JAX preprocessor on one core --------------------------------------------

JAX_WORKER = r"""
import json, sys, time, statistics
import numpy as np
import jax, jax.numpy as jnp
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
mean = jnp.array(MEAN, jnp.float32); std = jnp.array(STD, jnp.float32)
fn = jax.jit(jax.vmap(lambda img: (jnp.transpose(jax.image.resize(img, (224, 224, 3), "linear"), (2, 0, 1))
                                   - mean[:, None, None]) / std[:, None, None]))
x = jax.device_put(np.load(sys.argv[1]))
repeats = int(sys.argv[2])
np.save(sys.argv[3], np.asarray(fn(x).block_until_ready()))
runs, cpu = [], []
for _ in range(repeats):
    t0, c0 = time.perf_counter(), time.process_time()
    fn(x).block_until_ready()
    runs.append(time.perf_counter() - t0); cpu.append(time.process_time() - c0)
print(json.dumps({"sec": statistics.median(runs), "cpu_sec": statistics.median(cpu), "runs": runs,
                  "jax": jax.__version__}))
"""


def bench_jax(args):
    import pixfuse

    x = seeds_batch()
    recipe = seeds_recipe()
    with tempfile.TemporaryDirectory() as tmp:
        np.save(Path(tmp) / "x.npy", x)
        env = dict(os.environ, JAX_PLATFORMS="cpu",
                   XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
        cmd = [args.jax_python, "-c", JAX_WORKER, str(Path(tmp) / "x.npy"), str(args.repeats), str(Path(tmp) / "y.npy")]
        if shutil.which("taskset"):
            cmd = ["taskset", "-c", "0", *cmd]
        log("jax: " + " ".join(cmd[:4]) + " ...")
        r = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if r.returncode != 0:
            log(f"jax: peer failed: {r.stderr[-2000:]}")
            return [emit(bench="jax", missing=r.stderr.strip().splitlines()[-1] if r.stderr else "failed")]
        jx = json.loads(r.stdout.strip().splitlines()[-1])
        ref = np.load(Path(tmp) / "y.npy")
    mine = pixfuse.preprocess(x, recipe, threads=1).array
    diff = float(np.abs(mine - ref).max())
    # pixfuse on the same core as JAX, one thread.
    if hasattr(os, "sched_setaffinity"):
        saved = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {0})
    try:
        sec, _ = timed(lambda: pixfuse.preprocess(x, recipe, threads=1), args.repeats)
        cpu_sec, _ = timed(lambda: pixfuse.preprocess(x, recipe, threads=1), args.repeats, clock=time.process_time)
    finally:
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, saved)
    # Per wall second (both pinned to core 0) and per CPU second (steadier on a shared machine).
    return [emit(bench="jax", jax_version=jx["jax"], per="wall second", jax_img_s=round(len(x) / jx["sec"], 1),
                 python_img_s=round(len(x) / sec, 1), speedup=round(jx["sec"] / sec, 2), max_abs_diff=diff),
            emit(bench="jax", jax_version=jx["jax"], per="cpu second", jax_img_s=round(len(x) / jx["cpu_sec"], 1),
                 python_img_s=round(len(x) / cpu_sec, 1), speedup=round(jx["cpu_sec"] / cpu_sec, 2))]


# --- e2e: from paths, against pixfuse-prep ----------------------------------------------------

def bench_e2e(args):
    import pixfuse

    photos_dir = Path(args.photos)
    files = sorted(p for p in photos_dir.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg"))
    if not files:
        return [emit(bench="e2e", missing=f"no JPEGs under {photos_dir}")]
    recipe = pixfuse.presets.imagenet()
    paths = [str(p) for p in files]
    rows = []
    prep = args.prep if args.prep and Path(args.prep).is_file() else None
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "files.txt"
        listing.write_text("\n".join(paths) + "\n")
        for threads in (1, 2):
            def python_run():
                for k in range(0, len(paths), 64):
                    pixfuse.preprocess(paths[k:k + 64], recipe, threads=threads)

            def prep_run():
                subprocess.run([prep, "--preset", "imagenet", f"@{listing}", "-o", os.devnull, "--threads",
                                str(threads), "--quiet", "--no-progress"], check=True, capture_output=True)

            py, cp = [], []
            python_run()
            if prep:
                prep_run()
            for _ in range(args.repeats):  # interleaved
                t0 = time.perf_counter(); python_run(); py.append(time.perf_counter() - t0)
                if prep:
                    t0 = time.perf_counter(); prep_run(); cp.append(time.perf_counter() - t0)
            py_img_s = len(paths) / statistics.median(py)
            cp_img_s = len(paths) / statistics.median(cp) if cp else None
            rows.append(emit(bench="e2e", threads=threads, images=len(paths),
                             mean_mp=round(float(np.mean([_mp(p) for p in files[:200]])), 2),
                             python_img_s=round(py_img_s, 1), prep_img_s=cp_img_s and round(cp_img_s, 1),
                             python_over_prep=cp_img_s and round(py_img_s / cp_img_s, 3)))
    return rows


def _mp(path):
    import pixfuse

    a = pixfuse.decode(path, exif=False)
    return a.shape[0] * a.shape[1] / 1e6


# --- ray: one actor vs two -------------------------------------------------------------------

def bench_ray(args):
    # Local only, no network (as python/tests/test_ray.py).
    os.environ.update({"RAY_USAGE_STATS_ENABLED": "0", "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
                       "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9",
                       "HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9",
                       "no_proxy": "localhost,127.0.0.1", "NO_PROXY": "localhost,127.0.0.1"})
    import ray
    import ray.data

    import pixfuse
    import pixfuse.ray

    photos_dir = Path(args.photos)
    files = sorted(p for p in photos_dir.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    items = [{"bytes": p.read_bytes(), "path": str(p)} for p in files]
    k = max(1, args.ray_images // len(files))
    n_images = k * len(files)
    # The object store holds the materialised source (the photos k times) with room for the
    # tensors in flight; a cluster's default is 30% of the node's memory, more than this.
    source_bytes = k * sum(len(it["bytes"]) for it in items)
    ray.init(num_cpus=2, include_dashboard=False, object_store_memory=2 * source_bytes + (1 << 30),
             logging_level="warning", log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        # The photos' bytes k times, materialised once before any run: a run is then the map
        # stage alone, long enough (~2,000 images) that the actor pool's start (~1 s, paid by
        # every execution of a dataset) weighs a few percent, as on a dataset of real size.
        # (A union of k references to one materialised dataset adds a union operator that costs
        # the driver ~50% more CPU per run, on the actors' cores.)
        data = ray.data.from_items(items * k).materialize()
        recipe = pixfuse.presets.imagenet()

        def run(actors, threads):
            ds = data.map_batches(pixfuse.ray.Preprocessor, fn_constructor_args=(recipe,),
                                  fn_constructor_kwargs={"threads": threads}, batch_size=16,
                                  compute=ray.data.ActorPoolStrategy(size=actors), num_cpus=0.5 * threads)
            n = 0
            for b in ds.iter_batches(batch_size=None, batch_format="numpy"):
                n += len(b["ok"])
                assert b["ok"].all()
            assert n == n_images, (n, n_images)

        configs = [(1, 1), (2, 1), (1, 2)]  # (actors, threads per actor)
        times = {c: [] for c in configs}
        for c in configs:
            run(*c)  # warm-up (page cache, wheels imported once)
        for _ in range(args.repeats):
            for c in configs:  # interleaved
                t0 = time.perf_counter(); run(*c); times[c].append(time.perf_counter() - t0)
        rate = {c: n_images / statistics.median(times[c]) for c in configs}
        return [emit(bench="ray", images=n_images, mean_mp=round(float(np.mean([_mp(p) for p in files])), 2),
                     one_actor_img_s=round(rate[(1, 1)], 1), two_actors_img_s=round(rate[(2, 1)], 1),
                     one_actor_two_threads_img_s=round(rate[(1, 2)], 1), scaling=round(rate[(2, 1)] / rate[(1, 1)], 3),
                     ray=ray.__version__, in_process_1_thread_img_s=round(_in_process(files, recipe, args.repeats), 1),
                     in_process_2_threads_img_s=round(_in_process(files, recipe, args.repeats, 2), 1))]
    finally:
        ray.shutdown()


def _in_process(files, recipe, repeats, threads=1):
    import pixfuse

    raw = [p.read_bytes() for p in files]

    def go():
        for k in range(0, len(raw), 16):
            pixfuse.preprocess(raw[k:k + 16], recipe, threads=threads)

    sec, _ = timed(go, max(1, repeats // 2), min_time=0)
    return len(raw) / sec


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="vmap,jax,e2e,ray")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seeds-bench", default=str(ROOT / "build/bench/bench/seeds_bench"))
    ap.add_argument("--prep", default=str(ROOT / "build/bench/examples/prep/pixfuse-prep"))
    ap.add_argument("--jax-python", default="/opt/pfx-venv/bin/python")
    ap.add_argument("--photos", default=str(ROOT / "build/bench-photos/photos"),
                    help="JPEGs for e2e and ray (bench/peers/photos.py gathers them); default falls back to examples/data")
    ap.add_argument("--ray-images", type=int, default=2176, help="images per Ray run (the photos repeated)")
    args = ap.parse_args()
    if not Path(args.photos).is_dir():
        args.photos = str(ROOT / "examples/data")
    import pixfuse

    log(f"pixfuse {pixfuse.__version__} from {Path(pixfuse.__file__).parent}, target {pixfuse.active_target()}, "
        f"{pixfuse.available_cpus()} CPUs; load average {os.getloadavg()}")
    benches = {"vmap": bench_vmap, "jax": bench_jax, "e2e": bench_e2e, "ray": bench_ray}
    results = []
    for name in args.only.split(","):
        results += benches[name](args)
    log(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
