#!/usr/bin/env python3
"""Assemble the benchmark photo set: real JPEG photographs of typical sizes (0.1-12 MP).

    /usr/bin/python3 bench/peers/photos.py [--out build/bench-photos] [--list]

Nothing here is committed: the photos come from Debian packages (fetched with
`apt-get download`, unpacked with `dpkg-deb -x`, never installed) and from the repository's
own examples/data, and are cached under build/bench-photos/:

    build/bench-photos/debs/       the .deb files
    build/bench-photos/pkgroot/    their unpacked contents
    build/bench-photos/photos/     the set: one JPEG per entry
    build/bench-photos/photos.json the manifest (size, origin, author, license, derivation)

Re-running reuses what is there. If a package is installed system-wide its files are read
from /usr/share directly. `apt-get download` needs the package lists (`apt-get update`).

The set (see SOURCES and DERIVED below for every file, its author and license):
  * native: real photographs at the resolution their package ships, the JPEG bytes copied
    unchanged (MATE's nature backgrounds, Lomiri's (Ubuntu Touch) community wallpapers,
    the photographic KDE Plasma wallpapers, and scikit-image's sample photos that the
    repository keeps in examples/data);
  * derived (stated in the manifest as `derived_from`): three photos larger than 12 MP
    downscaled to <= 12 MP, and copies of some native photos resampled to common web and
    phone sizes (1-3 MP, and a few ~0.3 MP), so that the size spread looks like a real
    dataset: many 1-3 MP, some 8-12 MP, some small. Resampling: Pillow LANCZOS on the
    decoded photo, saved as JPEG quality 90, 4:2:0. Most of the set stays native.
Only photographs were picked: the packages' illustrations and renders are left out.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Debian 12 (bookworm) packages the photos come from, with the license terms their
# debian/copyright (or, for Plasma, each wallpaper's metadata.json) states.
PACKAGES = {
    "mate-backgrounds": "usr/share/backgrounds/mate/nature",
    "lomiri-wallpapers-16.04": "usr/share/backgrounds",
    "lomiri-wallpapers-20.04": "usr/share/backgrounds",
    "plasma-workspace-wallpapers": "usr/share/wallpapers",
}

# (name in the set, source, path inside the package or the repository, author, license)
# source: a Debian package name, or "repo" for files of this repository.
SOURCES = [
    # mate-backgrounds 1.26.0 (debian/copyright: GPL-2+), nature/ photographs
    ("mate-aqua", "mate-backgrounds", "usr/share/backgrounds/mate/nature/Aqua.jpg", "Charles Barbin", "GPL-2+"),
    ("mate-blinds", "mate-backgrounds", "usr/share/backgrounds/mate/nature/Blinds.jpg",
     "Lennart Poettering, Andrea Cimitan", "GPL-2+"),
    ("mate-dune", "mate-backgrounds", "usr/share/backgrounds/mate/nature/Dune.jpg",
     "Marco Cogoni, Hylke Bons", "GPL-2+"),
    ("mate-freshflower", "mate-backgrounds", "usr/share/backgrounds/mate/nature/FreshFlower.jpg", "Jens Ansorg",
     "GPL-2+"),
    ("mate-garden", "mate-backgrounds", "usr/share/backgrounds/mate/nature/Garden.jpg", "Charles Barbin", "GPL-2+"),
    ("mate-greenmeadow", "mate-backgrounds", "usr/share/backgrounds/mate/nature/GreenMeadow.jpg",
     "Timothy Schellhase, Lapo Calamandrei", "GPL-2+"),
    ("mate-ladybird", "mate-backgrounds", "usr/share/backgrounds/mate/nature/LadyBird.jpg", "Charles Barbin",
     "GPL-2+"),
    ("mate-raindrops", "mate-backgrounds", "usr/share/backgrounds/mate/nature/RainDrops.jpg",
     '"blackcombwhistler07"', "GPL-2+"),
    ("mate-storm", "mate-backgrounds", "usr/share/backgrounds/mate/nature/Storm.jpg", "Sergey Nazarov", "GPL-2+"),
    ("mate-twowings", "mate-backgrounds", "usr/share/backgrounds/mate/nature/TwoWings.jpg",
     "Charles Barbin, Hylke Bons", "GPL-2+"),
    ("mate-wood", "mate-backgrounds", "usr/share/backgrounds/mate/nature/Wood.jpg", "Jean-François Fortin Tam",
     "GPL-2+"),
    ("mate-yellowflower", "mate-backgrounds", "usr/share/backgrounds/mate/nature/YellowFlower.jpg",
     "Charles Barbin", "GPL-2+"),
    # lomiri-wallpapers-16.04 20.04.0 (debian/copyright states each file's license)
    ("lomiri-bridge", "lomiri-wallpapers-16.04", "usr/share/backgrounds/Bridge_by_Sander_Klootwijk.jpg",
     "Sander Klootwijk", "CC-BY-SA-4.0"),
    ("lomiri-dragonfly", "lomiri-wallpapers-16.04", "usr/share/backgrounds/Dragonfly_by_Bolly.jpg", '"Bolly"',
     "CC-BY-SA-4.0"),
    ("lomiri-picture0b", "lomiri-wallpapers-16.04", "usr/share/backgrounds/Picture_0B_by_freespace.jpg",
     'Trevor "Freespace"', "CC-BY-4.0"),
    ("lomiri-picture1a", "lomiri-wallpapers-16.04", "usr/share/backgrounds/Picture_1A_by_freespace.jpg",
     'Trevor "Freespace"', "CC-BY-4.0"),
    ("lomiri-wine", "lomiri-wallpapers-16.04", "usr/share/backgrounds/Wine_by_Jakkub_Mede.jpg", "Jakub Mede",
     "CC-BY-4.0"),
    ("lomiri-aitzgorri", "lomiri-wallpapers-16.04", "usr/share/backgrounds/aitzgorri_by_Aitzol_Berasategi.jpg",
     "Aitzol Berasategi", "CC-BY-4.0"),
    ("lomiri-analogpattern", "lomiri-wallpapers-16.04",
     "usr/share/backgrounds/analogpattern_by_Peter_Nerlich.jpg", "Peter Nerlich", "CC-BY-SA-4.0"),
    ("lomiri-free", "lomiri-wallpapers-16.04", "usr/share/backgrounds/free_by_Peter_Nerlich.jpg", "Peter Nerlich",
     "CC-BY-SA-4.0"),
    ("lomiri-friends", "lomiri-wallpapers-16.04", "usr/share/backgrounds/friends_by_Aitzol_Berasategi.jpg",
     "Aitzol Berasategi", "CC-BY-4.0"),
    ("lomiri-greentock", "lomiri-wallpapers-16.04", "usr/share/backgrounds/greentock_by_Peter_Nerlich.jpg",
     "Peter Nerlich", "CC-BY-SA-4.0"),
    ("lomiri-life", "lomiri-wallpapers-16.04", "usr/share/backgrounds/life_by_Aitzol_Berasategi.jpg",
     "Aitzol Berasategi", "CC-BY-4.0"),
    ("lomiri-picosdeeuropa", "lomiri-wallpapers-16.04",
     "usr/share/backgrounds/picosdeeuropa_by_Aitzol_Berasategi.jpg", "Aitzol Berasategi", "CC-BY-4.0"),
    ("lomiri-seeding", "lomiri-wallpapers-16.04", "usr/share/backgrounds/seeding_by_Clements_Engelhardt.jpg",
     "Clemens Engelhardt", "CC0-1.0"),
    ("lomiri-sunset", "lomiri-wallpapers-16.04", "usr/share/backgrounds/sunset_by_Aitzol_Berasategi.jpg",
     "Aitzol Berasategi", "CC-BY-4.0"),
    # lomiri-wallpapers-20.04 20.04.0
    ("lomiri-kleiber", "lomiri-wallpapers-20.04", "usr/share/backgrounds/Kleiber_by_Lukas_Baubkus.jpg",
     "Lukas Baubkus", "CC-BY-SA-3.0"),
    # plasma-workspace-wallpapers 5.27.5 (each wallpaper's metadata.json: LGPLv3)
    ("plasma-bythewater", "plasma-workspace-wallpapers", "usr/share/wallpapers/BytheWater/contents/images/2560x1600.jpg",
     "Maciej Wiklo", "LGPL-3.0"),
    ("plasma-coldripple", "plasma-workspace-wallpapers", "usr/share/wallpapers/ColdRipple/contents/images/2560x1600.jpg",
     "Risto Saukonpää", "LGPL-3.0"),
    ("plasma-colorfulcups", "plasma-workspace-wallpapers",
     "usr/share/wallpapers/ColorfulCups/contents/images/2560x1600.jpg", "Dmitri Popov", "LGPL-3.0"),
    ("plasma-darkesthour", "plasma-workspace-wallpapers",
     "usr/share/wallpapers/DarkestHour/contents/images/2560x1600.jpg", "Risto Saukonpää", "LGPL-3.0"),
    ("plasma-eveningglow", "plasma-workspace-wallpapers",
     "usr/share/wallpapers/EveningGlow/contents/images/2560x1600.jpg", "Ian Hex", "LGPL-3.0"),
    ("plasma-fallenleaf", "plasma-workspace-wallpapers",
     "usr/share/wallpapers/FallenLeaf/contents/images/2560x1600.jpg", "Martin Klapetek", "LGPL-3.0"),
    ("plasma-grey", "plasma-workspace-wallpapers", "usr/share/wallpapers/Grey/contents/images/2560x1600.jpg",
     "Sigi Sagi", "LGPL-3.0"),  # a grayscale JPEG: decoded to RGB like every other
    ("plasma-onestandsout", "plasma-workspace-wallpapers",
     "usr/share/wallpapers/OneStandsOut/contents/images/2560x1600.jpg", "Risto Saukonpää", "LGPL-3.0"),
    ("plasma-path", "plasma-workspace-wallpapers", "usr/share/wallpapers/Path/contents/images/2560x1600.jpg",
     "Risto Saukonpää", "LGPL-3.0"),
    ("plasma-summer1am", "plasma-workspace-wallpapers",
     "usr/share/wallpapers/summer_1am/contents/images/2560x1600.jpg", "Risto Saukonpää", "LGPL-3.0"),
    # scikit-image's sample photos, as kept in examples/data (see examples/data/README.md)
    ("skimage-chelsea", "repo", "examples/data/chelsea.jpg", "Stéfan van der Walt", "CC0-1.0"),
    ("skimage-coffee", "repo", "examples/data/coffee.jpg", "Rachel Michetti", "CC0-1.0"),
    ("skimage-rocket", "repo", "examples/data/rocket.jpg", "SpaceX", "public domain"),
    ("skimage-astronaut", "repo", "examples/data/astronaut.jpg", "NASA", "public domain"),
]

# Photos larger than 12 MP: replaced by a downscaled copy (long side given).
DOWNSCALE_NATIVE = {"lomiri-dragonfly": 4000, "lomiri-seeding": 4200, "lomiri-kleiber": 4608}

# Extra resampled copies: (source name, long side). Common web / phone export sizes
# (1-3 MP) and a few COCO-like ~0.3 MP ones.
DERIVED = [
    ("plasma-bythewater", 1920), ("plasma-coldripple", 1600), ("plasma-colorfulcups", 2048),
    ("plasma-darkesthour", 1440), ("plasma-eveningglow", 1920), ("plasma-fallenleaf", 1280),
    ("plasma-onestandsout", 2048), ("plasma-path", 1600), ("plasma-summer1am", 1920),
    ("mate-aqua", 1600), ("mate-garden", 2048), ("mate-ladybird", 1920), ("mate-twowings", 1440),
    ("mate-wood", 2016), ("lomiri-aitzgorri", 2048), ("lomiri-life", 1600), ("lomiri-friends", 1536),
    ("lomiri-picosdeeuropa", 2304), ("lomiri-picture0b", 1800), ("lomiri-free", 1920),
    ("plasma-bythewater", 1024), ("mate-storm", 1152), ("lomiri-bridge", 1200),
    ("mate-yellowflower", 640), ("lomiri-greentock", 640), ("plasma-path", 800), ("lomiri-wine", 640),
]

JPEG_QUALITY = 90


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def package_file(pkg: str, rel: str, cache: Path) -> tuple[Path, str]:
    """The path of `rel` from Debian package `pkg`, and the package version."""
    system = Path("/") / rel
    if system.is_file() and system.stat().st_size > 0:
        v = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
        if v.returncode == 0 and v.stdout:
            return system, v.stdout + " (installed)"
    debs = cache / "debs"
    root = cache / "pkgroot" / pkg
    stamp = root / ".version"
    if not stamp.is_file():
        debs.mkdir(parents=True, exist_ok=True)
        found = sorted(debs.glob(f"{pkg}_*.deb"))
        if not found:
            log(f"photos: apt-get download {pkg}")
            r = subprocess.run(["apt-get", "download", pkg], cwd=debs, capture_output=True, text=True)
            found = sorted(debs.glob(f"{pkg}_*.deb"))
            if r.returncode != 0 or not found:
                raise SystemExit(f"photos: cannot download Debian package {pkg} (apt-get download: "
                                 f"{(r.stderr or r.stdout).strip()[-400:]}); run `apt-get update` first?")
        deb = found[-1]
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        version = subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], capture_output=True, text=True,
                                 check=True).stdout.strip()
        stamp.write_text(version)
    path = root / rel
    if not path.is_file():
        raise SystemExit(f"photos: {pkg} has no {rel} (version {stamp.read_text()})")
    return path.resolve(), stamp.read_text()


def pil():
    try:
        from PIL import Image
    except ImportError as e:
        raise SystemExit(f"photos: needs Pillow ({e}): run it with Debian's /usr/bin/python3 "
                         "(python3-pil, from cmake/install-deps.sh --bench) or a venv that has Pillow")
    return Image


def resample(src: Path, dst: Path, long_side: int) -> tuple[int, int]:
    Image = pil()

    with Image.open(src) as im:
        im = im.convert("RGB")
        w, h = im.size
        s = long_side / max(w, h)
        size = (max(1, round(w * s)), max(1, round(h * s)))
        out = im.resize(size, Image.LANCZOS)
    tmp = dst.with_suffix(".tmp")
    out.save(tmp, "JPEG", quality=JPEG_QUALITY, subsampling=2)
    tmp.replace(dst)
    return size


def jpeg_size(path: Path) -> tuple[int, int]:
    Image = pil()

    with Image.open(path) as im:
        if im.format != "JPEG":
            raise SystemExit(f"photos: {path} is {im.format}, not JPEG")
        return im.size


def histogram(entries) -> list[tuple[str, int]]:
    bins = [(0, 0.5), (0.5, 1), (1, 2), (2, 3), (3, 5), (5, 8), (8, 12.5)]
    out = []
    for lo, hi in bins:
        n = sum(1 for e in entries if lo <= e["mp"] < hi)
        out.append((f"{lo:g}-{hi:g} MP", n))
    return out


def build(out: Path) -> list[dict]:
    photos = out / "photos"
    photos.mkdir(parents=True, exist_ok=True)
    manifest_path = out / "photos.json"
    old = {}
    if manifest_path.is_file():
        try:
            old = {e["name"]: e for e in json.loads(manifest_path.read_text())["photos"]}
        except (ValueError, KeyError):
            old = {}

    def cached(name: str, file: Path, origin: dict) -> dict | None:
        e = old.get(name)
        if e and file.is_file() and file.stat().st_size == e.get("bytes") and \
                all(e.get(k) == v for k, v in origin.items()):
            return e
        return None

    entries: list[dict] = []
    originals: dict[str, Path] = {}
    info: dict[str, dict] = {}
    for name, source, rel, author, lic in SOURCES:
        if source == "repo":
            src, version = ROOT / rel, "repository"
        else:
            src, version = package_file(source, rel, out)
        originals[name] = src
        base = {"source": source if source == "repo" else f"debian:{source}", "version": version,
                "path": rel, "author": author, "license": lic}
        info[name] = base
        dst = photos / f"{name}.jpg"
        if name in DOWNSCALE_NATIVE:
            origin = dict(base, derived_from=rel, derivation=f"LANCZOS to long side {DOWNSCALE_NATIVE[name]}, "
                                                              f"JPEG q{JPEG_QUALITY} (native is over 12 MP)")
            e = cached(name, dst, origin)
            if e is None:
                w, h = resample(src, dst, DOWNSCALE_NATIVE[name])
                e = dict(origin, name=name, file=str(dst.relative_to(out)), width=w, height=h)
        else:
            origin = dict(base, derived_from=None, derivation=None)
            e = cached(name, dst, origin)
            if e is None:
                shutil.copyfile(src, dst)
                w, h = jpeg_size(dst)
                e = dict(origin, name=name, file=str(dst.relative_to(out)), width=w, height=h)
        entries.append(e)

    for src_name, long_side in DERIVED:
        name = f"{src_name}-{long_side}"
        dst = photos / f"{name}.jpg"
        origin = dict(info[src_name], derived_from=info[src_name]["path"],
                      derivation=f"LANCZOS to long side {long_side}, JPEG q{JPEG_QUALITY}")
        e = cached(name, dst, origin)
        if e is None:
            w, h = resample(originals[src_name], dst, long_side)
            e = dict(origin, name=name, file=str(dst.relative_to(out)), width=w, height=h)
        entries.append(e)

    for e in entries:
        e["bytes"] = (out / e["file"]).stat().st_size
        e["mp"] = round(e["width"] * e["height"] / 1e6, 3)
    keep = {e["file"] for e in entries}
    for f in photos.glob("*"):  # files of an older selection
        if str(f.relative_to(out)) not in keep:
            f.unlink()
    manifest = {"description": "pixfuse benchmark photo set (bench/peers/photos.py)", "photos": entries}
    manifest_path.write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n")
    return entries


def describe(entries: list[dict], out: Path) -> str:
    mps = sorted(e["mp"] for e in entries)
    n = len(mps)
    native = sum(1 for e in entries if not e["derived_from"])
    lines = [f"photo set: {out / 'photos'}  ({out / 'photos.json'})",
             f"  {n} JPEG photos, {native} native, {n - native} resampled from them; "
             f"mean {sum(mps) / n:.2f} MP, median {mps[n // 2]:.2f} MP, "
             f"min {mps[0]:.2f}, max {mps[-1]:.2f}, total {sum(mps):.1f} MP "
             f"({sum(e['width'] * e['height'] * 3 for e in entries) / 1e9:.2f} GB decoded RGB)"]
    top = max(c for _, c in histogram(entries)) or 1
    for label, c in histogram(entries):
        lines.append(f"  {label:>10}: {c:3d} {'#' * round(40 * c / top)}")
    by = {}
    for e in entries:
        by.setdefault(e["source"], 0)
        by[e["source"]] += 1
    lines.append("  sources: " + ", ".join(f"{k} {v}" for k, v in sorted(by.items())))
    lines.append("  licenses: " + ", ".join(sorted({e["license"] for e in entries})))
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "bench-photos",
                    help="cache folder (default: build/bench-photos)")
    ap.add_argument("--list", action="store_true", help="also list every photo")
    args = ap.parse_args()
    entries = build(args.out.resolve())
    if args.list:
        for e in entries:
            d = f"  <- {e['derivation']}" if e["derived_from"] else ""
            print(f"  {e['width']:5d}x{e['height']:<5d} {e['mp']:6.2f} MP  {e['name']:<28} {e['source']} "
                  f"[{e['license']}, {e['author']}]{d}")
    print(describe(entries, args.out.resolve()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
