# Cross-compile for 64-bit Arm Linux with Debian's GCC cross compiler
# (g++-aarch64-linux-gnu) against Debian multiarch arm64 packages (libhwy-dev:arm64,
# libgtest-dev:arm64), and run what was built (gtest discovery, ctest) under qemu-user.
# `bash cmake/install-deps.sh --arm` installs all of it.
#
#   cmake --workflow --preset arm64
#   (or: cmake -B build/arm64 -G Ninja --toolchain cmake/toolchains/aarch64-linux-gnu.cmake)
#
# PIXFUSE_QEMU_CPU: the CPU qemu emulates for the tests. The default, `max`, has NEON,
# SVE and SVE2 (512-bit vectors), so the sve2, sve and neon targets all run.
# PIXFUSE_QEMU_EXTRA_CPUS: tests/CMakeLists.txt runs the target tests once more on each of
# these (BEST@CPU: BEST must be that CPU's best target), so that NEON is the best target
# once and SVE runs at other vector lengths:
#   neon@cortex-a72                             NEON only
#   sve2_128@max,sve-default-vector-length=16   128-bit SVE2: adds the sve2_128 target
#   sve_256@max,sve-default-vector-length=32    256-bit SVE: adds the sve_256 target
#   sve2@max,sve-default-vector-length=256      2048-bit SVE, the architectural maximum
# (`qemu-aarch64 -cpu help` lists the models; the vector length is in bytes.)
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Debian multiarch: the arm64 libraries and their CMake packages live in
# /usr/lib/aarch64-linux-gnu under the host's own root (no sysroot). CMake searches there
# because CMAKE_LIBRARY_ARCHITECTURE (detected from the compiler) is aarch64-linux-gnu,
# and never in the host's /usr/lib/x86_64-linux-gnu. The headers (/usr/include/hwy,
# /usr/include/gtest) are the same files for both architectures.

set(PIXFUSE_QEMU_CPU "max" CACHE STRING "CPU model qemu-aarch64 emulates for the tests (qemu-aarch64 -cpu help)")
set(PIXFUSE_QEMU_EXTRA_CPUS
    "neon@cortex-a72;sve2_128@max,sve-default-vector-length=16;sve_256@max,sve-default-vector-length=32;sve2@max,sve-default-vector-length=256"
    CACHE STRING "BEST_TARGET@CPU entries: the target tests run once more on each CPU model (a list)")
find_program(PIXFUSE_QEMU_AARCH64 qemu-aarch64 REQUIRED)
# The arm64 loader and libraries are installed by multiarch packages (/lib/ld-linux-aarch64.so.1,
# /usr/lib/aarch64-linux-gnu), so qemu needs no -L sysroot.
set(CMAKE_CROSSCOMPILING_EMULATOR "${PIXFUSE_QEMU_AARCH64};-cpu;${PIXFUSE_QEMU_CPU}")
