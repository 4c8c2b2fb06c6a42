// JPEG decoding with libjpeg-turbo's TurboJPEG API, when the program is built with it
// (PIXFUSE_HAVE_TURBOJPEG=1 and -lturbojpeg; CMake: link pixfuse::jpeg, see
// cmake/PixfuseJpeg.cmake). io/decode.hpp uses it for JPEG files; stb_image stays the
// fallback and the decoder of every other format.
//
// Full-size decodes use libjpeg's defaults (islow IDCT, fancy upsampling), the settings
// Pillow decodes with, so the pixels equal Pillow's Image.open(f).convert("RGB"). A
// reduction r in {2, 4, 8} decodes at 1/r by DCT scaling (what Pillow's draft() does
// with the same r): much faster, different pixels. Gray stays 1 channel; CMYK and YCCK
// become RGB the way Pillow converts them (Adobe-inverted CMYK, R = C*K/255 rounded).
#pragma once

#ifndef PIXFUSE_HAVE_TURBOJPEG
#define PIXFUSE_HAVE_TURBOJPEG 0
#endif

#if PIXFUSE_HAVE_TURBOJPEG

#include <turbojpeg.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "pixfuse/core/error.hpp"

namespace pixfuse::io::turbo {

namespace detail {
// One decompressor per thread: creating one costs a few allocations per image otherwise.
// After a failure its libjpeg state is not trusted again (a later header read on it can
// report size 0 for a good file): fail() replaces it.
struct Handle {
  tjhandle h = tjInitDecompress();
  ~Handle() {
    if (h) tjDestroy(h);
  }
};
inline Handle& thread_handle() {
  thread_local Handle t;
  return t;
}
inline tjhandle handle(const std::string& name) {
  Handle& t = thread_handle();
  if (!t.h) t.h = tjInitDecompress();
  if (!t.h) throw Error(name + ": cannot start libjpeg-turbo (" + tjGetErrorStr2(nullptr) + ")");
  return t.h;
}
// The error text of the thread's decompressor; the decompressor is replaced.
inline std::string fail(tjhandle h) {
  std::string why = tjGetErrorStr2(h);
  Handle& t = thread_handle();
  tjDestroy(t.h);
  t.h = tjInitDecompress();
  return why;
}
inline int scaled(int size, int reduce) { return (size + reduce - 1) / reduce; }  // libjpeg's ceil
}  // namespace detail

struct Header {
  int width = 0, height = 0;  // full size
  int channels = 0;           // after conversion: 1 (gray) or 3
  bool cmyk = false;
};

inline Header read_header(const unsigned char* bytes, std::size_t size, const std::string& name) {
  tjhandle h = detail::handle(name);
  int w = 0, h_ = 0, sub = 0, cs = 0;
  if (tjDecompressHeader3(h, bytes, static_cast<unsigned long>(size), &w, &h_, &sub, &cs) != 0)
    throw Error(name + ": not a decodable JPEG (" + detail::fail(h) + ")");
  if (w <= 0 || h_ <= 0) {  // a header cut before the frame (SOF) reads as size 0
    detail::fail(h);
    throw Error(name + ": not a decodable JPEG (no frame header: truncated or corrupt)");
  }
  Header hd;
  hd.width = w;
  hd.height = h_;
  hd.cmyk = cs == TJCS_CMYK || cs == TJCS_YCCK;
  hd.channels = cs == TJCS_GRAY ? 1 : 3;
  return hd;
}

// Size of the image decoded at 1/reduce.
inline int scaled_size(int full, int reduce) { return detail::scaled(full, reduce); }

// Decode into `out` (malloc'ed, interleaved, hd.channels per pixel, width/height scaled by
// 1/reduce); the caller owns it and frees it with std::free. A truncated file is an error
// (as Pillow's "image file is truncated"); libjpeg's other warnings (extraneous bytes,
// ...) are not, as in Pillow.
inline unsigned char* decode(const unsigned char* bytes, std::size_t size, const Header& hd, int reduce,
                             const std::string& name) {
  tjhandle h = detail::handle(name);
  const int w = detail::scaled(hd.width, reduce), ht = detail::scaled(hd.height, reduce);
  const int src_channels = hd.cmyk ? 4 : hd.channels;
  const std::size_t n = static_cast<std::size_t>(w) * static_cast<std::size_t>(ht) *
                        static_cast<std::size_t>(src_channels);
  auto* px = static_cast<unsigned char*>(std::malloc(n));
  if (!px) throw Error(name + ": out of memory for " + std::to_string(w) + "x" + std::to_string(ht) + " pixels");
  const int format = hd.cmyk ? TJPF_CMYK : hd.channels == 1 ? TJPF_GRAY : TJPF_RGB;
  if (tjDecompress2(h, bytes, static_cast<unsigned long>(size), px, w, 0, ht, format, 0) != 0) {
    const bool fatal = tjGetErrorCode(h) == TJERR_FATAL;
    const std::string why = detail::fail(h);
    if (fatal || why.find("Premature end") != std::string::npos) {
      std::free(px);
      throw Error(name + ": cannot decode JPEG (" + why + ")");
    }
  }
  if (hd.cmyk) {
    // libjpeg returns the stored (Adobe-inverted) values c, k: Pillow's CMYK -> RGB is
    // nk - nk * (255 - c) / 255 with nk = k, i.e. c * k / 255 rounded. In place, 4 -> 3.
    for (std::size_t i = 0, o = 0; i < n; i += 4, o += 3) {
      const unsigned k = px[i + 3];
      for (std::size_t c = 0; c < 3; ++c) {
        const unsigned t = px[i + c] * k + 128;
        px[o + c] = static_cast<unsigned char>((t + (t >> 8)) >> 8);
      }
    }
  }
  return px;
}

}  // namespace pixfuse::io::turbo

#endif  // PIXFUSE_HAVE_TURBOJPEG
