// decode_for_plan: decode an encoded image the way the plan that reads it needs.
//
//   io::DecodePolicy policy;                                    // exact: Pillow's pixels
//   io::Stage stage;
//   io::PlannedImage p = io::decode_for_plan(bytes, size, "cat.jpg",
//       [&](const InputShape& s) { return jit.plan(s); }, policy, stage);
//   pixfuse::run(*p.plan, p.view, out);
//
// The steps, in order (`stage` says which one is under way, so that an exception is
// attributed to it): the header (size, channels, EXIF orientation); the max_pixels limit,
// before any pixel memory; the choice of how to decode (choose_decode: with
// DecodeMode::fast a JPEG is decoded at 1/2, 1/4 or 1/8 by DCT scaling when the plan for
// the full-size image still shrinks by at least twice that; exact mode decodes every
// pixel, as Pillow does); the decode; the plan for the decoded pixels.
//
// This is the one place that decides how an image is decoded for a recipe: the Loader
// calls choose_decode to learn the batch's output shape from a header, and
// decode_for_plan for every image. Decoders that read only what the plan needs (a region,
// a Pillow-style draft) plug in here: choose_decode says what will be decoded and at
// which size, decode_for_plan does it and returns the plan to run on the result.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "pixfuse/io/decode.hpp"
#include "pixfuse/io/reduction.hpp"
#include "pixfuse/io/source_status.hpp"
#include "pixfuse/plan/lower.hpp"
#include "pixfuse/plan/plan.hpp"

namespace pixfuse::io {

enum class DecodeMode : std::uint8_t {
  exact,  // every pixel, as Pillow decodes it (libjpeg-turbo builds: bit-identical)
  fast,   // JPEG: DCT scaling by 1/r when the recipe still shrinks >= 2r after it (io/reduction.hpp)
};

constexpr const char* name(DecodeMode m) {
  switch (m) {
    case DecodeMode::exact: return "exact";
    case DecodeMode::fast: return "fast";
  }
  return "?";
}

struct DecodePolicy {
  DecodeMode mode = DecodeMode::exact;
  bool apply_exif = true;  // fold the EXIF orientation into the plan (as ImageOps.exif_transpose)
  // Largest width * height accepted, from the header; Pillow's DecompressionBombError size.
  std::int64_t max_pixels = 178956970;
  bool keep_16_bit = false;  // false: 16-bit PNGs as 8 bits (the high byte), as Pillow reads them
};

// How an image will be decoded: enough to know the plan (and so the output shape)
// before decoding.
struct DecodeChoice {
  int reduce = 1;            // DCT scaling 1/reduce
  InputShape shape;          // the decoded pixels' shape, with the orientation to apply
  Decoder decoder = Decoder::none;
};

// What decode_for_plan gives: pixels, the view of them to run on, and the plan for it.
struct PlannedImage {
  ImageInfo info;               // the header: size as stored, format, orientation
  DecodeChoice choice;
  DecodedImage image;           // owns the pixels
  AnyImageView view;            // what `plan` reads (image.view() today)
  std::shared_ptr<const Plan> plan;
};

namespace detail {
inline DecodeOptions decode_options(const DecodePolicy& p, int reduce) {
  DecodeOptions d;
  d.max_pixels = p.max_pixels;
  d.keep_16_bit = p.keep_16_bit;
  d.reduce = reduce;
  return d;
}
}  // namespace detail

// How `info` will be decoded for the recipe behind `plan_for` (a callable InputShape ->
// std::shared_ptr<const Plan>, e.g. a Jit's plan()).
template <class Planner>
DecodeChoice choose_decode(const ImageInfo& info, const Planner& plan_for, const DecodePolicy& policy) {
  DecodeChoice c;
  const Orientation o = policy.apply_exif ? info.orientation : Orientation::normal;
  const DecodeOptions d = detail::decode_options(policy, 1);
  c.decoder = detail::via_turbo(info.format, d) ? Decoder::libjpeg_turbo : Decoder::stb_image;
  if (policy.mode == DecodeMode::fast && info.can_reduce) {
    // Lower on the full-size shape to see how much the recipe shrinks each axis.
    const auto full = plan_for(InputShape{info.width, info.height, info.channels, DType::u8, o});
    c.reduce = dct_reduction(*full);
  }
  c.shape = InputShape{info.decoded_width(c.reduce), info.decoded_height(c.reduce), info.channels,
                       info.sixteen_bit ? DType::u16 : DType::u8, o};
  return c;
}

// Header, limit, choice, decode, plan (see the top). `name` prefixes every error.
template <class Planner>
PlannedImage decode_for_plan(const unsigned char* bytes, std::size_t size, const std::string& name,
                             const Planner& plan_for, const DecodePolicy& policy, Stage& stage) {
  PlannedImage p;
  stage = Stage::header;
  DecodeOptions d = detail::decode_options(policy, 1);
  p.info = probe(bytes, size, name, d);
  stage = Stage::limit;
  check_limits(p.info, name, d);
  stage = Stage::plan;
  p.choice = choose_decode(p.info, plan_for, policy);
  stage = Stage::decode;
  d.reduce = p.choice.reduce;
  p.image = decode(bytes, size, name, d);
  p.view = p.image.view();
  stage = Stage::plan;
  p.plan = plan_for(InputShape::of(p.view, p.choice.shape.orientation));
  return p;
}

}  // namespace pixfuse::io
