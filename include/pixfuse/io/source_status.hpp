// SourceStatus: what happened to one source of a Loader's job. Plain data, one per
// source, in source order: a bad image is reported here with the step that failed and a
// message naming it; it never sinks the batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "pixfuse/plan/orientation.hpp"

namespace pixfuse::io {

// The step of the job an image was at: where a failed image failed.
enum class Stage : std::uint8_t {
  none,    // no failure: the image's row holds its output
  list,    // listing the inputs (a directory that cannot be read, a bad .npy header)
  read,    // reading the file
  header,  // parsing the header: not an image, unsupported, corrupt header
  limit,   // over max_pixels (a possible decompression bomb), checked before decoding
  decode,  // decoding the pixels
  plan,    // lowering the recipe for the image's shape (a channel count it cannot take, ...)
  shape,   // the output shape differs from the batch's
  run,     // the kernel (CPU or device)
};

constexpr const char* name(Stage s) {
  switch (s) {
    case Stage::none: return "none";
    case Stage::list: return "list";
    case Stage::read: return "read";
    case Stage::header: return "header";
    case Stage::limit: return "limit";
    case Stage::decode: return "decode";
    case Stage::plan: return "plan";
    case Stage::shape: return "shape";
    case Stage::run: return "run";
  }
  return "?";
}

// Which decoder produced the pixels.
enum class Decoder : std::uint8_t {
  none,           // not decoded here: the caller's pixels or a .npy array (or failed before)
  libjpeg_turbo,  // JPEG with libjpeg-turbo: Pillow's pixels
  stb_image,      // every other format, and JPEG in builds without libjpeg-turbo
};

constexpr const char* name(Decoder d) {
  switch (d) {
    case Decoder::none: return "none";
    case Decoder::libjpeg_turbo: return "libjpeg-turbo";
    case Decoder::stb_image: return "stb_image";
  }
  return "?";
}

struct SourceStatus {
  std::size_t index = 0;    // position in the Loader's sources
  std::string source;       // its path or name ("sources[INDEX]" for unnamed bytes and views)
  std::int64_t slice = -1;  // .npy slices: the index along the first axis
  Stage failed = Stage::none;
  std::string message;        // why it failed, naming the source; empty when ok
  int width = 0, height = 0;  // as stored (before EXIF rotation); known for a bomb too
  Orientation orientation = Orientation::normal;  // the EXIF orientation applied
  int reduction = 1;  // JPEG DCT scaling the pixels were decoded at (1, 2, 4, 8)
  Decoder decoder = Decoder::none;
  std::int64_t row = -1;  // the image's row in its batch's tensor; -1 when it has none

  bool ok() const noexcept { return failed == Stage::none; }
};

}  // namespace pixfuse::io
