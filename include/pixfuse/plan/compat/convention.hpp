// Which convention computes a resize's taps, and with which arithmetic.
#pragma once

#include <string>

#include "pixfuse/core/dtype.hpp"
#include "pixfuse/core/error.hpp"
#include "pixfuse/plan/arithmetic.hpp"
#include "pixfuse/plan/axis.hpp"
#include "pixfuse/plan/compat/jax.hpp"
#include "pixfuse/plan/compat/opencv.hpp"
#include "pixfuse/plan/compat/pil.hpp"
#include "pixfuse/plan/compat/supports.hpp"
#include "pixfuse/plan/compat/torchvision.hpp"
#include "pixfuse/recipe/resampling.hpp"

namespace pixfuse::compat {

struct AxisPair {
  Arithmetic arithmetic;
  ResizeTaps x, y;
  bool vertical_first = false;  // Plan::vertical_first
};

// Taps for resizing a window of sw x sh upright source pixels to dw x dh: rows rx of the
// x matrix and ry of the y matrix (the resized indices the output shows).
inline AxisPair resize_taps(const Resampling& how, DType in, int sw, int dw, int sh, int dh,
                            Rows rx, Rows ry) {
  const bool u8 = in == DType::u8;
  if (how.compat == Compat::pil && !how.antialias)
    throw Error("compat pil: Pillow always antialiases; use compat torchvision or jax to resize "
                "with antialias off");
  if (!supports(how.compat, how.filter))
    throw Error("resize filter",
                filter_choices(how.compat) + " for compat " + std::string(name(how.compat)),
                std::string(name(how.filter)));
  switch (how.compat) {
    case Compat::pil: {
      // 8-bit images use Pillow's fixed point; u16 is resized as Pillow's mode I (int32),
      // f32 as mode F (both sum in double).
      const Arithmetic a =
          u8 ? Arithmetic::fixed_u8
             : (in == DType::u16 ? Arithmetic::round_half_away : Arithmetic::real_f64);
      return {a, pil::axis_taps(sw, dw, how.filter, rx), pil::axis_taps(sh, dh, how.filter, ry)};
    }
    case Compat::opencv: {
      opencv::Taps t = opencv::resize_taps(how.filter, sw, dw, sh, dh, in, rx, ry);
      return {t.arithmetic, std::move(t.x), std::move(t.y)};
    }
    case Compat::torchvision: {
      torchvision::Taps t =
          torchvision::resize_taps(how.filter, how.antialias, sw, dw, sh, dh, u8, rx, ry);
      return {t.arithmetic, std::move(t.x), std::move(t.y)};
    }
    case Compat::jax: {
      AxisPair t{Arithmetic::real, jax::axis_taps(sw, dw, how.filter, how.antialias, rx),
                 jax::axis_taps(sh, dh, how.filter, how.antialias, ry)};
      t.vertical_first = jax::vertical_first(how.filter, t.x, t.y);
      return t;
    }
  }
  detail::unreachable("resize compat");
}

}  // namespace pixfuse::compat
