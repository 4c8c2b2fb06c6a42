// PIXFUSE_NO_CONTRACT: compute exactly the written floating-point operations, never
// fused multiply-adds, whatever -ffp-contract or -march the includer uses. Weight tables
// must equal the peer libraries' bit for bit (their builds do not contract), so the
// functions that compute them carry this attribute.
//
// Clang has no per-function form; its default (-ffp-contract=on) fuses only within one
// expression. Build with -ffp-contract=off under clang for bit-exact weights.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#define PIXFUSE_NO_CONTRACT __attribute__((optimize("fp-contract=off")))
// For a region of functions (the SIMD kernels): inside Highway's HWY_BEFORE_NAMESPACE,
// whose pop_options ends it.
#define PIXFUSE_NO_CONTRACT_REGION _Pragma("GCC optimize(\"fp-contract=off\")")
#else
#define PIXFUSE_NO_CONTRACT
#define PIXFUSE_NO_CONTRACT_REGION
#endif

// For whole headers of plain functions (the CUDA backend's arithmetic, which the emulation
// tests run on the host): every function defined between BEGIN and END. GCC contracts after
// inlining, under the flags of the function inlined into, so a caller of these must sit in
// such a region too. Host compilers only: the device spells each operation with an _rn
// intrinsic instead.
#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#define PIXFUSE_NO_CONTRACT_BEGIN \
  _Pragma("GCC push_options") _Pragma("GCC optimize(\"fp-contract=off\")")
#define PIXFUSE_NO_CONTRACT_END _Pragma("GCC pop_options")
#else
#define PIXFUSE_NO_CONTRACT_BEGIN
#define PIXFUSE_NO_CONTRACT_END
#endif
