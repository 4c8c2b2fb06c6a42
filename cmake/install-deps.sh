#!/usr/bin/env bash
# Installs what pixfuse needs to build and test, from Debian packages.
# Idempotent and non-interactive: installs only what is missing, runs apt-get update at
# most once, and does nothing (no root needed) when everything is already there.
#
#   cmake/install-deps.sh            compiler, cmake, ninja, Highway, Eigen, xsimd, stb,
#                                    GoogleTest, Google Benchmark, libjpeg-turbo (JPEG decoded
#                                    exactly as Pillow does), nlohmann-json (recipe files,
#                                    pixfuse-prep's JSON) and CLI11 (pixfuse-prep's command line)
#   cmake/install-deps.sh --bench    + Python peers for benchmarks and fixtures
#                                    (OpenCV, Pillow, NumPy, matplotlib; cjpeg/jpegtran for
#                                    tests/data/make_jpeg_fixtures.py)
#   cmake/install-deps.sh --arm      + aarch64 cross compiler, qemu-user, arm64 Highway and
#                                    GoogleTest (Debian multiarch: adds the arm64 architecture)
#   cmake/install-deps.sh --jpeg     (kept for old scripts: libjpeg-turbo is in the default group)
#   cmake/install-deps.sh --fuzz     + clang-14 and its libFuzzer runtime (the fuzz preset)
#   cmake/install-deps.sh --format   + clang-format 14 (cmake/check-format.sh, CI's format check)
#   cmake/install-deps.sh --report   + everything bench/report/report.py compares against:
#                                    the --bench group, stb_image_resize, valgrind and perf
#                                    (instructions per pixel), and two Python venvs
#                                    (PyPI): /opt/pfx-venv (torch, torchvision, jax[cpu], and the
#                                    end-to-end peers pyvips, simplejpeg and DALI, on top
#                                    of Debian's numpy/Pillow/OpenCV/matplotlib) and
#                                    /opt/pfx-simd-venv (pillow-simd, built with -mavx2 where the
#                                    CPU has AVX2). Never needed by the library or its tests.
#                                    PFX_VENV / PFX_SIMD_VENV choose other folders.
#   cmake/install-deps.sh --python   + the Python package's build and tests: Debian's python3-dev and
#                                    python3-venv, and a venv (PyPI) with nanobind, scikit-build-core,
#                                    numpy, pytest and ray[data] at /opt/pixfuse-py-venv (PIXFUSE_PY_VENV
#                                    chooses another folder); the test preset finds it there
#   cmake/install-deps.sh --all      every Debian group (not --report, which downloads from PyPI)
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config libhwy-dev libeigen3-dev libxsimd-dev libstb-dev
          libgtest-dev libbenchmark-dev libturbojpeg0-dev libjpeg62-turbo-dev nlohmann-json3-dev libcli11-dev)
arm=false
report=false
python=false
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(python3 python3-numpy python3-pil python3-opencv libopencv-dev
                        python3-matplotlib python3-venv libjpeg-turbo-progs) ;;
    --arm) arm=true
           packages+=(g++-aarch64-linux-gnu qemu-user libhwy-dev:arm64 libgtest-dev:arm64) ;;
    --jpeg) ;;  # in the default group now
    --fuzz) packages+=(clang-14 libclang-rt-14-dev) ;;
    --format) packages+=(clang-format-14) ;;
    # --- report group (bench/report/report.py) ---
    --report) report=true
              packages+=(python3 python3-numpy python3-pil python3-opencv libopencv-dev python3-matplotlib
                         python3-venv python3-dev libstb-dev libjpeg-dev zlib1g-dev
                         valgrind linux-perf) ;;
    # --- end report group ---
    # --- python group (python/: the nanobind module and its pytest suite) ---
    --python) python=true
              packages+=(python3 python3-dev python3-venv) ;;
    # --- end python group ---
    --all) exec "$0" --bench --arm --jpeg --fuzz --format ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
    *) echo "install-deps.sh: unknown option '$arg' (expected --bench, --arm, --jpeg, --fuzz, --format, --report, --python, --all)" >&2
       exit 2 ;;
  esac
done

