// CUDA runtime errors as pixfuse::Error, and whether a GPU is there at all.
//
// device_count() and available() never throw and never abort: a machine without a driver
// or without a GPU reports 0 / false and the reason (no_device_reason) for messages such
// as pixfuse-prep's "--device auto: no CUDA device (...), using the CPU".
// Plain C++ over the runtime API: includable from .cpp files compiled by the host compiler.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "pixfuse/core/error.hpp"

namespace pixfuse::cuda {

namespace detail {
inline std::string describe(cudaError_t e) {
  return pixfuse::detail::to_text(cudaGetErrorName(e), " (", cudaGetErrorString(e), ")");
}
}  // namespace detail

// Throw pixfuse::Error "cuda: <what>: expected cudaSuccess, got <name> (<text>)".
inline void check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) {
    (void)cudaGetLastError();  // clear a sticky-free error so later calls start clean
    throw Error(std::string("cuda: ") + what, "cudaSuccess", detail::describe(e));
  }
}

// Number of usable CUDA devices; 0 when there is no driver, no GPU, or the runtime fails.
inline int device_count() noexcept {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  return n;
}

inline bool available() noexcept { return device_count() > 0; }

// Why there is no device: "cudaGetDeviceCount: cudaErrorNoDevice (no CUDA-capable device
// is detected)", or "cudaGetDeviceCount: 0 devices"; empty when a device is available.
inline std::string no_device_reason() {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    return "cudaGetDeviceCount: " + detail::describe(e);
  }
  return n > 0 ? std::string() : std::string("cudaGetDeviceCount: 0 devices");
}

// Throw "cuda: no CUDA device (<reason>)" unless `device` exists; make it current.
inline void require_device(int device = 0) {
  const std::string reason = no_device_reason();
  if (!reason.empty()) throw Error("cuda: no CUDA device (" + reason + ")");
  const int n = device_count();
  if (device < 0 || device >= n)
    throw Error("cuda: device", pixfuse::detail::to_text("0 <= device < ", n),
                pixfuse::detail::to_text(device));
  check(cudaSetDevice(device), "cudaSetDevice");
}

// A one-line description of `device` for logs: "NVIDIA H100 80GB HBM3 (sm_90, 3352 GB/s)".
inline std::string describe_device(int device = 0) {
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
  int clock_khz = 0, bus_bits = 0;
  (void)cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, device);
  (void)cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, device);
  const double gbps = 2.0 * clock_khz * 1e3 * (bus_bits / 8.0) / 1e9;
  return pixfuse::detail::to_text(prop.name, " (sm_", prop.major, prop.minor, ", ",
                                  static_cast<long>(gbps), " GB/s)");
}

// Peak DRAM bandwidth in bytes/s from the device attributes (double data rate); 0 if unknown.
inline double peak_bandwidth(int device = 0) noexcept {
  int clock_khz = 0, bus_bits = 0;
  if (cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, device) != cudaSuccess ||
      cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, device) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0.0;
  }
  return 2.0 * clock_khz * 1e3 * (bus_bits / 8.0);
}

}  // namespace pixfuse::cuda
