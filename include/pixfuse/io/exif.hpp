// EXIF orientation from an encoded JPEG (APP1 "Exif" segment) or PNG (eXIf chunk).
//
// Reads tag 0x0112 of IFD0 and nothing else. The bytes come from untrusted files, so every
// offset and count is checked against the buffer before use: a truncated, looping or
// lying segment gives Orientation::normal, never a read out of bounds. The result is what
// Pillow's ImageOps.exif_transpose would apply; pass it to InputShape::of(view, o) and
// the Plan folds it into its coordinate maps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "pixfuse/plan/orientation.hpp"

namespace pixfuse::io {

namespace detail {

// A bounds-checked reader over one TIFF structure (the EXIF payload after "Exif\0\0").
class TiffReader {
 public:
  TiffReader(const unsigned char* p, std::size_t n) : p_(p), n_(n) {}
  bool ok_header() {
    if (n_ < 8) return false;
    if (p_[0] == 'I' && p_[1] == 'I') little_ = true;
    else if (p_[0] == 'M' && p_[1] == 'M') little_ = false;
    else return false;
    std::uint32_t magic = 0;
    return u16(2, magic) && magic == 42;
  }
  bool u16(std::size_t at, std::uint32_t& v) const {
    if (at > n_ || n_ - at < 2) return false;
    v = little_ ? (p_[at] | (p_[at + 1] << 8)) : ((p_[at] << 8) | p_[at + 1]);
    return true;
  }
  bool u32(std::size_t at, std::uint32_t& v) const {
    if (at > n_ || n_ - at < 4) return false;
    const std::uint32_t a = p_[at], b = p_[at + 1], c = p_[at + 2], d = p_[at + 3];
    v = little_ ? (a | (b << 8) | (c << 16) | (d << 24)) : ((a << 24) | (b << 16) | (c << 8) | d);
    return true;
  }

 private:
  const unsigned char* p_;
  std::size_t n_;
  bool little_ = true;
};

}  // namespace detail

// Orientation tag of a TIFF/EXIF payload (starting at the byte order mark "II" / "MM").
inline Orientation exif_orientation_from_tiff(const unsigned char* tiff, std::size_t size) {
  detail::TiffReader r(tiff, size);
  std::uint32_t ifd = 0, entries = 0;
  if (!r.ok_header() || !r.u32(4, ifd) || !r.u16(ifd, entries)) return Orientation::normal;
  for (std::uint32_t i = 0; i < entries; ++i) {
    const std::size_t e = static_cast<std::size_t>(ifd) + 2 + 12 * static_cast<std::size_t>(i);
    std::uint32_t tag = 0, type = 0, count = 0, value = 0;
    if (!r.u16(e, tag) || !r.u16(e + 2, type) || !r.u32(e + 4, count)) break;  // truncated IFD
    if (tag != 0x0112) continue;
    // SHORT (3), one value, stored in the first two bytes of the value field.
    if (type != 3 || count < 1 || !r.u16(e + 8, value)) return Orientation::normal;
    return value >= 1 && value <= 8 ? static_cast<Orientation>(value) : Orientation::normal;
  }
  return Orientation::normal;
}

// Orientation of an encoded JPEG or PNG; normal for other formats and when absent or
// unreadable.
inline Orientation exif_orientation(const unsigned char* b, std::size_t n) {
  if (n >= 8 && std::memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0) {
    // PNG: walk the chunks up to the first IDAT (eXIf must precede it).
    std::size_t at = 8;
    while (n - at >= 12) {
      const std::size_t len = (static_cast<std::size_t>(b[at]) << 24) | (b[at + 1] << 16) |
                              (b[at + 2] << 8) | b[at + 3];
      const unsigned char* kind = b + at + 4;
      if (len > n - at - 12) break;
      if (std::memcmp(kind, "eXIf", 4) == 0) return exif_orientation_from_tiff(b + at + 8, len);
      if (std::memcmp(kind, "IDAT", 4) == 0) break;
      at += 12 + len;
    }
    return Orientation::normal;
  }
  if (n < 4 || b[0] != 0xFF || b[1] != 0xD8) return Orientation::normal;
  // JPEG: walk the marker segments before the image data (SOS) looking for APP1 Exif.
  std::size_t at = 2;
  while (at + 4 <= n) {
    if (b[at] != 0xFF) return Orientation::normal;  // not a marker: corrupt, give up
    const unsigned marker = b[at + 1];
    if (marker == 0xFF) {  // fill byte
      ++at;
      continue;
    }
    if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {  // no length
      at += 2;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) return Orientation::normal;  // image data / end
    const std::size_t len =
        (static_cast<std::size_t>(b[at + 2]) << 8) | b[at + 3];  // includes itself
    if (len < 2 || len > n - at - 2) return Orientation::normal;
    const unsigned char* seg = b + at + 4;
    const std::size_t seg_len = len - 2;
    if (marker == 0xE1 && seg_len >= 6 && std::memcmp(seg, "Exif\0\0", 6) == 0)
      return exif_orientation_from_tiff(seg + 6, seg_len - 6);
    at += 2 + len;
  }
  return Orientation::normal;
}

}  // namespace pixfuse::io