# Whether package NAME or NAME:ARCH is installed. A name without :ARCH means the native
# architecture (or an arch-independent package), as apt-get install reads it: once --arm
# adds arm64, a multiarch package such as libhwy-dev can be installed for both.
native_arch=$(dpkg --print-architecture)
installed() {
  local name=${1%%:*} arch="$native_arch|all"
  [[ $1 == *:* ]] && arch=${1#*:}
  dpkg-query -W -f='${Architecture} ${Status}\n' "$name" 2>/dev/null |
    grep -Eq "^($arch) install ok installed$"
}

missing=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done

# sudo when not root and root is needed; fails with a message naming what needs it.
sudo=()
need_root() {
  [ "$(id -u)" -eq 0 ] && return 0
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo)
  else
    echo "install-deps.sh: $1 needs root:" >&2
    echo "  $2" >&2
    echo "run this script as root (or with passwordless sudo)" >&2
    exit 1
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps.sh: all ${#packages[@]} packages already installed"
else
  need_root "installing these missing packages" "${missing[*]}"
  if $arm && ! dpkg --print-foreign-architectures | grep -qx arm64; then
    "${sudo[@]}" dpkg --add-architecture arm64
  fi
  echo "install-deps.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- report group: Python peers from PyPI, in venvs under /opt (never used by the tests) ---
if $report; then
  venv=${PFX_VENV:-/opt/pfx-venv}
  simd_venv=${PFX_SIMD_VENV:-/opt/pfx-simd-venv}
  # make_venv DIR: a venv on top of Debian's python3 (its numpy, Pillow, OpenCV, matplotlib).
  make_venv() {
    [ -x "$1/bin/python" ] && return 0
    local parent; parent=$(dirname "$1")
    if [ -w "$parent" ]; then
      python3 -m venv --system-site-packages "$1"
    else
      need_root "creating $1" "python3 -m venv --system-site-packages $1"
      "${sudo[@]}" python3 -m venv --system-site-packages "$1"
      "${sudo[@]}" chown -R "$(id -u):$(id -g)" "$1"
    fi
  }
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import torch, torchvision, jax" 2>/dev/null; then
    echo "install-deps.sh: $venv already has torch, torchvision and jax"
  else
    echo "install-deps.sh: installing torch, torchvision, jax[cpu] from PyPI into $venv (large download)"
    make_venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    "$venv/bin/python" -m pip install -q torch torchvision "jax[cpu]"
  fi
  if [ -x "$simd_venv/bin/python" ] &&
     "$simd_venv/bin/python" -c "import PIL, sys; sys.exit('.post' not in PIL.__version__)" 2>/dev/null; then
    echo "install-deps.sh: $simd_venv already has Pillow-SIMD"
  else
    cc_flags=""
    grep -qw avx2 /proc/cpuinfo 2>/dev/null && cc_flags=" -mavx2"
    echo "install-deps.sh: building pillow-simd from PyPI into $simd_venv (CC=\"cc$cc_flags\"; a few minutes)"
    make_venv "$simd_venv"
    CC="cc$cc_flags" "$simd_venv/bin/python" -m pip install -q --no-cache-dir --no-binary pillow-simd pillow-simd
  fi
  # The venvs see Debian's numpy, matplotlib and OpenCV only when made from Debian's python3;
  # made from another Python (pyenv, conda), they need them from PyPI.
  if ! "$venv/bin/python" -c "import numpy, matplotlib, cv2" 2>/dev/null; then
    echo "install-deps.sh: installing numpy, matplotlib, opencv-python-headless from PyPI into $venv"
    "$venv/bin/python" -m pip install -q numpy matplotlib opencv-python-headless
  fi
  # bench/e2e/e2e.py's other end-to-end peers: libvips' thumbnail (pyvips, with the libvips
  # its binary wheel bundles), simplejpeg (libjpeg-turbo), and DALI's CPU pipeline. DALI is
  # a large download that may have no wheel for this Python or CPU: e2e.py reports it as not
  # measured then, so its failure here is a warning.
  if ! "$venv/bin/python" -c "import pyvips, simplejpeg" 2>/dev/null; then
    echo "install-deps.sh: installing pyvips[binary], simplejpeg from PyPI into $venv"
    "$venv/bin/python" -m pip install -q "pyvips[binary]" simplejpeg
  fi
  if ! "$venv/bin/python" -c "import nvidia.dali" 2>/dev/null; then
    echo "install-deps.sh: installing nvidia-dali-cuda120 (DALI; its CPU pipeline) from PyPI into $venv"
    "$venv/bin/python" -m pip install -q nvidia-dali-cuda120 ||
      echo "install-deps.sh: warning: DALI did not install; bench/e2e/e2e.py will report it as not measured" >&2
  fi
  # The Pillow-SIMD peer decodes the photo set with OpenCV, as every photo peer does.
  if ! "$simd_venv/bin/python" -c "import numpy, cv2" 2>/dev/null; then
    echo "install-deps.sh: installing numpy, opencv-python-headless from PyPI into $simd_venv"
    "$simd_venv/bin/python" -m pip install -q numpy opencv-python-headless
  fi
  echo "install-deps.sh: report peers ready: $venv/bin/python bench/report/report.py"
fi
# --- end report group ---

# --- python group: a plain venv (no system site packages: Debian's numpy-1 extensions and
# pip's numpy 2 do not mix) for building the module and running its tests ---
if $python; then
  py_venv=${PIXFUSE_PY_VENV:-/opt/pixfuse-py-venv}
  py_packages=("nanobind>=2.2" "scikit-build-core>=0.10" "numpy>=1.24" "pytest>=7" "ray[data]>=2.9")
  # Installed distributions by their metadata (importing ray.data takes ~10 s; this ~0.1 s).
  if [ -x "$py_venv/bin/python" ] &&
     "$py_venv/bin/python" -c "from importlib.metadata import version
for d in ('nanobind', 'scikit-build-core', 'numpy', 'pytest', 'ray', 'pandas', 'pyarrow', 'fsspec'): version(d)" \
       2>/dev/null; then
    echo "install-deps.sh: $py_venv already has nanobind, scikit-build-core, numpy, pytest and ray[data]"
  else
    echo "install-deps.sh: installing ${py_packages[*]} from PyPI into $py_venv"
    if [ ! -x "$py_venv/bin/python" ]; then
      if [ -w "$(dirname "$py_venv")" ]; then
        /usr/bin/python3 -m venv "$py_venv"
      else
        need_root "creating $py_venv" "/usr/bin/python3 -m venv $py_venv"
        "${sudo[@]}" /usr/bin/python3 -m venv "$py_venv"
        "${sudo[@]}" chown -R "$(id -u):$(id -g)" "$py_venv"
      fi
    fi
    "$py_venv/bin/python" -m pip install -q --disable-pip-version-check "${py_packages[@]}"
  fi
fi
# --- end python group ---
