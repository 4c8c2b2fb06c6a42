#!/usr/bin/env bash
# Installs what pixfuse needs to build and test, from Debian packages.
# Idempotent and non-interactive: installs only what is missing, runs apt-get update at
# most once, and does nothing (no root needed) when everything is already there.
#
#   cmake/install-deps.sh            compiler, cmake, ninja, Highway, Eigen, xsimd, stb,
#                                    GoogleTest, Google Benchmark
#   cmake/install-deps.sh --bench    + Python peers for benchmarks and fixtures
#                                    (OpenCV, Pillow, NumPy, matplotlib)
#   cmake/install-deps.sh --arm      + aarch64 cross compiler, qemu-user, arm64 Highway and
#                                    GoogleTest (Debian multiarch: adds the arm64 architecture)
#   cmake/install-deps.sh --jpeg     + libjpeg-turbo (faster decode, DCT scaling)
#   cmake/install-deps.sh --all      every group
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config libhwy-dev libeigen3-dev libxsimd-dev libstb-dev
          libgtest-dev libbenchmark-dev)
arm=false
for arg in "$@"; do
  case "$arg" in
    --bench) packages+=(python3 python3-numpy python3-pil python3-opencv libopencv-dev
                        python3-matplotlib python3-venv) ;;
    --arm) arm=true
           packages+=(g++-aarch64-linux-gnu qemu-user libhwy-dev:arm64 libgtest-dev:arm64) ;;
    --jpeg) packages+=(libturbojpeg0-dev libjpeg62-turbo-dev) ;;
    --all) exec "$0" --bench --arm --jpeg ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "install-deps.sh: unknown option '$arg' (expected --bench, --arm, --jpeg, --all)" >&2
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
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps.sh: all ${#packages[@]} packages already installed"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo)
  else
    echo "install-deps.sh: these packages are missing and installing them needs root:" >&2
    echo "  ${missing[*]}" >&2
    echo "run this script as root (or with passwordless sudo)" >&2
    exit 1
  fi
fi

if $arm && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  "${sudo[@]}" dpkg --add-architecture arm64
fi
echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
