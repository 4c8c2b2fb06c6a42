#!/usr/bin/env python3
"""The seeds' workload's headline figures, one thread, for a quick rerun in a quiet window.

32 random float32 512x512x3 -> 224x224, jax 'linear' + normalise + NCHW:
  * pixfuse img/s (seeds_bench, best target, pinned to one core), median over --runs runs
    (each run itself the median of --repetitions timed passes);
  * the single-thread read bandwidth (bandwidth --threads=1), measured between the runs,
    and the fraction of that roofline: img/s x input bytes per image / read bytes/s;
  * JAX jit(vmap(...)) on one core (taskset -c 0, XLA single-threaded: report.py's worker),
    median over the runs, and pixfuse / JAX;
  * max |diff| of JAX's output against pixfuse's on the same 4 inputs.
Prints the load average (uptime) beside each run: the machine may be shared.

  /opt/pfx-venv/bin/python bench/report/seeds_figures.py [--build-dir build/bench] [--runs 5] [--cpu 0] [--targets auto,avx512,avx2]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parents[2]


def load() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[0]


def json_lines(text: str) -> list[dict]:
    return [json.loads(l) for l in text.splitlines() if l.strip().startswith("{")]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", default=str(ROOT / "build/bench"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--repetitions", type=int, default=7)
    ap.add_argument("--cpu", default="0", help="the core everything is pinned to")
    ap.add_argument("--targets", default="avx512,avx2", help="pixfuse targets, the first the headline one")
    ap.add_argument("--python", default=sys.executable, help="a Python with jax")
    ap.add_argument("--skip-jax", action="store_true")
    args = ap.parse_args()
    bench = Path(args.build_dir) / "bench"
    pin = ["taskset", "-c", args.cpu]
    dump = Path(tempfile.mkdtemp(prefix="seeds_figures_"))
    px, bw, jx, diff, loads = [], [], [], None, []
    for run in range(args.runs):
        loads.append(load())
        r = subprocess.run([*pin, bench / "bandwidth", "--json", "--threads=1", "--repeats=11"],
                           capture_output=True, text=True, check=True)
        bw.append(json.loads(r.stdout)["read_gbs_1"])
        cmd = [*pin, bench / "seeds_bench", "--sizes=512x512", "--batches=32", "--threads=1", "--impls=pixfuse",
               f"--repetitions={args.repetitions}", "--min_time=0.3"]
        cmd.append(f"--targets={args.targets}")
        if run == 0:
            cmd.append(f"--dump_dir={dump}")
        r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS="1"))
        rows = json_lines(r.stdout)
        # "auto" comes back as "auto:<the target it ran on>"
        results = {x["target"].split(":")[0]: x for x in rows if x["kind"] == "result" and x["impl"] == "pixfuse"}
        if r.returncode != 0 or not results:
            print(r.stdout, r.stderr, file=sys.stderr)
            return 1
        px.append(results)
        best = results[args.targets.split(",")[0]]
        if run == 0:
            for x in rows:
                if x["kind"] == "check":
                    print(f"check {x['what']} vs {x['against']}: max |diff| {x['max_abs_diff']} ok={x['ok']}")
        if not args.skip_jax:
            env = dict(os.environ, JAX_PLATFORMS="cpu", OMP_NUM_THREADS="1",
                       XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
            r = subprocess.run([*pin, args.python, str(HERE.parent / "report.py"), "--worker", "jax", "--threads", "1",
                                "--sizes", "512x512", "--batches", "32", "--repeats", str(args.repetitions),
                                "--check-dir", str(dump)], capture_output=True, text=True, env=env)
            rows = json_lines(r.stdout)
            if r.returncode != 0 or not rows:
                print(r.stdout, r.stderr, file=sys.stderr)
                return 1
            jx.append(rows[0])
            diff = rows[0]["check"].get("max_abs_diff", diff)
        print(f"run {run + 1}: load {loads[-1]} -> {load()}; read {bw[-1]:.2f} GB/s; pixfuse {best['target']} "
              f"{best['img_s']:.0f} img/s (cpu {best['img_s_cpu']:.0f})"
              + (f"; jax {jx[-1]['img_s']:.1f} img/s (cpu {jx[-1]['img_s_cpu']:.1f}) {jx[-1]['info']['version']}" if jx else ""),
              flush=True)
    b = statistics.median(bw)
    print(f"\nmedians of {args.runs} runs (load averages {', '.join(loads)}):")
    for t in reversed(args.targets.split(",")):  # the headline target last, its p / pc kept
        bytes_in = px[0][t]["bytes_in"]
        p = statistics.median(x[t]["img_s"] for x in px)
        pc = statistics.median(x[t]["img_s_cpu"] for x in px)
        print(f"  pixfuse {px[0][t]['target']}: {p:.0f} img/s wall, {pc:.0f} per CPU second; roofline fraction {p * bytes_in / (b * 1e9):.1%}")
    print(f"  read roofline 1 thread: {b:.2f} GB/s (max {max(bw):.2f}); fraction: {p * bytes_in / (b * 1e9):.1%} "
          f"(by CPU time {pc * bytes_in / (b * 1e9):.1%}; of the best read {p * bytes_in / (max(bw) * 1e9):.1%})")
    if jx:
        j = statistics.median(x["img_s"] for x in jx)
        jc = statistics.median(x["img_s_cpu"] for x in jx)
        print(f"  jax {jx[0]['info']['version']} jit(vmap) on one core: {j:.1f} img/s wall, {jc:.1f} per CPU second; "
              f"pixfuse / jax: {p / j:.1f}x (by CPU time {pc / jc:.1f}x)")
        print(f"  max |diff| jax vs pixfuse: {diff}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
