// Lowering: recipe + input shape -> Plan. One lowering serves every backend.
//
// Stages are applied in order to two CoordinateMaps (x and y), a channel list and the
// value maps; then the one resize is turned into taps by the chosen convention
// (compat/*.hpp) and folded with the crops, pads and flips.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pixfuse/core/convert.hpp"
#include "pixfuse/core/dtype.hpp"
#include "pixfuse/core/error.hpp"
#include "pixfuse/core/image_view.hpp"
#include "pixfuse/plan/compat/convention.hpp"
#include "pixfuse/plan/coordinate_map.hpp"
#include "pixfuse/plan/geometry.hpp"
#include "pixfuse/plan/plan.hpp"
#include "pixfuse/recipe/recipe.hpp"

namespace pixfuse {

// The shape of an input image as lowering needs it.
struct InputShape {
  int width = 0, height = 0, channels = 0;
  DType dtype = DType::u8;
  Orientation orientation = Orientation::normal;

  static InputShape of(const AnyImageView& v, Orientation o = Orientation::normal) {
    return {v.width, v.height, v.channels, v.dtype, o};
  }
};

namespace detail {

class Lowering {
 public:
  explicit Lowering(const InputShape& in) : in_(in) {
    if (in.width <= 0 || in.height <= 0)
      fail_mismatch("input", "a non-empty image", to_text(in.width, "x", in.height));
    if (in.channels != 1 && in.channels != 3 && in.channels != 4)
      fail_mismatch("input channels", "1, 3 or 4", in.channels);
    if (!is_image_dtype(in.dtype)) fail_mismatch("input dtype", "u8, u16 or f32", name(in.dtype));
    const OrientationMap om = orientation_map(in.orientation);
    upright_w_ = om.transposed ? in.height : in.width;
    upright_h_ = om.transposed ? in.width : in.height;
    x_ = CoordinateMap(upright_w_, "width");
    y_ = CoordinateMap(upright_h_, "height");
    for (int c = 0; c < in.channels; ++c) channels_.push_back({c, {}});
  }

  // --- stages ---------------------------------------------------------------------------
  template <std::size_t W, std::size_t H>
  void operator()(const Resize<W, H>& s) {
    set_resize(s.how, "resize");
    x_.resize(s.width(), "resize");
    y_.resize(s.height(), "resize");
  }
  void operator()(const ResizeShorter& s) {
    set_resize(s.how, "resize_shorter");
    const geometry::Size n = geometry::resize_shorter(x_.length(), y_.length(), s.size, s.max_size);
    const std::string from = resized_from(n, "its shorter side to " + std::to_string(s.size));
    x_.resize(n.width, "resize_shorter", from);
    y_.resize(n.height, "resize_shorter", from);
  }
  void operator()(const ResizeLonger& s) {
    set_resize(s.how, "resize_longer");
    const geometry::Size n = geometry::resize_longer(x_.length(), y_.length(), s.size);
    const std::string from = resized_from(n, "its longer side to " + std::to_string(s.size));
    x_.resize(n.width, "resize_longer", from);
    y_.resize(n.height, "resize_longer", from);
  }
  void operator()(const Crop& s) {
    x_.crop(s.rect.x, s.rect.width, "crop");
    y_.crop(s.rect.y, s.rect.height, "crop");
    if (x_.has_padding() || y_.has_padding()) set_pad_value(0.0f, "crop");
  }
  template <std::size_t W, std::size_t H>
  void operator()(const CenterCrop<W, H>& s) {
    if (s.width() <= 0 || s.height() <= 0)
      fail_mismatch("center_crop size", "width and height > 0",
                    to_text(s.width(), "x", s.height()));
    const int ox = geometry::center_crop_offset(x_.length(), s.width());
    const int oy = geometry::center_crop_offset(y_.length(), s.height());
    x_.crop(ox, s.width(), "center_crop");
    y_.crop(oy, s.height(), "center_crop");
    if (x_.has_padding() || y_.has_padding()) set_pad_value(0.0f, "center_crop");
  }
  void operator()(const Pad& s) {
    x_.pad(s.left, s.right, "pad");
    y_.pad(s.top, s.bottom, "pad");
    if (s.left || s.right || s.top || s.bottom) set_pad_value(s.value, "pad");
  }
  template <std::size_t W, std::size_t H>
  void operator()(const Letterbox<W, H>& s) {
    set_resize(s.how, "letterbox");
    const int w = x_.length(), h = y_.length();
    const geometry::Letterbox l = geometry::letterbox(w, h, s.width(), s.height(), s.scaleup);
    const std::string from = to_text("(", w, "x", h, " to fit ", s.width(), "x", s.height(), ")");
    x_.resize(l.resized_width, "letterbox", from);
    y_.resize(l.resized_height, "letterbox", from);
    x_.pad(l.left, s.width() - l.resized_width - l.left, "letterbox");
    y_.pad(l.top, s.height() - l.resized_height - l.top, "letterbox");
    if (x_.has_padding() || y_.has_padding()) set_pad_value(s.value, "letterbox");
  }
  void operator()(const Flip& s) {
    if (s.horizontal) x_.flip();
    if (s.vertical) y_.flip();
  }
  void operator()(const Channels& s) {
    const std::size_t n = channels_.size();
    switch (s.op) {
      case ChannelOp::to_rgb:
      case ChannelOp::to_bgr:
        if (n == 1) channels_ = {channels_[0], channels_[0], channels_[0]};
        if (n == 4) channels_.pop_back();
        if (s.op == ChannelOp::to_bgr) std::swap(channels_[0], channels_[2]);
        break;
      case ChannelOp::drop_alpha:
        if (n == 4) channels_.pop_back();
        break;
      case ChannelOp::gray_to_rgb:
        if (n == 1) channels_ = {channels_[0], channels_[0], channels_[0]};
        break;
      case ChannelOp::swap_rb:
        if (n >= 3) std::swap(channels_[0], channels_[2]);
        break;
    }
  }
  void operator()(const Normalize& s) {
    const int n = static_cast<int>(channels_.size());
    if (s.count != 1 && s.count != n)
      fail_mismatch("normalize", to_text(n, " mean/std values (one per channel) or 1"),
                    to_text(s.count, " for an image with ", n, " channel(s) at that stage"));
    for (int c = 0; c < n; ++c) {
      const auto i = static_cast<std::size_t>(s.count == 1 ? 0 : c);
      channels_[static_cast<std::size_t>(c)].value.steps.push_back(
          {s.scale.value, s.scale.divide, s.mean[i], s.std[i]});
    }
  }
  template <Layout L>
  void operator()(const ToLayout<L>&) {
    layout_ = L;
  }
  void operator()(const AnyLayout& s) { layout_ = s.layout; }
  template <class T>
  void operator()(const CastTo<T>&) {
    dtype_ = dtype_of_v<T>;
  }
  void operator()(const AnyCast& s) { dtype_ = s.dtype; }

