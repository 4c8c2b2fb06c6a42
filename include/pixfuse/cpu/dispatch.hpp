// Runtime dispatch of the fused kernels (cpu/fused-inl.h) across SIMD targets.
//
// This header runs hwy/foreach_target.h, which can happen once per translation unit.
// If your file already uses foreach_target for its own kernels, include
// "pixfuse/cpu/fused-inl.h" from your own HWY_TARGET_INCLUDE file instead, and define
// PIXFUSE_USER_FOREACH_TARGET before including pixfuse (after your foreach_target):
// this header then builds its dispatch table from your inclusions.
//
// Everything here and in fused-inl.h lives in an inline namespace named after the
// translation unit's baseline target, so a file compiled with -march=native and one
// compiled for the baseline never share (and never swap) kernels or dispatchers.
//
// PIXFUSE_STATIC_DISPATCH (target pixfuse::static_dispatch): only the baseline target is
// compiled (HWY_COMPILE_ONLY_STATIC) and nothing from libhwy is needed.
//
// Kernels compiled once per program: the kernels are most of a translation unit's compile
// time (minutes at -O3, every target), so a program of many files can compile them in one.
// That file defines PIXFUSE_DEFINE_KERNELS before including pixfuse; every other defines
// PIXFUSE_EXTERN_KERNELS and compiles no kernel (CMake: pixfuse_add_kernel_library, in
// cmake/PixfuseKernels.cmake). Both must be built with the same baseline flags: the
// symbol they share is named after the baseline target, so a mismatch fails to link.
// run_static in an extern file runs the dynamic kernels (the same output), unless the file
// also defines PIXFUSE_SHAPED_KERNELS: then it compiles run_static's shape-specialised
// kernels for the shapes it uses (every target) and only those.
#pragma once

#if defined(PIXFUSE_EXTERN_KERNELS) && defined(PIXFUSE_DEFINE_KERNELS)
// clang-format off
#error "define PIXFUSE_EXTERN_KERNELS or PIXFUSE_DEFINE_KERNELS, not both (see pixfuse/cpu/dispatch.hpp)"
// clang-format on
#endif

#if defined(PIXFUSE_STATIC_DISPATCH) && !defined(HWY_COMPILE_ONLY_STATIC)
#define HWY_COMPILE_ONLY_STATIC 1
#endif

// AVX3_DL (AVX-512 with VNNI, VBMI, VBMI2: Ice Lake, Zen 4 and later) is compiled into
// every build and chosen at run time on CPUs that have it: its kernels use VNNI's 16-bit
// multiply-add (vpdpwssd) and VBMI's byte permutes. Highway 1.0.3 leaves it out unless
// asked (HWY_WANT_AVX3_DL); asking is also what makes a file built for an AVX3_DL baseline
// (-march=native on such a CPU) compile at all: 1.0.3 tests a macro it never defines,
// HWY_BASELINE, and otherwise stops with "best baseline should be included in dynamic
// targets". Must come before Highway's first header in the translation unit.
#if !defined(HWY_WANT_AVX3_DL) && \
    (defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86))
#define HWY_WANT_AVX3_DL 1
#endif

// HWY_STATIC_TARGET without highway.h, which must come after foreach_target.h.
#include <hwy/detect_targets.h>

