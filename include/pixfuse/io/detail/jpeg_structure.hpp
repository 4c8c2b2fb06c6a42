// The marker structure of a JPEG file, read without decoding: every segment from SOI to
// EOI, the entropy-coded data of each scan skipped the way decoders find its end (FF 00 is
// data, FF D0..D7 a restart marker, FF FF fill; any other FF xx ends the scan). Garbage
// between segments is skipped up to the next FF, as libjpeg does.
//
// What it records is what decoding depends on before any pixel is made: the number of
// scans (each progressive scan is a pass over the image: a decode-time bound); the 8x8
// blocks the frame header declares and the bytes of entropy-coded data there are (Huffman
// coding spends at least one bit per block on its DC coefficient, so a file with fewer
// bits than blocks is truncated: refusing it up front keeps a 600-byte file from costing
// the decode of a 175-megapixel frame); and, for stb_image, whether every Huffman table a
// scan decodes with was defined before that scan with at most 256 codes (stb reads an
// undefined table's maxcode[] past its end).
#pragma once

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

namespace pixfuse::io::detail {

struct JpegStructure {
  int scans = 0;
  bool progressive = false;         // SOF2 (or any progressive SOF)
  bool huffman = true;              // not arithmetic-coded (SOF9..SOF15)
  std::uint64_t blocks = 0;         // 8x8 blocks of all components, from the first SOF
  std::uint64_t entropy_bytes = 0;  // bytes of entropy-coded data in all scans
  // Empty, or why stb_image must not decode the file (the first such problem).
  std::string stb_problem;
};

// Why the file cannot hold the image its frame header declares, or "" (arithmetic-coded
// files are not judged: they can spend less than a bit per block).
inline std::string jpeg_data_shortfall(const JpegStructure& j) {
  if (!j.huffman || j.blocks == 0 || j.entropy_bytes * 8 >= j.blocks) return "";
  return "its " + std::to_string(j.entropy_bytes) + " bytes of image data cannot hold the " +
         std::to_string(j.blocks) +
         " blocks its header declares (at least 1 bit each): truncated or corrupt";
}

inline JpegStructure read_jpeg_structure(const unsigned char* b, std::size_t n) {
  JpegStructure j;
  bool dc_defined[4] = {false, false, false, false}, ac_defined[4] = {false, false, false, false};
  auto problem = [&](const std::string& why) {
    if (j.stb_problem.empty()) j.stb_problem = why;
  };
  std::size_t at = 2;  // after SOI
  while (at < n) {
    // Next marker: skip garbage up to an FF, then fill bytes.
    while (at < n && b[at] != 0xFF) ++at;
    while (at + 1 < n && b[at + 1] == 0xFF) ++at;
    if (at + 1 >= n) break;
    const unsigned marker = b[at + 1];
    at += 2;
    if (marker == 0xD9) break;  // EOI
    if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8))
      continue;  // no length
    if (at + 2 > n) break;
    const std::size_t length = (std::size_t{b[at]} << 8) | b[at + 1];  // includes itself
    if (length < 2) break;
    const std::size_t end = at + length < n ? at + length : n;
    const unsigned char* seg = b + at + 2;
    const std::size_t seg_len = end - (at + 2);
    if (marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE) j.progressive = true;
    const bool sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof && j.blocks == 0 && seg_len >= 6) {
      j.huffman = marker < 0xC9;
      const std::uint64_t height = (unsigned{seg[1]} << 8) | seg[2],
                          width = (unsigned{seg[3]} << 8) | seg[4];
      const std::size_t components = seg[5];
      unsigned h_max = 1, v_max = 1;
      for (std::size_t c = 0; c < components && 6 + 3 * c + 2 < seg_len; ++c) {
        h_max = std::max(h_max, unsigned{seg[7 + 3 * c]} >> 4);
        v_max = std::max(v_max, unsigned{seg[7 + 3 * c]} & 15u);
      }
      for (std::size_t c = 0; c < components && 6 + 3 * c + 2 < seg_len; ++c) {
        const unsigned h = seg[7 + 3 * c] >> 4, v = seg[7 + 3 * c] & 15;
        // A component's samples: ceil(width * h / h_max), in blocks of 8.
        const std::uint64_t cw = (width * h + h_max - 1) / h_max,
                            ch = (height * v + v_max - 1) / v_max;
        j.blocks += ((cw + 7) / 8) * ((ch + 7) / 8);
      }
    }
    if (marker == 0xC4) {  // DHT: one or more tables
      std::size_t p = 0;
      while (p + 17 <= seg_len) {
        const unsigned tc = seg[p] >> 4, th = seg[p] & 15;
        unsigned codes = 0;
        for (int i = 1; i <= 16; ++i) codes += seg[p + static_cast<std::size_t>(i)];
        if (tc > 1 || th > 3) {
          problem("Huffman table class " + std::to_string(tc) + " id " + std::to_string(th));
          break;
        }
        if (codes > 256)
          problem("Huffman table with " + std::to_string(codes) + " codes (at most 256)");
        else (tc == 0 ? dc_defined : ac_defined)[th] = true;
        p += 17 + codes;
      }
    } else if (marker == 0xDA) {  // SOS: which tables the scan decodes with
      ++j.scans;
      const std::size_t count = seg_len >= 1 ? seg[0] : 0;
      if (seg_len >= 1 + 2 * count + 3) {
        const unsigned ss = seg[1 + 2 * count], ah = seg[3 + 2 * count] >> 4;
        for (std::size_t c = 0; c < count; ++c) {
          const unsigned td = seg[2 + 2 * c] >> 4, ta = seg[2 + 2 * c] & 15;
          // stb: a sequential scan decodes DC and AC; a progressive DC scan the DC table
          // (first pass only), an AC scan the AC table.
          const bool uses_dc = !j.progressive || (ss == 0 && ah == 0);
          const bool uses_ac = !j.progressive || ss != 0;
          if (uses_dc && td <= 3 && !dc_defined[td])
            problem("scan " + std::to_string(j.scans) + " uses DC Huffman table " +
                    std::to_string(td) + ", which the file does not define before it");
          if (uses_ac && ta <= 3 && !ac_defined[ta])
            problem("scan " + std::to_string(j.scans) + " uses AC Huffman table " +
                    std::to_string(ta) + ", which the file does not define before it");
        }
      }
      // The entropy-coded data, up to the marker that ends it.
      at = end;
      const std::size_t data_begin = at;
      while (at + 1 < n) {
        // The next FF (memchr: a vector scan, where a byte loop took 3% of pixfuse-prep).
        const void* ff = std::memchr(b + at, 0xFF, n - at);
        if (!ff) {
          at = n;
          break;
        }
        at = static_cast<std::size_t>(static_cast<const unsigned char*>(ff) - b);
        if (at + 1 >= n) break;
        std::size_t q = at + 1;
        while (q < n && b[q] == 0xFF) ++q;
        if (q >= n) break;
        if (b[q] == 0x00 || (b[q] >= 0xD0 && b[q] <= 0xD7)) {
          at = q + 1;
          continue;
        }
        at = q - 1;  // the FF of the marker
        break;
      }
      if (at + 1 >= n) at = n;  // data up to the end of the file
      j.entropy_bytes += at - data_begin;
      continue;
    }
    at = end;
  }
  return j;
}

}  // namespace pixfuse::io::detail
