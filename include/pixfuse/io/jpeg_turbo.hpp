// JPEG decoding with libjpeg-turbo (its libjpeg API), when the program is built with it
// (PIXFUSE_HAVE_TURBOJPEG=1, -ljpeg; CMake: link pixfuse::jpeg, see cmake/PixfuseJpeg.cmake).
// io/decode.hpp uses it for JPEG files; stb_image stays the fallback and the decoder of
// every other format.
//
// Pixels: libjpeg's defaults (islow IDCT, fancy upsampling), the settings Pillow decodes
// with, so they equal Pillow's Image.open(f).convert("RGB"). A reduction r in {2, 4, 8}
// decodes at 1/r by DCT scaling, as Pillow's draft() does with the same r. Gray stays 1
// channel; CMYK and YCCK become RGB the way Pillow converts them (Adobe-inverted CMYK,
// R = C*K/255 rounded).
//
// Region decode: given the rectangle a caller needs, only the iMCU columns around it are
// transformed (jpeg_crop_scanline), the rows above it are skipped (jpeg_skip_scanlines:
// entropy-decoded only) and decoding stops below it, and the pixels returned are
// bit-identical to the same rectangle of the full decode. libjpeg-turbo makes them so
// except at a cropped edge: fancy upsampling of horizontally subsampled chroma (4:2:2,
// 4:2:0) replicates the crop's edge sample where the full decode reads its neighbour, so
// the first and last decoded columns differ when they are not the image's edges; one
// column of margin on each side keeps them out of the rectangle returned, and the crop
// spans two iMCU columns at least (narrower, libjpeg replaces fancy upsampling). Skipped rows
// leave later rows exact (libjpeg-turbo rebuilds the upsampler's context rows itself).
// Where that reasoning does not hold the whole image is decoded instead: progressive
// files whose coefficients stay incomplete (libjpeg's block smoothing then reads the
// neighbouring blocks a crop leaves out) and sampling factors other than 1 and 2. Tests
// (tests/io/region_test.cpp) check every row and column offset on 4:4:4, 4:2:2, 4:2:0,
// 4:4:0, 4:1:1, gray, CMYK, progressive, restart-marker and arithmetic-coded files of odd
// sizes, at every scale.
#pragma once

#ifndef PIXFUSE_HAVE_TURBOJPEG
#define PIXFUSE_HAVE_TURBOJPEG 0
#endif

#if PIXFUSE_HAVE_TURBOJPEG

#include <algorithm>
#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <cstdio>  // jpeglib.h uses FILE and size_t without including them
#include <cstdlib>
#include <cstring>
#include <string>

#include <jpeglib.h>
#include <jerror.h>

#include "pixfuse/core/error.hpp"
#include "pixfuse/core/image_view.hpp"