  // --- the plan -------------------------------------------------------------------------
  Plan finish() {
    Plan p;
    p.in_width = in_.width;
    p.in_height = in_.height;
    p.in_channels = in_.channels;
    p.in_dtype = in_.dtype;
    p.orientation = in_.orientation;
    p.out_width = x_.length();
    p.out_height = y_.length();
    const std::int64_t out_pixels = std::int64_t{p.out_width} * p.out_height;
    const std::int64_t in_pixels = std::int64_t{in_.width} * in_.height;
    if (out_pixels > limits::max_output && out_pixels > in_pixels)
      fail_mismatch("output",
                    to_text("at most ", limits::max_output, " pixels (or as many as the input's ",
                            in_pixels, ")"),
                    to_text(p.out_width, "x", p.out_height, " = ", out_pixels, " pixels"));
    p.out_channels = static_cast<int>(channels_.size());
    p.out_dtype = dtype_;
    p.layout = layout_;
    p.resampling = resampling_;

    // Only the rows of each resampling matrix that the output shows are computed.
    compat::AxisPair taps =
        compat::resize_taps(resampling_, in_.dtype, x_.window_length(), x_.resized_length(),
                            y_.window_length(), y_.resized_length(), x_.resized_rows(),
                            y_.resized_rows());
    p.arithmetic = taps.arithmetic;
    p.vertical_first = taps.vertical_first;
    if (taps.x.identity) taps.x = unit_taps(taps.x);
    if (taps.y.identity) taps.y = unit_taps(taps.y);
    p.x = x_.lower(taps.x);
    p.y = y_.lower(taps.y);
    fold_orientation(p);

    bool alpha_kept = false;
    for (std::size_t c = 0; c < channels_.size(); ++c) {
      p.channel_source[c] = static_cast<std::int8_t>(channels_[c].source);
      p.values[c] = channels_[c].value;
      alpha_kept |= channels_[c].source == 3;
    }
    p.premultiply_alpha = resampling_.compat == Compat::pil && in_.channels == 4 && alpha_kept &&
                          resampling_.filter != Filter::nearest && in_.dtype == DType::u8 &&
                          !(p.x.identity && p.y.identity);
    p.pad_value = pad_value_;
    if (produces_u8(p.arithmetic)) {
      p.lut.resize(256 * channels_.size());
      p.lut_bits.resize(256 * channels_.size());
      for (std::size_t c = 0; c < channels_.size(); ++c)
        for (int v = 0; v < 256; ++v) {
          const std::size_t i = c * 256 + static_cast<std::size_t>(v);
          p.lut[i] = p.values[c].apply(static_cast<float>(v));
          p.lut_bits[i] = output_bits(dtype_, p.lut[i]);
        }
      p.division_free = true;
      for (std::size_t c = 0; c < channels_.size(); ++c)
        p.division_free = p.division_free &&
                          DivisionFreeMap::of(p.values[c], p.division_free_maps[c]) &&
                          p.division_free_maps[c].exact_on_u8(&p.lut[c * 256]);
    }
    for (std::size_t c = 0; c < channels_.size(); ++c)
      p.pad_bits[c] = output_bits(dtype_, p.values[c].apply(pad_value_));
    p.x.build_indices();
    p.y.build_indices();
    p.transform = {x_.transform(), y_.transform()};
    return p;
  }

