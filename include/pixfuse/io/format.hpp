// Which image format a file is, from its signature: the one place that decides which
// decoder sees the bytes. Never "try every decoder": a file that no signature claims is an
// error, not whatever a lenient reader makes of it.
//
//   JPEG  FF D8 FF (SOI, then a marker). Fill bytes (FF) before the SOI are not accepted:
//         libjpeg reads the first two bytes as the SOI and Pillow asks for FF D8 FF, so a
//         file starting FF FF D8 is "not a JPEG" for both; pixfuse agrees.
//   PNG   the 8-byte signature 89 'PNG' 0D 0A 1A 0A
//   GIF   "GIF87a" or "GIF89a"
//   BMP   "BM" (the header itself is checked before decoding: io/detail/stb_preflight.hpp)
//   TGA   has no signature: only a name ending in .tga (any case) whose 18-byte header
//         passes a strict check (tga_header_problem) is read as TGA.
#pragma once

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "pixfuse/core/error.hpp"

namespace pixfuse::io {

enum class ImageFormat { jpeg, png, gif, bmp, tga };

constexpr const char* name(ImageFormat f) noexcept {
  switch (f) {
    case ImageFormat::jpeg: return "jpeg";
    case ImageFormat::png: return "png";
    case ImageFormat::gif: return "gif";
    case ImageFormat::bmp: return "bmp";
    case ImageFormat::tga: return "tga";
  }
  return "?";
}

namespace detail {

inline bool has_tga_extension(const std::string& name) {
  if (name.size() < 4) return false;
  const char* e = name.c_str() + name.size() - 4;
  return e[0] == '.' && std::tolower(static_cast<unsigned char>(e[1])) == 't' &&
         std::tolower(static_cast<unsigned char>(e[2])) == 'g' &&
         std::tolower(static_cast<unsigned char>(e[3])) == 'a';
}

inline unsigned le16(const unsigned char* p) { return p[0] | (unsigned{p[1]} << 8); }

// The first bytes of a file in hex, for "unknown format" messages.
inline std::string first_bytes(const unsigned char* b, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n && i < 8; ++i) {
    char hex[4];
    std::snprintf(hex, sizeof hex, "%s%02X", i ? " " : "", b[i]);
    out += hex;
  }
  return out;
}

}  // namespace detail

// Empty when b[0, n) starts with a TGA header this library reads, else what is wrong.
// Strict on purpose (TGA has no signature): colour map type 0 or 1; image type 1, 2, 3
// (uncompressed) or 9, 10, 11 (run-length); a colour map exactly when the type is
// colour-mapped, with 15/16/24/32-bit entries, or all-zero colour map fields; width and
// height >= 1; a pixel depth the type allows; no interleaving; and enough bytes for the
// header, ID, colour map and (uncompressed) every pixel.
inline std::string tga_header_problem(const unsigned char* b, std::size_t n) {
  using detail::le16;
  if (n < 18) return "shorter than the 18-byte TGA header";
  const unsigned id_length = b[0], map_type = b[1], type = b[2];
  const unsigned map_first = le16(b + 3), map_length = le16(b + 5), map_bits = b[7];
  const unsigned width = le16(b + 12), height = le16(b + 14), depth = b[16], descriptor = b[17];
  if (map_type > 1) return "colour map type " + std::to_string(map_type) + " (expected 0 or 1)";
  const bool mapped = type == 1 || type == 9, truecolor = type == 2 || type == 10,
             gray = type == 3 || type == 11;
  if (!mapped && !truecolor && !gray)
    return "image type " + std::to_string(type) + " (expected 1, 2, 3, 9, 10 or 11)";
  if (mapped != (map_type == 1))
    return "colour map type " + std::to_string(map_type) + " with image type " +
           std::to_string(type);
  if (map_type == 1) {
    if (map_bits != 15 && map_bits != 16 && map_bits != 24 && map_bits != 32)
      return "colour map entries of " + std::to_string(map_bits) + " bits";
    if (map_length == 0 || map_first + map_length > 65536) return "an empty or overlong colour map";
  } else if (map_first != 0 || map_length != 0 || map_bits != 0) {
    return "colour map fields without a colour map";
  }
  if (width == 0 || height == 0)
    return "size " + std::to_string(width) + "x" + std::to_string(height);
  const bool depth_ok = mapped      ? depth == 8
                        : truecolor ? (depth == 15 || depth == 16 || depth == 24 || depth == 32)
                                    : (depth == 8 || depth == 16);
  if (!depth_ok)
    return std::to_string(depth) + " bits per pixel for image type " + std::to_string(type);
  if ((descriptor & 0xC0) != 0)
    return "interleaved rows (descriptor " + std::to_string(descriptor) + ")";
  std::uint64_t need =
      18 + std::uint64_t{id_length} + std::uint64_t{map_length} * ((map_bits + 7) / 8);
  need += type < 8 ? std::uint64_t{width} * height * ((depth + 7) / 8) : 1;
  if (n < need)
    return "truncated (" + std::to_string(n) + " bytes, at least " + std::to_string(need) +
           " needed)";
  return "";
}

// The format of the encoded image b[0, n); `name` (the path, or any label) prefixes errors
// and its extension is the only way to TGA. Throws when no format claims the bytes.
inline ImageFormat identify_format(const unsigned char* b, std::size_t n, const std::string& name) {
  if (n >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return ImageFormat::jpeg;
  if (n >= 8 && std::memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0) return ImageFormat::png;
  if (n >= 6 && (std::memcmp(b, "GIF87a", 6) == 0 || std::memcmp(b, "GIF89a", 6) == 0))
    return ImageFormat::gif;
  if (n >= 2 && b[0] == 'B' && b[1] == 'M') return ImageFormat::bmp;
  if (detail::has_tga_extension(name)) {
    const std::string problem = tga_header_problem(b, n);
    if (problem.empty()) return ImageFormat::tga;
    throw Error(name + ": not a decodable image (not a TGA file: " + problem + ")");
  }
  std::string why = "unknown format: the file starts " + detail::first_bytes(b, n) +
                    "; expected a JPEG, PNG, GIF or BMP signature, or a .tga name";
  if (n >= 2 && b[0] == 0xFF && b[1] == 0xFF)
    why += " (fill bytes before a JPEG's SOI marker are not accepted)";
  throw Error(name + ": not a decodable image (" + why + ")");
}

}  // namespace pixfuse::io
