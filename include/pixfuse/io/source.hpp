// Source: where one image of a Loader's job comes from.
//
//   io::Source::file("cat.jpg")                         // an encoded file (JPEG, PNG, ...)
//   io::Source::encoded(bytes.data(), bytes.size(), "request 7")   // encoded bytes you own
//   io::Source::decoded(view, "frame 12", Orientation::rotate_90_cw) // pixels you own
//   io::Source::npy("frames.npy", 3)                   // slice 3 of an (N, H, W, C) .npy
//
// Plain data: a path, or a pointer and a size, or a view. Bytes and views are borrowed:
// they must stay alive and unchanged until the Loader that reads them is destroyed (a
// binding keeps the objects that own them). list_inputs (io/inputs.hpp) turns command-line
// style inputs (directories, @lists, .npy files) into sources.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "pixfuse/core/image_view.hpp"
#include "pixfuse/plan/orientation.hpp"

namespace pixfuse::io {

enum class SourceKind : std::uint8_t {
  file,     // an encoded image file, read by path
  encoded,  // encoded bytes in memory
  decoded,  // decoded pixels in memory (AnyImageView)
  npy,      // a .npy array: the whole (H, W[, C]) array, or slice `slice` of (N, H, W, C)
};

constexpr const char* name(SourceKind k) {
  switch (k) {
    case SourceKind::file: return "file";
    case SourceKind::encoded: return "encoded";
    case SourceKind::decoded: return "decoded";
    case SourceKind::npy: return "npy";
  }
  return "?";
}

struct Source {
  SourceKind kind = SourceKind::file;
  // The path (file, npy) or the caller's label (encoded, decoded; may be empty: statuses
  // and errors then say "sources[INDEX]").
  std::string name;
  const unsigned char* bytes = nullptr;  // encoded: borrowed
  std::size_t size = 0;
  AnyImageView image;                             // decoded: borrowed
  Orientation orientation = Orientation::normal;  // decoded: the EXIF orientation to apply
  std::int64_t slice = -1;  // npy: index along the first axis; -1: the whole array
  // Set when the source is known bad before reading it (a directory that cannot be
  // listed, an unreadable .npy header): the Loader reports it with this message.
  std::string error;

  static Source file(std::string path) {
    Source s;
    s.kind = SourceKind::file;
    s.name = std::move(path);
    return s;
  }
  static Source encoded(const void* data, std::size_t size, std::string name = {}) {
    Source s;
    s.kind = SourceKind::encoded;
    s.bytes = static_cast<const unsigned char*>(data);
    s.size = size;
    s.name = std::move(name);
    return s;
  }
  static Source decoded(const AnyImageView& view, std::string name = {},
                        Orientation orientation = Orientation::normal) {
    Source s;
    s.kind = SourceKind::decoded;
    s.image = view;
    s.orientation = orientation;
    s.name = std::move(name);
    return s;
  }
  static Source npy(std::string path, std::int64_t slice = -1) {
    Source s;
    s.kind = SourceKind::npy;
    s.name = std::move(path);
    s.slice = slice;
    return s;
  }
  // A source reported as failed with `message` (listing errors).
  static Source failed(SourceKind kind, std::string name, std::string message) {
    Source s;
    s.kind = kind;
    s.name = std::move(name);
    s.error = std::move(message);
    return s;
  }
};

}  // namespace pixfuse::io