 private:
  struct Channel {
    int source;
    ValueMap value;
  };

  // "(16777216x6 to 715827882x256: its shorter side to 256)", for size errors.
  std::string resized_from(const geometry::Size& n, const std::string& rule) const {
    return to_text("(", x_.length(), "x", y_.length(), " to ", n.width, "x", n.height, ": ", rule,
                   ")");
  }

  void set_resize(const Resampling& how, const char* stage) {
    if (has_resize_)
      throw Error(std::string(stage) +
                  ": pixfuse resamples once per recipe; this recipe already resized");
    has_resize_ = true;
    resampling_ = how;
  }

  void set_pad_value(float v, const char* stage) {
    if (has_pad_value_ && v != pad_value_)
      fail_mismatch(std::string(stage) + " pad value",
                    to_text(pad_value_, " (the value an earlier stage pads with)"), v);
    has_pad_value_ = true;
    pad_value_ = v;
  }

  // The orientation's mirrors are folded into the tap indices; a transposition is left
  // to the kernels (they read x taps down the stored columns).
  void fold_orientation(Plan& p) const {
    const OrientationMap om = orientation_map(in_.orientation);
    p.transposed = om.transposed;
    // Upright x runs along stored x (or y when transposed), mirrored per the map.
    const bool mirror_upright_x = om.transposed ? om.mirror_y : om.mirror_x;
    const bool mirror_upright_y = om.transposed ? om.mirror_x : om.mirror_y;
    if (mirror_upright_x) mirror(p.x, upright_w_);
    if (mirror_upright_y) mirror(p.y, upright_h_);
  }
  static void mirror(AxisTaps& a, int size) {
    const auto K = static_cast<std::size_t>(a.max_taps);
    for (int o = a.valid_begin; o < a.valid_end; ++o) {
      const auto u = static_cast<std::size_t>(o);
      const int n = a.count[u];
      a.first[u] = size - a.first[u] - n;
      std::reverse(a.weights.begin() + static_cast<std::ptrdiff_t>(u * K),
                   a.weights.begin() + static_cast<std::ptrdiff_t>(u * K) + n);
      if (!a.fixed.empty())
        std::reverse(a.fixed.begin() + static_cast<std::ptrdiff_t>(u * K),
                     a.fixed.begin() + static_cast<std::ptrdiff_t>(u * K) + n);
    }
    const int b = a.clamp_begin;
    a.clamp_begin = size - a.clamp_end;
    a.clamp_end = size - b;
    a.reversed = !a.reversed;
    a.identity = false;
  }

  InputShape in_;
  int upright_w_ = 0, upright_h_ = 0;
  CoordinateMap x_, y_;
  std::vector<Channel> channels_;
  bool has_resize_ = false;
  Resampling resampling_;
  bool has_pad_value_ = false;
  float pad_value_ = 0.0f;
  Layout layout_ = Layout::nchw;
  DType dtype_ = DType::f32;
};

}  // namespace detail

// Lower `recipe` (a Recipe<...> or DynamicRecipe) for inputs of shape `in`.
template <class R>
Plan make_plan(const R& recipe, const InputShape& in) {
  detail::Lowering lowering(in);
  recipe.for_each(lowering);
  Plan p = lowering.finish();
  constexpr StaticShape s = R::static_shape;
  if ((s.width != dynamic_extent && s.width != static_cast<std::size_t>(p.out_width)) ||
      (s.height != dynamic_extent && s.height != static_cast<std::size_t>(p.out_height)) ||
      (s.channels != dynamic_extent && s.channels != static_cast<std::size_t>(p.out_channels)))
    detail::unreachable("make_plan: the recipe's static output shape vs the lowered plan");
  return p;
}

}  // namespace pixfuse