namespace pixfuse::io::turbo {

struct Header {
  int width = 0, height = 0;  // full size
  int channels = 0;           // after conversion: 1 (gray) or 3
  bool cmyk = false;
};

// What decode() returns: a malloc'ed buffer (the caller frees `pixels` with std::free)
// holding `region` of the image decoded at 1/reduce (full_width x full_height),
// interleaved, Header::channels per pixel, from pixels + offset, rows row_stride bytes
// apart (a region decode keeps its margin columns in the buffer, outside the region).
struct Decoded {
  unsigned char* pixels = nullptr;
  std::size_t offset = 0;
  std::size_t row_stride = 0;
  Rect region;
  int full_width = 0, full_height = 0;
};

namespace detail {

inline int scaled(int size, int reduce) { return (size + reduce - 1) / reduce; }  // libjpeg's ceil

// libjpeg reports fatal errors through error_exit, which must not return: it longjmps
// back to the one function below that calls libjpeg (no C++ object lives across that
// jump). Warnings are counted; a premature end of the data is remembered.
struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  bool truncated;
  char message[JMSG_LENGTH_MAX];
};
inline void on_error(j_common_ptr c) {
  auto* e = reinterpret_cast<ErrorManager*>(c->err);
  (*c->err->format_message)(c, e->message);
  std::longjmp(e->jump, 1);
}
inline void on_message(j_common_ptr c, int level) {
  auto* e = reinterpret_cast<ErrorManager*>(c->err);
  if (level < 0) {
    ++c->err->num_warnings;
    if (c->err->msg_code == JWRN_JPEG_EOF) e->truncated = true;
  }
}

// One decompressor per thread, created once (each costs a few allocations); libjpeg
// reuses it after jpeg_abort_decompress. After a failure it is rebuilt.
struct Decompressor {
  jpeg_decompress_struct cinfo;
  ErrorManager err;
  bool alive = false;
  ~Decompressor() {
    if (alive) jpeg_destroy_decompress(&cinfo);
  }
};
inline Decompressor& thread_decompressor() {
  thread_local Decompressor d;
  return d;
}

// One call into libjpeg: plain data in and out, so that the error longjmp skips no
// destructor.
struct Job {
  const unsigned char* bytes;
  std::size_t size;
  bool header_only;
  int reduce;
  bool want_region;
  int want_x, want_y, want_w, want_h;  // in pixels of the image at 1/reduce
  // Results.
  int width, height, channels, color_space;
  unsigned char* pixels;  // malloc'ed, owned by the caller on success
  int x0, y0, w, h;       // the rows and columns decoded
  int keep_x0, keep_x1;   // the decoded columns that are exact (margins excluded)
  int full_w, full_h;
};

// Whether rows and columns can be left out with the kept pixels still exact (see the
// header comment): sampling factors 1 or 2, and no block smoothing.
inline bool region_is_exact(j_decompress_ptr c) {
  for (int ci = 0; ci < c->num_components; ++ci) {
    const jpeg_component_info& comp = c->comp_info[ci];
    if (comp.h_samp_factor < 1 || comp.h_samp_factor > 2 || comp.v_samp_factor < 1 ||
        comp.v_samp_factor > 2)
      return false;
  }
  if (c->progressive_mode) {
    if (c->coef_bits == nullptr) return false;
    // libjpeg smooths blocks while any of the first ten coefficients is incomplete.
    for (int ci = 0; ci < c->num_components; ++ci)
      for (int k = 0; k < 10; ++k)
        if (c->coef_bits[ci][k] != 0) return false;
  }
  return true;
}

// Whether the source's remaining bytes hold a marker other than RSTn (in entropy-coded
// data 0xFF is followed by a stuffed 0x00; 0xFF 0xFF is fill).
inline bool has_marker(const jpeg_source_mgr* src) {
  const JOCTET* p = src->next_input_byte;
  const JOCTET* end = p + src->bytes_in_buffer;
  while (p < end) {
    p = static_cast<const JOCTET*>(std::memchr(p, 0xFF, static_cast<std::size_t>(end - p)));
    if (!p) return false;
    while (p < end && *p == 0xFF) ++p;
    if (p < end && *p != 0x00 && (*p < 0xD0 || *p > 0xD7)) return true;
  }
  return false;
}

inline void read_rows(j_decompress_ptr c, unsigned char* first_row, std::size_t row_bytes,
                      int rows) {
  for (int done = 0; done < rows;) {
    JSAMPROW ptr[4];
    const int n = std::min(4, rows - done);
    for (int i = 0; i < n; ++i) ptr[i] = first_row + static_cast<std::size_t>(done + i) * row_bytes;
    const JDIMENSION got = jpeg_read_scanlines(c, ptr, static_cast<JDIMENSION>(n));
    if (got == 0) ERREXIT(c, JERR_BAD_STATE);  // cannot happen with a memory source
    done += static_cast<int>(got);
  }
}

// Returns false on a libjpeg error (message in d.err.message); everything allocated is
// then freed here.
inline bool run(Decompressor& d, Job& job) {
  j_decompress_ptr c = &d.cinfo;
  job.pixels = nullptr;
  if (setjmp(d.err.jump)) {
    std::free(job.pixels);
    job.pixels = nullptr;
    if (d.alive) jpeg_destroy_decompress(c);
    d.alive = false;
    return false;
  }
  if (!d.alive) {
    c->err = jpeg_std_error(&d.err.pub);
    d.err.pub.error_exit = on_error;
    d.err.pub.emit_message = on_message;
    jpeg_create_decompress(c);
    d.alive = true;
  }
  d.err.truncated = false;
  d.err.pub.num_warnings = 0;
  jpeg_mem_src(c, job.bytes, static_cast<unsigned long>(job.size));
  if (jpeg_read_header(c, TRUE) != JPEG_HEADER_OK) ERREXIT(c, JERR_NO_IMAGE);
  job.width = static_cast<int>(c->image_width);
  job.height = static_cast<int>(c->image_height);
  job.color_space = c->jpeg_color_space;
  if (job.header_only) {
    jpeg_abort_decompress(c);
    return true;
  }
  const bool cmyk = c->jpeg_color_space == JCS_CMYK || c->jpeg_color_space == JCS_YCCK;
  c->out_color_space = c->jpeg_color_space == JCS_GRAYSCALE ? JCS_GRAYSCALE
                       : cmyk                               ? JCS_CMYK
                                                            : JCS_RGB;
  if (job.reduce > 1) {
    c->scale_num = 1;
    c->scale_denom = static_cast<unsigned>(job.reduce);
  }
  jpeg_start_decompress(c);  // progressive: reads every scan
  const int W = static_cast<int>(c->output_width), H = static_cast<int>(c->output_height);
  job.full_w = W;
  job.full_h = H;
  job.channels = c->output_components;
  int x0 = 0, x1 = W, y0 = 0, y1 = H;
  // The wanted rectangle, clipped to the image (nothing left: decode it all).
  const int wx0 = std::max(0, job.want_x), wx1 = std::min(W, job.want_x + job.want_w);
  const int wy0 = std::max(0, job.want_y), wy1 = std::min(H, job.want_y + job.want_h);
  if (job.want_region && wx0 < wx1 && wy0 < wy1 && region_is_exact(c)) {
    // One column of margin where a cropped edge is not the image's (fancy upsampling).
    x0 = std::max(0, wx0 - 1);
    x1 = std::min(W, wx1 + 1);
    y0 = wy0;
    y1 = wy1;
    // At least two iMCU columns: a crop whose subsampled chroma is 1 sample wide makes
    // libjpeg swap fancy upsampling for replication.
    const int align = c->min_DCT_scaled_size * c->max_h_samp_factor;
    x0 -= x0 % align;
    if (x1 - x0 < 2 * align) x1 = std::min(W, x0 + 2 * align);
    if (x1 - x0 < 2 * align) x0 = std::max(0, x1 - 2 * align);
    if (x0 > 0 || x1 < W) {
      JDIMENSION xoff = static_cast<JDIMENSION>(x0), width = static_cast<JDIMENSION>(x1 - x0);
      jpeg_crop_scanline(c, &xoff, &width);  // moves x0 left to an iMCU boundary
      x0 = static_cast<int>(xoff);
      x1 = x0 + static_cast<int>(width);
    }
  }
  // The crop's own edge columns are not exact unless they are the image's.
  job.keep_x0 = x0 > 0 ? x0 + 1 : x0;
  job.keep_x1 = x1 < W ? x1 - 1 : x1;
  job.x0 = x0;
  job.y0 = y0;
  job.w = x1 - x0;
  job.h = y1 - y0;
  const std::size_t row_bytes =
      static_cast<std::size_t>(job.w) * static_cast<std::size_t>(job.channels);
  job.pixels =
      static_cast<unsigned char*>(std::malloc(row_bytes * static_cast<std::size_t>(job.h)));
  if (!job.pixels) ERREXIT1(c, JERR_OUT_OF_MEMORY, 0);
  if (y0 > 0) jpeg_skip_scanlines(c, static_cast<JDIMENSION>(y0));
  read_rows(c, job.pixels, row_bytes, job.h);
  // Stopped above the last row (a single scan, decoded as it is read): would the rest
  // have decoded, or run out of data ("image file is truncated" for Pillow)? libjpeg's
  // entropy decoder stops at the first marker that is not a restart marker, so it runs
  // out exactly when the rest of the file holds none: look for one instead of decoding.
  if (y1 < H && !jpeg_has_multiple_scans(c) && c->unread_marker == 0 && !has_marker(c->src))
    d.err.truncated = true;  // as JWRN_JPEG_EOF would have said
  jpeg_abort_decompress(c);  // every row is in: what follows (EOI, trailing bytes) is not read
  return true;
}

inline Job job_for(const unsigned char* bytes, std::size_t size) {
  Job j{};
  j.bytes = bytes;
  j.size = size;
  j.reduce = 1;
  return j;
}

inline std::string failure(Decompressor& d) { return d.err.message; }

}  // namespace detail

