// PIXFUSE_HD marks a function nvcc compiles for both host and device; a plain C++
// compiler sees nothing. Only for functions that use nothing host-only (no std::string,
// no exceptions), so the CUDA kernels and the CPU code can share them.
#pragma once

#if defined(__CUDACC__)
#define PIXFUSE_HD __host__ __device__
#else
#define PIXFUSE_HD
#endif
