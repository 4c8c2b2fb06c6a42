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
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "pixfuse/io/decode.hpp"
#include "pixfuse/io/reduction.hpp"
#include "pixfuse/plan/lower.hpp"
#include "pixfuse/plan/region.hpp"

namespace pixfuse::io {

enum class FastDecode {
  off,           // full size: the pixels of Image.open(f).convert("RGB")
  conservative,  // 1/r only while the recipe still shrinks by 2r (dct_reduction)
  pil,           // the scale Pillow's draft() picks (pil_draft_reduction)
};

struct PlanDecodeOptions {
  DecodeOptions decode;  // limits, 16-bit PNG handling, decoder choice (reduce and region are set here)
  FastDecode fast = FastDecode::off;
  bool region = true;  // decode only the part of a JPEG the plan reads (exact: same output)
  bool exif = true;    // apply the EXIF orientation (as ImageOps.exif_transpose)
};

struct PlannedImage {
  ImageInfo info;                    // the file's header: stored size, format, EXIF orientation
  Orientation orientation = Orientation::normal;  // as applied (normal when exif is off)
  DecodedImage image;                // the pixels: the whole image, or the region the plan reads
  std::shared_ptr<const Plan> plan;  // the plan to run on image.view()
};

// Decode `bytes` (an encoded image; `name` prefixes errors), whose header `info`
// (io::probe) has passed check_limits, for the recipe behind `plans`: a pixfuse::Jit (its
// cache answers every shape seen before), or anything with
// `std::shared_ptr<const Plan> plan(const InputShape&) const`.
template <class Plans>
PlannedImage decode_for(const Plans& plans, const ImageInfo& info, const unsigned char* bytes, std::size_t size,
                        const std::string& name, const PlanDecodeOptions& options = {}) {
  PlannedImage out;
  out.info = info;
  out.orientation = options.exif ? info.orientation : Orientation::normal;
  const DType dtype = info.sixteen_bit ? DType::u16 : DType::u8;

  DecodeOptions d = options.decode;
  d.reduce = 1;
  d.region = Rect{};
  if (info.can_reduce && options.fast == FastDecode::conservative)
    d.reduce = dct_reduction(*plans.plan(InputShape{info.width, info.height, info.channels, dtype, out.orientation}));
  else if (info.can_reduce && options.fast == FastDecode::pil)
    d.reduce = pil_draft_reduction(*plans.plan(InputShape{info.width, info.height, info.channels, dtype}));

  out.plan = plans.plan(InputShape{info.decoded_width(d.reduce), info.decoded_height(d.reduce), info.channels, dtype,
                                   out.orientation});
  if (options.region && info.can_reduce && !reads_whole_input(*out.plan)) d.region = source_region(*out.plan);
  out.image = decode(bytes, size, name, d);
  if (out.image.is_region()) out.plan = std::make_shared<const Plan>(for_region(*out.plan, out.image.region()));
  return out;
}

// The same from the bytes alone: reads the header and applies max_pixels first. Throws
// pixfuse::Error naming `name` for an unreadable image or one over max_pixels (checked on
// the header, before any pixel memory).
template <class Plans>
PlannedImage decode_for(const Plans& plans, const unsigned char* bytes, std::size_t size, const std::string& name,
                        const PlanDecodeOptions& options = {}) {
  const ImageInfo info = probe(bytes, size, name, options.decode);
  check_limits(info, name, options.decode);
  return decode_for(plans, info, bytes, size, name, options);
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
