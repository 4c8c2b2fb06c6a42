#!/usr/bin/env python3
"""Mutation run: malformed files through pixfuse-prep, as an attacker would feed it.

    python3 tests/fuzz/mutate.py --prep build/asan/examples/prep/pixfuse-prep \\
        --prep build/asan-stb/examples/prep/pixfuse-prep --files 50000 --seed 1 \\
        --report mutation_report.json

Every good file of tests/fuzz/corpus/decode (and the image .npy files of corpus/npy) is a
seed. Each run of pixfuse-prep gets --batch files: mutations of random seeds (bit flips,
interesting 16/32-bit values in either byte order, inserted, deleted, duplicated and
spliced bytes, truncation; 1 to 8 per file, extension kept, sometimes swapped) with one
unmutated good file among them, through an @list, with a manifest. Passed when, for every
run of every binary:
  - no sanitizer report on stderr (AddressSanitizer, UndefinedBehaviorSanitizer,
    LeakSanitizer) and no signal;
  - the run took at most --max-seconds (10);
  - the manifest has valid JSON lines (UTF-8), one per image in input order (a .npy
    stack has one per image), every file named;
  - the good file's status is ok and its output row equals the row pixfuse-prep gives it
    alone (no good file lost, none changed by its neighbours);
  - every file reported as an error has a reason: "<path>: <why>", no empty parentheses.
Failures are listed in the report and their inputs kept under --keep. Python 3.9+, no
third-party modules; pixfuse-prep's own flags only (--preset, --manifest, -o, --quiet).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
INTERESTING = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0xFFFFFF, 0x1000000,
               0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 16777216, 65535 * 2, 40000]
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "ThreadSanitizer", "AddressSanitizer:DEADLYSIGNAL")


def seeds() -> list[Path]:
    files = sorted((HERE / "corpus" / "decode").iterdir())
    # .npy seeds that are images (pixfuse-prep reads (H, W), (H, W, C), (N, H, W, C)).
    files += [p for p in sorted((HERE / "corpus" / "npy").iterdir()) if p.name.startswith(("u8_", "f32_", "u16_"))]
    return files


def mutate(data: bytes, pool: list[bytes], rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4, 8])):
        if not b:
            b = bytearray(rng.randbytes(rng.randrange(1, 32)))
            continue
        i = rng.randrange(len(b))
        op = rng.randrange(9)
        if op == 0:
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[i] = rng.choice([0, 0xFF, 0x7F, 0x80, rng.randrange(256)])
        elif op in (2, 3):
            size = rng.choice([2, 4])
            value = rng.choice(INTERESTING) & ((1 << (8 * size)) - 1)
            if rng.random() < 0.3:
                value = (value + rng.choice([-1, 1])) & ((1 << (8 * size)) - 1)
            packed = struct.pack(("<" if op == 2 else ">") + ("H" if size == 2 else "I"), value)
            b[i:i + size] = packed
        elif op == 4:
            del b[i:i + rng.randrange(1, 64)]
        elif op == 5:
            b[i:i] = rng.randbytes(rng.randrange(1, 64))
        elif op == 6:
            b = b[:i]
        elif op == 7:
            j = rng.randrange(len(b))
            b[i:i] = b[j:j + rng.randrange(1, 128)]
        else:
            other = rng.choice(pool)
            j = rng.randrange(len(other)) if other else 0
            b = b[:i] + other[j:j + rng.randrange(1, 256)] + b[i + rng.randrange(0, 64):]
    return bytes(b)


def read_npy_rows(path: Path) -> list[bytes]:
    raw = path.read_bytes()
    header_len = struct.unpack("<H", raw[8:10])[0]
    header = raw[10:10 + header_len].decode("latin1")
    shape = header[header.index("(") + 1:header.index(")")]
    rows = int(shape.split(",")[0])
    data = raw[10 + header_len:]
    size = len(data) // rows if rows else 0
    return [data[k * size:(k + 1) * size] for k in range(rows)]


def run_prep(prep: str, files: list[Path], work: Path, preset: str, max_pixels: int | None):
    listing = work / "inputs.txt"
    listing.write_text("".join(str(f) + "\n" for f in files))
    out, manifest = work / "out.npy", work / "manifest.jsonl"
    for p in (out, manifest):
        if p.exists():
            p.unlink()
    cmd = [prep, "--preset", preset, "--quiet", "--manifest", str(manifest), "-o", str(out), "@" + str(listing)]
    if max_pixels:
        cmd[1:1] = ["--max-pixels", str(max_pixels)]
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=1",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1")
    start = time.monotonic()
    try:
        r = subprocess.run(cmd, capture_output=True, env=env, timeout=120)
        returncode, stderr = r.returncode, r.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as e:
        returncode, stderr = -signal.SIGKILL, (e.stderr or b"").decode("utf-8", "replace") + "\n[killed after 120 s]"
    return returncode, stderr, time.monotonic() - start, out, manifest


def check_run(files, good_index, returncode, stderr, seconds, out, manifest, reference, max_seconds):
    problems = []
    if returncode < 0 or returncode >= 128:
        problems.append(f"signal or abort: exit status {returncode}")
    for mark in SANITIZER_MARKS:
        if mark in stderr:
            problems.append(f"sanitizer report: {mark}")
    if seconds > max_seconds:
        problems.append(f"run took {seconds:.1f} s")
    lines = []
    try:
        text = manifest.read_bytes().decode("utf-8")  # strict: invalid UTF-8 raises
        lines = [json.loads(line) for line in text.splitlines()]
    except Exception as e:  # noqa: BLE001 - any failure to read it is the finding
        problems.append(f"manifest not valid UTF-8 JSON lines: {e}")
    stats = {"ok": 0, "error": 0}
    # One line per image, in input order: a .npy file of N images (a mutated header may
    # declare a stack) has N lines, each naming the file ("f.npy" or "f.npy[i]").
    paths = [str(f) for f in files]

    def file_of(entry):
        p = str(entry.get("path") or "")
        for k, f in enumerate(paths):
            if p == f or p.startswith(f + "["):
                return k
        return None

    owners = [file_of(entry) for entry in lines]
    if lines:
        if None in owners:
            problems.append(f"manifest line {owners.index(None)} names no input file")
        elif owners != sorted(owners) or set(owners) != set(range(len(files))):
            problems.append(f"manifest lines do not follow the {len(files)} files in order")
    rows = read_npy_rows(out) if out.exists() else []
    good_images = 0  # the good file's manifest lines so far: image j of a .npy stack is row j alone
    for entry, k in zip(lines, owners):
        if k is None:
            continue
        status = entry.get("status")
        stats[status] = stats.get(status, 0) + 1
        if status == "error":
            why = entry.get("error") or ""
            path = str(entry.get("path") or "")
            if not why.startswith(path + ": ") or len(why) <= len(path) + 2 or " ()" in why:
                problems.append(f"error without a reason for {files[k].name}: {why!r}")
        if k == good_index:
            j, good_images = good_images, good_images + 1
            if status != "ok":
                problems.append(f"good file {files[k].name} lost: {entry.get('error')!r}")
            elif (entry.get("row") is None or entry["row"] >= len(rows) or j >= len(reference)
                  or rows[entry["row"]] != reference[j]):
                problems.append(f"good file {files[k].name}: output row of image {j} differs from its output alone")
    if lines and not problems and good_images != len(reference):
        problems.append(f"good file {files[good_index].name}: {good_images} manifest lines, {len(reference)} images alone")
    return problems, stats


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prep", action="append", required=True, help="pixfuse-prep binary (repeat for several builds)")
    ap.add_argument("--files", type=int, default=50000, help="mutated files per binary")
    ap.add_argument("--batch", type=int, default=20, help="mutated files per run")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--preset", action="append", help="recipes to cycle through (default: imagenet, clip, yolo)")
    ap.add_argument("--max-pixels", type=int, default=None, help="pixfuse-prep --max-pixels (default: its own)")
    ap.add_argument("--max-seconds", type=float, default=10.0)
    ap.add_argument("--keep", default="mutation_failures", help="folder for the inputs of failed runs")
    ap.add_argument("--report", default="mutation_report.json")
    args = ap.parse_args()
    presets = args.preset or ["imagenet", "clip", "yolo"]
    seed_files = seeds()
    pool = [p.read_bytes() for p in seed_files]
    report = {"command": " ".join(sys.argv), "binaries": {}}
    failures = 0
    for prep in args.prep:
        rng = random.Random(args.seed)
        summary = {"runs": 0, "files": 0, "ok": 0, "error": 0, "max_run_seconds": 0.0, "total_seconds": 0.0,
                   "failed_runs": []}
        with tempfile.TemporaryDirectory(prefix="pfx-mutate-") as tmp:
            work = Path(tmp)
            references = {}
            for preset in presets:  # each good file's output alone, per recipe
                for k, s in enumerate(seed_files):
                    rc, err, _, out, _ = run_prep(prep, [s], work, preset, args.max_pixels)
                    if rc != 0:
                        print(f"{prep}: seed {s.name} fails alone with --preset {preset}:\n{err}", file=sys.stderr)
                        return 2
                    references[(preset, k)] = read_npy_rows(out)  # a .npy stack: one per image
            done = 0
            while done < args.files:
                n = min(args.batch, args.files - done)
                preset = presets[summary["runs"] % len(presets)]
                folder = work / f"run{summary['runs']:06d}"
                folder.mkdir()
                files = []
                for i in range(n):
                    k = rng.randrange(len(seed_files))
                    ext = seed_files[k].suffix
                    if rng.random() < 0.05:
                        ext = rng.choice([".jpg", ".png", ".gif", ".bmp", ".tga", ".npy", ".bin"])
                    f = folder / f"m{i:03d}{ext}"
                    f.write_bytes(mutate(pool[k], pool, rng))
                    files.append(f)
                good_seed = rng.randrange(len(seed_files))
                good_index = rng.randrange(n + 1)
                good = folder / ("good" + seed_files[good_seed].suffix)
                good.write_bytes(pool[good_seed])
                files.insert(good_index, good)
                rc, err, seconds, out, manifest = run_prep(prep, files, folder, preset, args.max_pixels)
                problems, stats = check_run(files, good_index, rc, err, seconds, out, manifest,
                                            references[(preset, good_seed)], args.max_seconds)
                summary["runs"] += 1
                summary["files"] += n
                summary["ok"] += stats.get("ok", 0) - (1 if stats.get("ok", 0) else 0)
                summary["error"] += stats.get("error", 0)
                summary["max_run_seconds"] = max(summary["max_run_seconds"], round(seconds, 3))
                summary["total_seconds"] += seconds
                if problems:
                    failures += 1
                    keep = Path(args.keep) / f"{Path(prep).parent.parent.parent.name}-run{summary['runs']:06d}"
                    keep.mkdir(parents=True, exist_ok=True)
                    for f in files:
                        (keep / f.name).write_bytes(f.read_bytes())
                    (keep / "stderr.txt").write_text(err)
                    summary["failed_runs"].append({"run": summary["runs"], "preset": preset, "problems": problems,
                                                   "kept": str(keep)})
                    print(f"FAIL {prep} run {summary['runs']}: {problems}", file=sys.stderr)
                for f in folder.iterdir():
                    f.unlink()
                folder.rmdir()
                done += n
                if summary["runs"] % 100 == 0:
                    print(f"{prep}: {done} files, {summary['runs']} runs, max {summary['max_run_seconds']} s, "
                          f"{failures} failed runs", file=sys.stderr, flush=True)
        summary["total_seconds"] = round(summary["total_seconds"], 1)
        report["binaries"][prep] = summary
    Path(args.report).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
