// Pre-flight checks: the inputs on which the embedded stb_image (v2.30,
// io/detail/stb_image.hpp) has undefined behaviour are refused (or, where the file is
// valid, repaired) before stb sees them. Each check names the defect it keeps away:
//
//   JPEG  a scan decoding with a Huffman table the file never defined: stb's table is all
//         zeros, its decode loop finds no code length and reads maxcode[18] (past the
//         array); a table of more than 256 codes (refused by v2.28+, checked anyway).
//         (io/detail/jpeg_structure.hpp reads the tables and scans.)
//   PNG   an empty IDAT chunk before the first non-empty one: stb copies 0 bytes into its
//         still-null buffer, memcpy(NULL, p, 0). Valid PNG, so the chunk is dropped from a
//         copy of the file instead; one the file ends inside (before its CRC, which stb
//         reads after the data) is refused as truncated.
//   BMP   a height field of INT_MIN: stb takes abs() of it. Also header sizes stb does not
//         read, so the reason is specific, and uncompressed pixel data shorter than the
//         header says (stb reads past the end as zeros: an image made of nothing).
//
// GIF and TGA need no pre-flight for v2.30 (TGA headers are checked strictly by
// io/format.hpp). The fuzz harnesses (tests/fuzz/) run stb behind these checks under
// AddressSanitizer and UndefinedBehaviorSanitizer; docs/HOSTILE_INPUT.md has the campaign.
#pragma once

#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "pixfuse/io/detail/jpeg_structure.hpp"
#include "pixfuse/io/format.hpp"

namespace pixfuse::io::detail {

struct Preflight {
  std::string problem;                  // non-empty: do not decode; the reason
  std::vector<unsigned char> repaired;  // non-empty: decode these bytes instead
  // Non-empty: the data cannot hold the image the header declares (checked after the
  // max_pixels limit, so that a bomb is reported as one).
  std::string shortfall;
};

inline std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}
inline std::uint32_t le32(const unsigned char* p) {
  return p[0] | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}

// PNG: drop empty IDAT chunks that come before the first non-empty one; compare the image
// data with what the header declares (zlib expands at most 1032:1, so fewer compressed
// bytes than 1/1032 of the declared pixels is a truncated file).
inline void png_preflight(const unsigned char* b, std::size_t n, Preflight& out) {
  std::vector<std::size_t> drop;  // offsets of the chunks to drop (12 bytes each)
  std::uint64_t idat = 0;
  bool data_seen = false;
  // stb copies a chunk's data before it reads the CRC, so the walk goes on through a chunk
  // whose CRC the file ends before.
  for (std::size_t at = 8; at + 8 <= n;) {
    const std::uint32_t length = be32(b + at);
    if (length > n - at - 8) break;  // truncated: stb reports it
    if (std::memcmp(b + at + 4, "IDAT", 4) == 0) {
      if (length == 0 && !data_seen) {
        if (at + 12 > n) {  // the file ends in it (found by fuzzing): no image data at all
          out.problem = "truncated PNG: the file ends inside an empty IDAT chunk, before its CRC";
          return;
        }
        drop.push_back(at);
      }
      data_seen |= length != 0;
      idat += length;
    }
    at += 12 + std::size_t{length};
  }
  if (n >= 29 && std::memcmp(b + 12, "IHDR", 4) == 0) {
    const double width = be32(b + 16), height = be32(b + 20), depth = b[24], color = b[25];
    const double channels = color == 2 ? 3 : color == 4 ? 2 : color == 6 ? 4 : 1;
    const double pixel_bytes =
        width * height * channels * depth / 8;  // rows' filter bytes not counted
    if (pixel_bytes > 1100.0 * static_cast<double>(idat) + 65536)
      out.shortfall = "its " + std::to_string(idat) +
                      " bytes of image data cannot inflate to the " +
                      std::to_string(static_cast<std::uint64_t>(std::fmin(pixel_bytes, 1e19))) +
                      " bytes its header declares: truncated or corrupt";
  }
  if (drop.empty()) return;
  out.repaired.reserve(n - 12 * drop.size());
  std::size_t from = 0;
  for (std::size_t d : drop) {
    out.repaired.insert(out.repaired.end(), b + from, b + d);
    from = d + 12;
  }
  out.repaired.insert(out.repaired.end(), b + from, b + n);
}

// BMP: the file and info headers stb reads first.
inline void bmp_preflight(const unsigned char* b, std::size_t n, Preflight& out) {
  if (n < 26) {
    out.problem = "truncated BMP header";
    return;
  }
  const std::uint32_t header = le32(b + 14);
  if (header != 12 && header != 40 && header != 56 && header != 108 && header != 124) {
    out.problem = "BMP info header of " + std::to_string(header) +
                  " bytes (stb_image reads 12, 40, 56, 108 and 124: BITMAPCOREHEADER, "
                  "BITMAPINFOHEADER, V3, V4, V5)";
    return;
  }
  std::int64_t width = 0, height = 0;
  unsigned bpp = 0, compression = 0;
  if (header == 12) {  // BITMAPCOREHEADER: 16-bit unsigned sizes
    width = b[18] | (b[19] << 8);
    height = b[20] | (b[21] << 8);
    bpp = b[24] | (b[25] << 8);
  } else {
    if (n < 34) {
      out.problem = "truncated BMP header";
      return;
    }
    const auto w = static_cast<std::int32_t>(le32(b + 18)),
               h = static_cast<std::int32_t>(le32(b + 22));
    if (w <= 0 || h == 0 || h == INT_MIN) {
      out.problem = "BMP size " + std::to_string(w) + "x" + std::to_string(h);
      return;
    }
    width = w;
    height = h < 0 ? -std::int64_t{h} : h;  // negative: rows stored top-down
    bpp = b[28] | (b[29] << 8);
    compression = le32(b + 30);
  }
  // Uncompressed (or bit-field) rows, padded to 4 bytes: stb reads past the end of a
  // truncated file as zeros, which would make an image of nothing.
  if (compression == 0 || compression == 3) {
    const std::uint64_t row = (static_cast<std::uint64_t>(width) * bpp + 31) / 32 * 4;
    const std::uint64_t need =
        std::uint64_t{le32(b + 10)} + row * static_cast<std::uint64_t>(height);
    if (need > n)
      out.problem = "truncated BMP: " + std::to_string(n) + " bytes, its header asks for " +
                    std::to_string(need);
  }
}

// The checks for `format` before stb_image decodes b[0, n).
inline Preflight stb_preflight(ImageFormat format, const unsigned char* b, std::size_t n) {
  Preflight out;
  switch (format) {
    case ImageFormat::jpeg: out.problem = read_jpeg_structure(b, n).stb_problem; break;
    case ImageFormat::png: png_preflight(b, n, out); break;
    case ImageFormat::bmp: bmp_preflight(b, n, out); break;
    case ImageFormat::gif:
    case ImageFormat::tga: break;
  }
  return out;
}

}  // namespace pixfuse::io::detail