// Named after the baseline (static) target; fixed for every per-target inclusion.
#if HWY_STATIC_TARGET == HWY_SCALAR
#define PIXFUSE_DISPATCH_NAMESPACE dispatch_scalar
#elif HWY_STATIC_TARGET == HWY_EMU128
#define PIXFUSE_DISPATCH_NAMESPACE dispatch_emu128
#elif HWY_ARCH_X86 && HWY_STATIC_TARGET == HWY_SSSE3
#define PIXFUSE_DISPATCH_NAMESPACE dispatch_ssse3
#elif HWY_ARCH_X86 && HWY_STATIC_TARGET == HWY_SSE4
#define PIXFUSE_DISPATCH_NAMESPACE dispatch_sse4
#elif HWY_ARCH_X86 && HWY_STATIC_TARGET == HWY_AVX2
#define PIXFUSE_DISPATCH_NAMESPACE dispatch_avx2
#elif HWY_ARCH_X86 && HWY_STATIC_TARGET == HWY_AVX3
#define PIXFUSE_DISPATCH_NAMESPACE dispatch_avx3
#elif HWY_ARCH_X86 && HWY_STATIC_TARGET == HWY_AVX3_DL
#define PIXFUSE_DISPATCH_NAMESPACE dispatch_avx3_dl
#elif HWY_ARCH_ARM && HWY_STATIC_TARGET == HWY_NEON
#define PIXFUSE_DISPATCH_NAMESPACE dispatch_neon
#elif HWY_ARCH_ARM && HWY_STATIC_TARGET == HWY_SVE
#define PIXFUSE_DISPATCH_NAMESPACE dispatch_sve
#elif HWY_ARCH_ARM && HWY_STATIC_TARGET == HWY_SVE2
#define PIXFUSE_DISPATCH_NAMESPACE dispatch_sve2
#elif HWY_ARCH_ARM && HWY_STATIC_TARGET == HWY_SVE_256
#define PIXFUSE_DISPATCH_NAMESPACE dispatch_sve_256
#elif HWY_ARCH_ARM && HWY_STATIC_TARGET == HWY_SVE2_128
#define PIXFUSE_DISPATCH_NAMESPACE dispatch_sve2_128
#else
#define PIXFUSE_DISPATCH_NAMESPACE dispatch_other
#endif

// Whether this file compiles kernels: its own, or (PIXFUSE_SHAPED_KERNELS) the shaped ones.
#if !defined(PIXFUSE_EXTERN_KERNELS) || defined(PIXFUSE_SHAPED_KERNELS)
#define PIXFUSE_KERNELS_IN_THIS_FILE 1
#endif

#if !defined(PIXFUSE_KERNELS_IN_THIS_FILE)
// No kernel here: the PIXFUSE_DEFINE_KERNELS file's table (below) is used.
#include <hwy/targets.h>

#include "pixfuse/core/image_view.hpp"
#include "pixfuse/core/static_output.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/plan/plan.hpp"
#elif defined(PIXFUSE_USER_FOREACH_TARGET)
// The user's foreach_target already included fused-inl.h for each target.
#elif defined(HWY_TARGET_INCLUDE)
// clang-format off
#error "hwy/foreach_target.h already ran in this translation unit: include pixfuse/cpu/fused-inl.h from your HWY_TARGET_INCLUDE file and define PIXFUSE_USER_FOREACH_TARGET (see pixfuse/cpu/dispatch.hpp)"
// clang-format on
#else
#define HWY_TARGET_INCLUDE "pixfuse/cpu/fused-inl.h"
#include <hwy/foreach_target.h>  // NOLINT(build/include)
#endif
#if defined(PIXFUSE_KERNELS_IN_THIS_FILE)
#include "pixfuse/cpu/fused-inl.h"
#endif

#define PIXFUSE_DISPATCH_CONCAT_(a, b) a##b
#define PIXFUSE_DISPATCH_CONCAT(a, b) PIXFUSE_DISPATCH_CONCAT_(a, b)
// The dispatch API's namespace: an extern file's own, so its run() (which calls into the
// shared table) and a self-contained file's run() are different functions.
#if defined(PIXFUSE_EXTERN_KERNELS)
#define PIXFUSE_DISPATCH_API_NAMESPACE PIXFUSE_DISPATCH_CONCAT(PIXFUSE_DISPATCH_NAMESPACE, _extern)
#else
#define PIXFUSE_DISPATCH_API_NAMESPACE PIXFUSE_DISPATCH_NAMESPACE
#endif
// The kernel table PIXFUSE_DEFINE_KERNELS exports, named after the baseline target.
#define PIXFUSE_SHARED_KERNELS PIXFUSE_DISPATCH_CONCAT(shared_kernels_, PIXFUSE_DISPATCH_NAMESPACE)

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "pixfuse/core/error.hpp"
#include "pixfuse/cpu/reference.hpp"
#include "pixfuse/plan/validate.hpp"

