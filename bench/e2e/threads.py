#!/usr/bin/env python3
"""How pixfuse-prep scales with threads, end to end (JPEG files -> ImageNet tensor).

    /usr/bin/python3 bench/e2e/threads.py [--prep PATH[=LABEL] ...] [--photos DIR] [--repeats 7]

For each pixfuse-prep binary given (default: build/bench's), interleaved within each
repeat, medians reported:

  1 thread        --threads 1 on every photo
  2 threads       --threads 2 on every photo
  2 processes     two --threads 1 processes at once, each on half of the photos (halves
                  balanced by file size): what two threads reach when nothing is shared

"2 threads / 1 thread" is the speed-up aimed at (>= 1.9x). On a shared machine
it is noisy, and other programs take CPU from every configuration; "2 threads / 2
processes" compares two configurations that both keep two threads busy under the same
load, so it stays near 1.0 when nothing inside the process serialises them (a process
has nothing to share; threads share the writer, the allocator, the page tables).
Wall-clock per run, process start-up included. The load average is printed before and
after: rerun in a quiet window for figures to quote.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(cmds: list[list[str]]) -> float:
    """Wall-clock seconds for the commands run at once."""
    t = time.perf_counter()
    procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for c in cmds]
    for p, c in zip(procs, cmds):
        _, err = p.communicate()
        if p.returncode != 0:
            sys.exit(f"{' '.join(c)} failed ({p.returncode}): {err.decode(errors='replace')}")
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prep", action="append", default=[], help="a pixfuse-prep binary, optionally PATH=LABEL (repeatable)")
    ap.add_argument("--photos", default=str(ROOT / "build" / "bench-photos" / "photos"))
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--preset", default="imagenet")
    ap.add_argument("--extra", default="", help="more pixfuse-prep flags, e.g. --fast-decode")
    args = ap.parse_args()
    preps = args.prep or [str(ROOT / "build" / "bench" / "examples" / "prep" / "pixfuse-prep")]
    binaries = [(p.split("=", 1)[0], p.split("=", 1)[1] if "=" in p else p) for p in preps]
    files = sorted(p for p in Path(args.photos).iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
    if not files:
        sys.exit(f"no JPEG files in {args.photos}: run /usr/bin/python3 bench/peers/photos.py first")
    by_size = sorted(files, key=lambda p: p.stat().st_size, reverse=True)
    halves = [by_size[0::2], by_size[1::2]]

    with tempfile.TemporaryDirectory() as tmp:
        lists = []
        for k, half in enumerate(halves):
            lst = Path(tmp) / f"half{k}.txt"
            lst.write_text("".join(f"{f}\n" for f in sorted(half)))
            lists.append(lst)
        every = Path(tmp) / "all.txt"
        every.write_text("".join(f"{f}\n" for f in files))

        def cmd(binary: str, inputs: Path, threads: int, out: str) -> list[str]:
            return [binary, "--preset", args.preset, f"@{inputs}", "-o", str(Path(tmp) / out), "--threads", str(threads),
                    "--quiet", "--no-progress"] + args.extra.split()

        configs = {}
        for binary, label in binaries:
            configs[(label, "1 thread")] = [cmd(binary, every, 1, "a.npy")]
            configs[(label, "2 threads")] = [cmd(binary, every, 2, "b.npy")]
            configs[(label, "2 processes")] = [cmd(binary, lists[0], 1, "c0.npy"), cmd(binary, lists[1], 1, "c1.npy")]
        load_before = os.getloadavg()
        for c in configs.values():  # warm the page cache
            run(c)
        times: dict = {k: [] for k in configs}
        for _ in range(args.repeats):
            for k, c in configs.items():
                times[k].append(run(c))
        load_after = os.getloadavg()

    print(f"{len(files)} JPEG photos, --preset {args.preset} {args.extra}; median of {args.repeats} runs (wall clock); "
          f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'binary':24} {'configuration':12} {'seconds':>8} {'img/s':>7} {'spread':>7}")
    med = {k: statistics.median(v) for k, v in times.items()}
    for (label, name), m in med.items():
        spread = (max(times[(label, name)]) - min(times[(label, name)])) / m * 100
        print(f"{label:24} {name:12} {m:8.3f} {len(files) / m:7.1f} {spread:6.0f}%")
    for _, label in binaries:
        one, two, procs = med[(label, "1 thread")], med[(label, "2 threads")], med[(label, "2 processes")]
        print(f"{label}: 2 threads / 1 thread {one / two:.2f}x (target >= 1.9); 2 processes / 1 thread {one / procs:.2f}x; "
              f"2 threads vs 2 processes {procs / two:.2f} (1.00: nothing serialises the threads)")


if __name__ == "__main__":
    main()
