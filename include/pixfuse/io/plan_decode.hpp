// Decoding an encoded image for a recipe: the plan decides how the image is decoded.
//
//   const auto jit = pixfuse::jit(pixfuse::presets::imagenet());
//   pixfuse::io::PlannedImage p = pixfuse::io::decode_for(jit, bytes.data(), bytes.size(), path);
//   pixfuse::run(*p.plan, p.image.view(), out);   // = the recipe on the whole decoded image
//
// Three things come from the plan of the image's shape (looked up in the Jit's cache):
//   * the EXIF orientation, folded into the plan (PlanDecodeOptions::exif);
//   * the DCT reduction, when asked for (FastDecode: pixfuse's conservative rule or
//     Pillow's draft rule, io/reduction.hpp);
//   * the region: a JPEG decoded by libjpeg-turbo is decoded only around the pixels the
//     plan reads (plan/region.hpp, io/jpeg_turbo.hpp), and the plan is rebased onto them.
//     The output is bit-identical to the whole decode's, so this is on by default.
//
// This is the one place that decides how an image is decoded for a recipe: pixfuse-prep
// and the io::Loader call decode_for for every image, and the Loader calls choose_decode
// to learn the output shape from a header alone (the region changes what is decoded, not
// the plan's output).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "pixfuse/io/decode.hpp"
#include "pixfuse/io/reduction.hpp"
#include "pixfuse/io/source_status.hpp"
#include "pixfuse/plan/lower.hpp"
#include "pixfuse/plan/region.hpp"

namespace pixfuse::io {

enum class FastDecode {
  off,           // full size: the pixels of Image.open(f).convert("RGB")
  conservative,  // 1/r only while the recipe still shrinks by 2r (dct_reduction)
  pil,           // the scale Pillow's draft() picks (pil_draft_reduction)
};

// As pixfuse-prep's summary line and a binding's option name them.
constexpr const char* name(FastDecode f) {
  switch (f) {
    case FastDecode::off: return "exact";
    case FastDecode::conservative: return "fast";
    case FastDecode::pil: return "pil";
  }
  return "?";
}

struct PlanDecodeOptions {
  DecodeOptions
      decode;  // limits, 16-bit PNG handling, decoder choice (reduce and region are set here)
  FastDecode fast = FastDecode::off;
  bool region = true;  // decode only the part of a JPEG the plan reads (exact: same output)
  bool exif = true;    // apply the EXIF orientation (as ImageOps.exif_transpose)
};

// How an image will be decoded, from its header alone: enough to know its plan (and so
// the output shape) before decoding.
struct DecodeChoice {
  int reduce = 1;  // DCT scaling 1/reduce
  InputShape
      shape;  // the decoded image's shape (whole, at 1/reduce), with the orientation to apply
  Decoder decoder = Decoder::none;
};

struct PlannedImage {
  ImageInfo info;  // the file's header: stored size, format, EXIF orientation
  Orientation orientation = Orientation::normal;  // as applied (normal when exif is off)
  Decoder decoder = Decoder::none;                // which library decoded the pixels
  DecodedImage image;                // the pixels: the whole image, or the region the plan reads
  std::shared_ptr<const Plan> plan;  // the plan to run on image.view()
};

// How `info` (a header from io::probe) will be decoded for the recipe behind `plans`: a
// pixfuse::Jit (its cache answers every shape seen before), or anything with
// `std::shared_ptr<const Plan> plan(const InputShape&) const`.
template <class Plans>
DecodeChoice choose_decode(const Plans& plans, const ImageInfo& info,
                           const PlanDecodeOptions& options = {}) {
  DecodeChoice c;
  const Orientation orientation = options.exif ? info.orientation : Orientation::normal;
  const DType dtype = info.sixteen_bit ? DType::u16 : DType::u8;
  const bool turbo = info.format == name(ImageFormat::jpeg) &&
                     detail::via_turbo(ImageFormat::jpeg, options.decode);
  c.decoder = turbo ? Decoder::libjpeg_turbo : Decoder::stb_image;
  if (info.can_reduce && options.fast == FastDecode::conservative)
    c.reduce = dct_reduction(
        *plans.plan(InputShape{info.width, info.height, info.channels, dtype, orientation}));
  else if (info.can_reduce && options.fast == FastDecode::pil)
    c.reduce =
        pil_draft_reduction(*plans.plan(InputShape{info.width, info.height, info.channels, dtype}));
  c.shape = InputShape{info.decoded_width(c.reduce), info.decoded_height(c.reduce), info.channels,
                       dtype, orientation};
  return c;
}

// Decode `bytes` (an encoded image; `name` prefixes errors), whose header `info`
// (io::probe) has passed check_limits, for the recipe behind `plans`. `stage`, when
// given, says which step is under way (plan or decode), so that a caller can attribute
// an exception to it.
template <class Plans>
PlannedImage decode_for(const Plans& plans, const ImageInfo& info, const unsigned char* bytes,
                        std::size_t size, const std::string& name,
                        const PlanDecodeOptions& options = {}, Stage* stage = nullptr) {
  auto at = [stage](Stage s) {
    if (stage != nullptr) *stage = s;
  };
  PlannedImage out;
  out.info = info;
  at(Stage::plan);
  const DecodeChoice choice = choose_decode(plans, info, options);
  out.orientation = choice.shape.orientation;
  out.decoder = choice.decoder;
  out.plan = plans.plan(choice.shape);

  DecodeOptions d = options.decode;
  d.reduce = choice.reduce;
  d.region = Rect{};
  if (options.region && info.can_reduce && !reads_whole_input(*out.plan))
    d.region = source_region(*out.plan);
  at(Stage::decode);
  out.image = decode(bytes, size, name, d);
  at(Stage::plan);
  if (out.image.is_region())
    out.plan = std::make_shared<const Plan>(for_region(*out.plan, out.image.region()));
  return out;
}

// The same from the bytes alone: reads the header and applies max_pixels first. Throws
// pixfuse::Error naming `name` for an unreadable image or one over max_pixels (checked on
// the header, before any pixel memory).
template <class Plans>
PlannedImage decode_for(const Plans& plans, const unsigned char* bytes, std::size_t size,
                        const std::string& name, const PlanDecodeOptions& options = {},
                        Stage* stage = nullptr) {
  if (stage != nullptr) *stage = Stage::header;
  const ImageInfo info = probe(bytes, size, name, options.decode);
  if (stage != nullptr) *stage = Stage::limit;
  check_limits(info, name, options.decode);
  return decode_for(plans, info, bytes, size, name, options, stage);
}

// Plans lowered on every call, for decode_for without a Jit (tests, one-off images).
template <class R>
struct Uncached {
  const R& recipe;
  std::shared_ptr<const Plan> plan(const InputShape& shape) const {
    return std::make_shared<const Plan>(make_plan(recipe, shape));
  }
};
template <class R>
Uncached<R> uncached(const R& recipe) {
  return Uncached<R>{recipe};
}

}  // namespace pixfuse::io