namespace pixfuse {
namespace detail {

// The target run() should use, shared by every translation unit: 0 = not set (use
// PIXFUSE_TARGET or the best), -1 = the scalar reference, else a Highway target bit.
inline std::atomic<std::int64_t> requested_target{0};

// pixfuse's name for a Highway target.
inline std::string target_name(std::int64_t target) {
  if (target == -1) return "scalar";
  if (target == HWY_SCALAR) return "hwy_scalar";
  std::string s = hwy::TargetName(target);
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (s.rfind("avx3", 0) == 0) s.replace(0, 4, "avx512");  // AVX3 is Highway's AVX-512
  return s;
}

using RunFn = void (*)(const Plan&, const AnyImageView&, const AnyTensorView&);

struct CompiledTarget {
  std::int64_t bit;  // -1: the scalar reference
  RunFn run;
};

// The PIXFUSE_DEFINE_KERNELS file's compiled_targets().
const std::vector<CompiledTarget>& PIXFUSE_SHARED_KERNELS();

}  // namespace detail

inline namespace PIXFUSE_DISPATCH_API_NAMESPACE {
namespace dispatching {

using pixfuse::detail::CompiledTarget;
using pixfuse::detail::RunFn;

#if defined(PIXFUSE_EXTERN_KERNELS)
inline const std::vector<CompiledTarget>& compiled_targets() {
  return pixfuse::detail::PIXFUSE_SHARED_KERNELS();
}
#else
// The targets compiled into this translation unit, best first, then the reference.
inline const std::vector<CompiledTarget>& compiled_targets() {
  static const std::vector<CompiledTarget> targets = [] {
    std::vector<CompiledTarget> t;
#if defined(HWY_COMPILE_ONLY_STATIC) && HWY_COMPILE_ONLY_STATIC
    t.push_back({HWY_STATIC_TARGET, &HWY_STATIC_DISPATCH(RunPlan)});
#else
    const RunFn list[] = {HWY_CHOOSE_TARGET_LIST(RunPlan)};
    for (std::size_t j = 0; j < sizeof(list) / sizeof(list[0]); ++j)
      if (list[j] != nullptr)
        t.push_back({std::int64_t{1} << (static_cast<int>(j) + HWY_HIGHEST_TARGET_BIT + 1 -
                                         HWY_MAX_DYNAMIC_TARGETS),
                     list[j]});
    std::sort(t.begin(), t.end(),
              [](const CompiledTarget& a, const CompiledTarget& b) { return a.bit < b.bit; });
#if HWY_TARGETS & HWY_EMU128
    t.push_back({HWY_EMU128, &N_EMU128::RunPlan});
#elif HWY_TARGETS & HWY_SCALAR
    t.push_back({HWY_SCALAR, &N_SCALAR::RunPlan});
#endif
#endif
    t.push_back({-1, &pixfuse::detail::reference_kernel});
    return t;
  }();
  return targets;
}
#endif

// Whether this CPU runs a target's code.
inline bool cpu_supports(std::int64_t bit) {
#if defined(HWY_COMPILE_ONLY_STATIC) && HWY_COMPILE_ONLY_STATIC
  (void)bit;
  return true;  // the baseline target: the program requires it anyway
#else
  // Read once: Highway 1.0.3 runs CPUID on every SupportedTargets() call, which under a
  // hypervisor traps and cost 7% of a 512x512 normalise.
  static const std::int64_t supported = hwy::SupportedTargets();
  return bit == -1 || (supported & bit) != 0 || bit == HWY_SCALAR || bit == HWY_EMU128;
#endif
}

inline const CompiledTarget* find_target(std::string_view name) {
  for (const CompiledTarget& t : compiled_targets())
    if (pixfuse::detail::target_name(t.bit) == name && cpu_supports(t.bit)) return &t;
  return nullptr;
}

inline std::string usable_list() {
  std::string s;
  for (const CompiledTarget& t : compiled_targets())
    if (cpu_supports(t.bit)) s += (s.empty() ? "" : ", ") + pixfuse::detail::target_name(t.bit);
  return s;
}

// The target asked for: set_target's, else PIXFUSE_TARGET's (read once); nullptr for auto.
inline const CompiledTarget* chosen() {
  const std::int64_t requested = pixfuse::detail::requested_target.load(std::memory_order_relaxed);
  if (requested != 0)
    for (const CompiledTarget& t : compiled_targets())
      if (t.bit == requested && cpu_supports(t.bit)) return &t;
  static const CompiledTarget* from_environment = []() -> const CompiledTarget* {
    const char* env = std::getenv("PIXFUSE_TARGET");
    if (env == nullptr || *env == '\0' || std::string_view(env) == "auto") return nullptr;
    const CompiledTarget* t = find_target(env);
    if (t == nullptr)
      throw Error("PIXFUSE_TARGET", "auto or one of: " + usable_list(), std::string(env));
    return t;
  }();
  return from_environment;
}

// The target in use: the one asked for, else the best this CPU runs.
inline const CompiledTarget& active() {
  if (const CompiledTarget* t = chosen()) return *t;
  for (const CompiledTarget& t : compiled_targets())
    if (cpu_supports(t.bit)) return t;
  return compiled_targets().back();
}

// The target `plan` runs on: active(), except that the automatic choice runs the float32
// conventions' resampling (Arithmetic::real, real_u16) on AVX2 where the CPU has AVX-512:
// those kernels measured slower on the AVX-512 targets, on 256-bit vectors too (4-10% per
// image from cache, 10-20% in a batch: docs/PERFORMANCE_LOG.md, "Which target the float32
// passes run on").
inline const CompiledTarget& for_plan(const Plan& plan) {
  if (const CompiledTarget* asked = chosen()) return *asked;
  const CompiledTarget& best = active();
#if HWY_ARCH_X86 && !(defined(HWY_COMPILE_ONLY_STATIC) && HWY_COMPILE_ONLY_STATIC)
  const bool float_resampling =
      (plan.arithmetic == Arithmetic::real || plan.arithmetic == Arithmetic::real_u16) &&
      !(plan.x.identity && plan.y.identity);
  if (float_resampling && (best.bit == HWY_AVX3 || best.bit == HWY_AVX3_DL))
    for (const CompiledTarget& t : compiled_targets())
      if (t.bit == HWY_AVX2 && cpu_supports(t.bit)) return t;
#else
  (void)plan;
#endif
  return best;
}

}  // namespace dispatching

// The targets this CPU can run and this build compiled, best first; "scalar" (the
// reference kernels) is always last.
inline std::vector<std::string> available_targets() {
  std::vector<std::string> names;
  for (const dispatching::CompiledTarget& t : dispatching::compiled_targets())
    if (dispatching::cpu_supports(t.bit)) names.push_back(pixfuse::detail::target_name(t.bit));
  return names;
}

// Use `name` ("auto", or one of available_targets()) for every later run() in this
// process. Throws pixfuse::Error naming the choices otherwise.
inline void set_target(std::string_view name) {
  if (name == "auto") {
    pixfuse::detail::requested_target.store(0);
    return;
  }
  const dispatching::CompiledTarget* t = dispatching::find_target(name);
  if (t == nullptr)
    throw Error("target", "auto or one of: " + dispatching::usable_list(), std::string(name));
  pixfuse::detail::requested_target.store(t->bit);
}

// The target run() uses now.
inline std::string active_target() {
  return pixfuse::detail::target_name(dispatching::active().bit);
}

// The target run(plan, ...) uses now: active_target(), or AVX2 for the float32
// conventions' resampling on AVX-512 CPUs when the target is chosen automatically.
inline std::string target_for(const Plan& plan) {
  return pixfuse::detail::target_name(dispatching::for_plan(plan).bit);
}

// Execute `plan` on `in` into `out` (one image) on target_for(plan).
inline void run(const Plan& plan, const AnyImageView& in, const AnyTensorView& out) {
  pixfuse::detail::check_run(plan, in, out);
  dispatching::for_plan(plan).run(plan, in, out);
}

namespace dispatching {

// run_static's kernel for the active target: RunPlanStatic<Out> of that target, from a
// table built like compiled_targets' (the reference has no shaped variant).
template <class Out>
RunFn static_kernel(std::int64_t bit) {
#if !defined(PIXFUSE_KERNELS_IN_THIS_FILE)
  (void)bit;  // compiled elsewhere, for no particular shape: run() instead
#elif defined(HWY_COMPILE_ONLY_STATIC) && HWY_COMPILE_ONLY_STATIC
  if (bit == HWY_STATIC_TARGET) return &HWY_STATIC_DISPATCH(RunPlanStatic<Out>);
#else
  static const RunFn list[] = {HWY_CHOOSE_TARGET_LIST(RunPlanStatic<Out>)};
  for (std::size_t j = 0; j < sizeof(list) / sizeof(list[0]); ++j)
    if (list[j] != nullptr &&
        bit == (std::int64_t{1} << (static_cast<int>(j) + HWY_HIGHEST_TARGET_BIT + 1 -
                                    HWY_MAX_DYNAMIC_TARGETS)))
      return list[j];
#if HWY_TARGETS & HWY_EMU128
  if (bit == HWY_EMU128) return &N_EMU128::RunPlanStatic<Out>;
#elif HWY_TARGETS & HWY_SCALAR
  if (bit == HWY_SCALAR) return &N_SCALAR::RunPlanStatic<Out>;
#endif
#endif
  return nullptr;
}

}  // namespace dispatching

// run() for a plan whose output is known at compile time to be Out (a StaticOutput; e.g. a
// recipe ending in center_crop<224, 224>(), whose static_output_t names it): the kernels
// instantiated for that shape, with constant trip counts. Same result as run(); a plan of
// another shape is an error.
template <class Out>
void run_static(const Plan& plan, const AnyImageView& in, const AnyTensorView& out) {
  constexpr int C = Out::channels, H = Out::height, W = Out::width;
  if (plan.out_channels != C || plan.out_height != H || plan.out_width != W)
    throw Error("run_static: plan output",
                "(" + std::to_string(C) + ", " + std::to_string(H) + ", " + std::to_string(W) + ")",
                "(" + std::to_string(plan.out_channels) + ", " + std::to_string(plan.out_height) +
                    ", " + std::to_string(plan.out_width) + ")");
  pixfuse::detail::check_run(plan, in, out);
  const dispatching::CompiledTarget& t = dispatching::for_plan(plan);
  // The shaped kernels' constant column range holds when every output column reads the
  // source; other plans (padded columns) take the shape-generic kernels.
  const bool every_column_reads = plan.x.valid_begin == 0 && plan.x.valid_end == plan.out_width;
  const dispatching::RunFn kernel =
      every_column_reads ? dispatching::static_kernel<Out>(t.bit) : nullptr;
  (kernel != nullptr ? kernel : t.run)(plan, in, out);
}
// The same with the extents spelled out: run_static<3, 224, 224>(...).
template <int C, int H, int W>
void run_static(const Plan& plan, const AnyImageView& in, const AnyTensorView& out) {
  run_static<StaticOutput<C, H, W>>(plan, in, out);
}

}  // namespace PIXFUSE_DISPATCH_API_NAMESPACE

#if defined(PIXFUSE_DEFINE_KERNELS)
namespace detail {
const std::vector<CompiledTarget>& PIXFUSE_SHARED_KERNELS() {
  return dispatching::compiled_targets();
}
}  // namespace detail
#endif

}  // namespace pixfuse
