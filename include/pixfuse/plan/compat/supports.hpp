// Which resize filters each convention (Compat) has, and with which antialias setting:
// the one table the lowering's check and its error message, the command-line tool's help
// and the tests' case lists read. A filter added to a convention is added here.
#pragma once

#include <cstddef>
#include <string>

#include "pixfuse/recipe/resampling.hpp"

namespace pixfuse {

// A convention's filters, in the order its messages list them.
class FilterList {
 public:
  constexpr FilterList(const Filter* first, std::size_t count) : first_(first), count_(count) {}
  constexpr const Filter* begin() const { return first_; }
  constexpr const Filter* end() const { return first_ + count_; }
  constexpr std::size_t size() const { return count_; }
  constexpr Filter operator[](std::size_t i) const { return first_[i]; }

 private:
  const Filter* first_;
  std::size_t count_;
};

namespace detail {
inline constexpr Filter pil_filters[] = {Filter::nearest, Filter::area,    Filter::bilinear,
                                         Filter::hamming, Filter::bicubic, Filter::lanczos3};
inline constexpr Filter torchvision_filters[] = {Filter::nearest, Filter::nearest_exact,
                                                 Filter::bilinear, Filter::bicubic,
                                                 Filter::lanczos3};
inline constexpr Filter opencv_filters[] = {Filter::nearest,  Filter::nearest_exact,
                                            Filter::bilinear, Filter::linear_exact,
                                            Filter::bicubic,  Filter::lanczos4,
                                            Filter::area};
inline constexpr Filter jax_filters[] = {Filter::nearest, Filter::bilinear, Filter::bicubic,
                                         Filter::lanczos3, Filter::lanczos5};
// Indexed by Compat (pil, torchvision, opencv, jax).
inline constexpr FilterList filters_by_compat[] = {
    {pil_filters, sizeof(pil_filters) / sizeof(Filter)},
    {torchvision_filters, sizeof(torchvision_filters) / sizeof(Filter)},
    {opencv_filters, sizeof(opencv_filters) / sizeof(Filter)},
    {jax_filters, sizeof(jax_filters) / sizeof(Filter)}};
static_assert(sizeof(filters_by_compat) / sizeof(FilterList) ==
                  sizeof(all_compats) / sizeof(Compat),
              "one filter list per convention");
}  // namespace detail

constexpr FilterList filters_of(Compat c) {
  const auto i = static_cast<std::size_t>(c);
  return i < sizeof(detail::filters_by_compat) / sizeof(FilterList) ? detail::filters_by_compat[i]
                                                                    : FilterList(nullptr, 0);
}

// Whether convention c resizes with filter f.
constexpr bool supports(Compat c, Filter f) {
  for (Filter g : filters_of(c))
    if (g == f) return true;
  return false;
}

// And with antialiasing on or off: Pillow always antialiases, torch has lanczos3 only
// antialiased. cv::resize never antialiases and ignores the setting (antialias_applies).
constexpr bool supports(Compat c, Filter f, bool antialias) {
  if (!supports(c, f)) return false;
  if (c == Compat::pil) return antialias;
  if (c == Compat::torchvision && f == Filter::lanczos3) return antialias;
  return true;
}

// Whether the antialias setting changes what convention c computes.
constexpr bool antialias_applies(Compat c) { return c != Compat::opencv; }

// The filters of c as a message lists them: "nearest, nearest_exact, ... or lanczos3"
// (Pillow's area is its BOX filter, and says so).
inline std::string filter_choices(Compat c) {
  const FilterList list = filters_of(c);
  std::string s;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (i > 0) s += i + 1 == list.size() ? " or " : ", ";
    s += name(list[i]);
    if (c == Compat::pil && list[i] == Filter::area) s += " (Pillow's BOX)";
  }
  return s;
}

}  // namespace pixfuse