inline Header read_header(const unsigned char* bytes, std::size_t size, const std::string& name) {
  detail::Decompressor& d = detail::thread_decompressor();
  detail::Job job = detail::job_for(bytes, size);
  job.header_only = true;
  if (!detail::run(d, job))
    throw Error(name + ": not a decodable JPEG (" + detail::failure(d) + ")");
  if (job.width <= 0 || job.height <= 0)
    throw Error(name + ": not a decodable JPEG (no frame header: truncated or corrupt)");
  Header hd;
  hd.width = job.width;
  hd.height = job.height;
  hd.cmyk = job.color_space == JCS_CMYK || job.color_space == JCS_YCCK;
  hd.channels = job.color_space == JCS_GRAYSCALE ? 1 : 3;
  return hd;
}

// Size of the image decoded at 1/reduce.
inline int scaled_size(int full, int reduce) { return detail::scaled(full, reduce); }

// Decode at 1/reduce (1, 2, 4 or 8). With `want` (a rectangle of the image at that
// scale), only a rectangle containing it may be decoded (see the header comment);
// Decoded::region says which. A truncated file is an error (as Pillow's "image file is
// truncated"); libjpeg's other warnings (extraneous bytes, ...) are not, as in Pillow.
inline Decoded decode(const unsigned char* bytes, std::size_t size, const Header& hd, int reduce,
                      const Rect* want, const std::string& name) {
  detail::Decompressor& d = detail::thread_decompressor();
  detail::Job job = detail::job_for(bytes, size);
  job.reduce = reduce;
  if (want && want->width > 0 && want->height > 0) {
    job.want_region = true;
    job.want_x = static_cast<int>(want->x);
    job.want_y = static_cast<int>(want->y);
    job.want_w = static_cast<int>(want->width);
    job.want_h = static_cast<int>(want->height);
  }
  if (!detail::run(d, job)) throw Error(name + ": cannot decode JPEG (" + detail::failure(d) + ")");
  if (d.err.truncated) {
    std::free(job.pixels);
    throw Error(name + ": cannot decode JPEG (Premature end of JPEG file)");
  }
  const int expected_channels = hd.cmyk ? 4 : hd.channels;
  if (job.channels != expected_channels || job.full_w != detail::scaled(hd.width, reduce) ||
      job.full_h != detail::scaled(hd.height, reduce)) {
    std::free(job.pixels);
    throw Error(name + ": cannot decode JPEG (its header changed between reads)");
  }
  const int src_channels = job.channels;
  const std::size_t row_bytes =
      static_cast<std::size_t>(job.w) * static_cast<std::size_t>(src_channels);
  if (hd.cmyk) {
    // libjpeg returns the stored (Adobe-inverted) values c, k: Pillow's CMYK -> RGB is
    // nk - nk * (255 - c) / 255 with nk = k, i.e. c * k / 255 rounded. In place, 4 -> 3,
    // rows packed at 3 bytes per pixel.
    unsigned char* px = job.pixels;
    std::size_t o = 0;
    for (int y = 0; y < job.h; ++y)
      for (std::size_t i = static_cast<std::size_t>(y) * row_bytes, end = i + row_bytes; i < end;
           i += 4, o += 3) {
        const unsigned k = px[i + 3];
        for (std::size_t ch = 0; ch < 3; ++ch) {
          const unsigned t = px[i + ch] * k + 128;
          px[o + ch] = static_cast<unsigned char>((t + (t >> 8)) >> 8);
        }
      }
  }
  Decoded out;
  out.pixels = job.pixels;
  out.row_stride = static_cast<std::size_t>(job.w) * static_cast<std::size_t>(hd.channels);
  out.offset =
      static_cast<std::size_t>(job.keep_x0 - job.x0) * static_cast<std::size_t>(hd.channels);
  out.region = Rect{job.keep_x0, job.y0, job.keep_x1 - job.keep_x0, job.h};
  out.full_width = job.full_w;
  out.full_height = job.full_h;
  return out;
}

}  // namespace pixfuse::io::turbo

#endif  // PIXFUSE_HAVE_TURBOJPEG
