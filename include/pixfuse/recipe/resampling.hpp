// How a resize stage resamples: the filter, whose convention (compat mode) to reproduce,
// and whether to antialias when shrinking.
//
//   compat       reproduces                                               arithmetic
//   pil          Pillow Image.resize (also torchvision on PIL images)     22-bit fixed point, u8
//   per pass torchvision  torchvision.transforms.v2.functional.resize on tensors   int16 weights,
//   u8 per pass opencv       cv::resize                                               11-bit fixed
//   point (u8) jax          jax.image.resize                                         float
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace pixfuse {

enum class Filter : std::uint8_t {
  nearest,
  bilinear,  // triangle; support 1 (scaled when antialiasing)
  bicubic,  // Keys cubic; a = -0.5 (pil, jax, torchvision antialiased), -0.75 (opencv, torchvision)
  lanczos3,
  lanczos4,       // opencv only (INTER_LANCZOS4)
  area,           // opencv INTER_AREA; Pillow's BOX in pil mode
  hamming,        // pil only
  lanczos5,       // jax only
  nearest_exact,  // pixel-centre nearest: torchvision NEAREST_EXACT, OpenCV INTER_NEAREST_EXACT
  linear_exact,   // opencv only (INTER_LINEAR_EXACT, 8-bit fixed point)
};

enum class Compat : std::uint8_t { pil, torchvision, opencv, jax };

inline constexpr Filter all_filters[] = {Filter::nearest,       Filter::bilinear,
                                         Filter::bicubic,       Filter::lanczos3,
                                         Filter::lanczos4,      Filter::area,
                                         Filter::hamming,       Filter::lanczos5,
                                         Filter::nearest_exact, Filter::linear_exact};
inline constexpr Compat all_compats[] = {Compat::pil, Compat::torchvision, Compat::opencv,
                                         Compat::jax};

constexpr std::string_view name(Filter f) {
  switch (f) {
    case Filter::nearest: return "nearest";
    case Filter::bilinear: return "bilinear";
    case Filter::bicubic: return "bicubic";
    case Filter::lanczos3: return "lanczos3";
    case Filter::lanczos4: return "lanczos4";
    case Filter::area: return "area";
    case Filter::hamming: return "hamming";
    case Filter::lanczos5: return "lanczos5";
    case Filter::nearest_exact: return "nearest_exact";
    case Filter::linear_exact: return "linear_exact";
  }
  return "?";
}

constexpr std::string_view name(Compat c) {
  switch (c) {
    case Compat::pil: return "pil";
    case Compat::torchvision: return "torchvision";
    case Compat::opencv: return "opencv";
    case Compat::jax: return "jax";
  }
  return "?";
}

constexpr std::optional<Filter> parse_filter(std::string_view s) {
  for (Filter f : all_filters)
    if (name(f) == s) return f;
  return std::nullopt;
}

constexpr std::optional<Compat> parse_compat(std::string_view s) {
  for (Compat c : all_compats)
    if (name(c) == s) return c;
  return std::nullopt;
}

struct Resampling {
  Filter filter = Filter::bilinear;
  Compat compat = Compat::pil;
  bool antialias = true;  // pil always antialiases; opencv never does
};

// Fluent setters shared by every stage that resizes (resize, resize_shorter, letterbox...).
template <class Stage>
struct ResamplingSetters {
  constexpr Stage filter(Filter f) const {
    return with([&](Resampling& r) { r.filter = f; });
  }
  constexpr Stage compat(Compat c) const {
    return with([&](Resampling& r) { r.compat = c; });
  }
  constexpr Stage antialias(bool on) const {
    return with([&](Resampling& r) { r.antialias = on; });
  }
  constexpr Stage resampling(Resampling r) const {
    return with([&](Resampling& s) { s = r; });
  }

 private:
  template <class F>
  constexpr Stage with(F&& set) const {
    Stage s = static_cast<const Stage&>(*this);
    set(s.how);
    return s;
  }
};

}  // namespace pixfuse
