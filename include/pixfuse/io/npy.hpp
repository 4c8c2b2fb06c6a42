// NumPy .npy files (format 1.0, little-endian, C order): write a tensor, read an array.
//
// Element types map to numpy's: u8 '|u1', i8 '|i1', u16 '<u2', f16 '<f2', f32 '<f4'.
// numpy has no bfloat16, so bf16 is written as its bit pattern, '<u2'
// (torch: torch.from_numpy(a).view(torch.bfloat16)).
#pragma once

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "pixfuse/core/dtype.hpp"
#include "pixfuse/core/error.hpp"
#include "pixfuse/core/image_view.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/io/file.hpp"

namespace pixfuse::io {

struct NpyArray {
  DType dtype = DType::u8;
  std::vector<std::int64_t> shape;
  std::vector<unsigned char> bytes;  // C order

  std::int64_t elements() const {
    std::int64_t n = 1;
    for (std::int64_t s : shape) n *= s;
    return n;
  }
  template <class T>
  const T* data() const {
    if (dtype_of_v<T> != dtype && !(dtype == DType::u16 && std::is_same_v<T, bf16>))
      throw Error("npy array", "dtype " + std::string(name(dtype_of_v<T>)),
                  "dtype " + std::string(name(dtype)));
    return reinterpret_cast<const T*>(bytes.data());
  }
};

namespace detail {
inline const char* npy_descr(DType t) {
  switch (t) {
    case DType::u8: return "|u1";
    case DType::i8: return "|i1";
    case DType::u16:
    case DType::bf16: return "<u2";
    case DType::f16: return "<f2";
    case DType::f32: return "<f4";
  }
  return "?";
}

// The 10-byte preamble plus the header dict, padded with spaces to a multiple of 64.
inline std::string npy_header(DType dtype, const std::vector<std::int64_t>& shape) {
  std::string dict =
      std::string("{'descr': '") + npy_descr(dtype) + "', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i)
    dict += std::to_string(shape[i]) + (shape.size() == 1 || i + 1 < shape.size() ? "," : "") +
            (i + 1 < shape.size() ? " " : "");
  dict += "), }";
  const std::size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xFF);
  out += static_cast<char>((dict.size() >> 8) & 0xFF);
  return out + dict;
}
}  // namespace detail

// Shape of a tensor in its layout's order: (N, C, H, W) or (N, H, W, C).
inline std::vector<std::int64_t> npy_shape(const AnyTensorView& t) {
  const TensorShape& s = t.shape;
  return t.layout == Layout::nchw ? std::vector<std::int64_t>{s.n, s.c, s.h, s.w}
                                  : std::vector<std::int64_t>{s.n, s.h, s.w, s.c};
}

inline void write_npy(const std::string& path, const void* data, DType dtype,
                      const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (std::int64_t s : shape) n *= s;
  std::string blob = detail::npy_header(dtype, shape);
  const std::size_t header = blob.size();
  blob.resize(header + static_cast<std::size_t>(n) * size_of(dtype));
  if (n) std::memcpy(&blob[header], data, static_cast<std::size_t>(n) * size_of(dtype));
  write_file(path, blob.data(), blob.size());
}

inline void write_npy(const std::string& path, const AnyTensorView& t) {
  write_npy(path, t.data, t.dtype, npy_shape(t));
}

// The header of a .npy file: dtype, shape, and where the data starts.
struct NpyHeader {
  DType dtype = DType::u8;
  std::vector<std::int64_t> shape;
  std::size_t data_offset = 0;
  std::int64_t elements() const {
    std::int64_t n = 1;
    for (std::int64_t s : shape) n *= s;
    return n;
  }
};

namespace detail {
// Text from a file, for a message: printable ASCII kept, every other byte as \xNN, at
// most 40 characters (errors end up in JSON manifests: they must be valid UTF-8).
inline std::string printable(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < 40; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    }
  }
  return s.size() > 40 ? out + "..." : out;
}

// Parse the preamble and header dict in b[0, n); `name` prefixes errors. Untrusted input:
// every length is checked, shapes must be non-negative and their product must not overflow.
inline NpyHeader parse_npy_header(const unsigned char* b, std::size_t n, const std::string& name) {
  auto bad = [&](const std::string& why) -> Error {
    return Error(name + ": not a readable .npy file (" + why + ")");
  };
  if (n < 10 || std::memcmp(b, "\x93NUMPY", 6) != 0) throw bad("no NUMPY magic");
  const int major = b[6];
  std::size_t header_len = 0, start = 0;
  if (major == 1) {
    header_len = b[8] | (b[9] << 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    if (n < 12) throw bad("truncated header");
    header_len = b[8] | (b[9] << 8) | (b[10] << 16) | (static_cast<std::size_t>(b[11]) << 24);
    start = 12;
  } else {
    throw bad("format version " + std::to_string(major));
  }
  if (n < start + header_len) throw bad("truncated header");
  const std::string h(reinterpret_cast<const char*>(b) + start, header_len);
  auto value_of = [&](const std::string& key) {
    const std::size_t k = h.find("'" + key + "'");
    if (k == std::string::npos) throw bad("no '" + key + "' in header");
    const std::size_t colon = h.find(':', k);
    if (colon == std::string::npos) throw bad("no value for '" + key + "'");
    const std::size_t v = h.find_first_not_of(' ', colon + 1);
    if (v == std::string::npos) throw bad("no value for '" + key + "'");
    return h.substr(v);
  };
  NpyHeader a;
  const std::string descr = value_of("descr");
  const std::size_t quote = descr.find('\'', 1);
  const std::string d = quote == std::string::npos ? descr : descr.substr(1, quote - 1);
  if (d == "|u1" || d == "<u1") a.dtype = DType::u8;
  else if (d == "|i1" || d == "<i1") a.dtype = DType::i8;
  else if (d == "<u2") a.dtype = DType::u16;
  else if (d == "<f2") a.dtype = DType::f16;
  else if (d == "<f4") a.dtype = DType::f32;
  else throw bad("unsupported dtype " + printable(d) + "; expected |u1, |i1, <u2, <f2 or <f4");
  if (value_of("fortran_order").rfind("False", 0) != 0) throw bad("Fortran order");
  const std::string shape = value_of("shape");
  std::int64_t total = 1;
  for (std::size_t i = 1; i < shape.size() && shape[i] != ')';) {
    if (shape[i] >= '0' && shape[i] <= '9') {
      std::int64_t v = 0;
      for (; i < shape.size() && shape[i] >= '0' && shape[i] <= '9'; ++i) {
        v = v * 10 + (shape[i] - '0');
        if (v > (std::int64_t{1} << 40)) throw bad("dimension too large");
      }
      a.shape.push_back(v);
      if (v != 0 && total > (std::int64_t{1} << 50) / v) throw bad("shape too large");
      total *= v;
    } else if (shape[i] == '-') {
      throw bad("negative dimension");
    } else {
      ++i;
    }
  }
  a.data_offset = start + header_len;
  return a;
}
}  // namespace detail

// Parse a .npy file in memory; `name` prefixes errors.
inline NpyArray parse_npy(const std::vector<unsigned char>& b, const std::string& name) {
  const NpyHeader h = detail::parse_npy_header(b.data(), b.size(), name);
  const std::int64_t n = h.elements();
  if (static_cast<std::size_t>(n) * size_of(h.dtype) != b.size() - h.data_offset)
    throw Error(name + ": not a readable .npy file (data size does not match shape and dtype)");
  NpyArray a;
  a.dtype = h.dtype;
  a.shape = h.shape;
  a.bytes.assign(b.begin() + static_cast<std::ptrdiff_t>(h.data_offset), b.end());
  return a;
}

// Read only the header of a .npy file (at most its first 64 KiB), checking that the file
// is as long as the shape says.
inline NpyHeader read_npy_header(const std::string& path) {
  detail::File f = detail::open_or_throw(path, "rb", "open");
  std::vector<unsigned char> head(1 << 16);
  head.resize(std::fread(head.data(), 1, head.size(), f.get()));
  NpyHeader h = detail::parse_npy_header(head.data(), head.size(), path);
  if (std::fseek(f.get(), 0, SEEK_END) != 0)
    throw Error(path + ": cannot seek: " + std::strerror(errno));
  const long size = std::ftell(f.get());
  if (size < 0 || static_cast<std::size_t>(size) - h.data_offset !=
                      static_cast<std::size_t>(h.elements()) * size_of(h.dtype))
    throw Error(path + ": not a readable .npy file (data size does not match shape and dtype)");
  return h;
}

// Read `count` consecutive sub-arrays of the first axis, starting at `first`: for a shape
// (N, ...) the array (count, ...) (only those bytes are read).
inline NpyArray read_npy_rows(const std::string& path, const NpyHeader& h, std::int64_t first,
                              std::int64_t count) {
  if (h.shape.empty() || first < 0 || count < 0 || first + count > h.shape[0])
    throw Error(path, "rows within the first axis",
                "rows " + std::to_string(first) + " + " + std::to_string(count));
  const std::size_t row =
      static_cast<std::size_t>(h.shape[0] ? h.elements() / h.shape[0] : 0) * size_of(h.dtype);
  NpyArray a;
  a.dtype = h.dtype;
  a.shape = h.shape;
  a.shape[0] = count;
  a.bytes.resize(row * static_cast<std::size_t>(count));
  detail::File f = detail::open_or_throw(path, "rb", "open");
  if (std::fseek(f.get(), static_cast<long>(h.data_offset + row * static_cast<std::size_t>(first)),
                 SEEK_SET) != 0 ||
      std::fread(a.bytes.data(), 1, a.bytes.size(), f.get()) != a.bytes.size())
    throw Error(path + ": cannot read: file shorter than its header says");
  return a;
}

inline NpyArray read_npy(const std::string& path) { return parse_npy(read_file(path), path); }

// The images a .npy array holds, as pixfuse reads it: one image (H, W) or (H, W, C), or
// one image per slice of (N, H, W, C); C is 1, 3 or 4, the dtype uint8, uint16 or
// float32, and every image at least 1x1 (a zero dimension is an empty array, not an
// image). Throws an Error naming `name` (the path) otherwise.
struct NpyImages {
  std::int64_t count = 1;  // N for (N, H, W, C), else 1
  bool sliced = false;     // (N, H, W, C): image i is slice i of the first axis
  std::int64_t width = 0, height = 0, channels = 1;
  DType dtype = DType::u8;
  std::int64_t pixels() const { return width * height; }
};

inline NpyImages npy_images(const NpyHeader& h, const std::string& name) {
  NpyImages m;
  const std::size_t dims = h.shape.size();
  auto shape = [&] {
    std::string t = "(";
    for (std::size_t i = 0; i < dims; ++i) t += (i ? ", " : "") + std::to_string(h.shape[i]);
    return t + (dims == 1 ? ",)" : ")");
  };
  if (dims < 2 || dims > 4)
    throw Error(name, "a .npy array of shape (H, W), (H, W, C) or (N, H, W, C)",
                "shape " + shape() + " (" + std::to_string(dims) + " dimensions)");
  if (h.dtype != DType::u8 && h.dtype != DType::u16 && h.dtype != DType::f32)
    throw Error(name, "dtype uint8, uint16 or float32", std::string(pixfuse::name(h.dtype)));
  m.sliced = dims == 4;
  const std::size_t d = m.sliced ? 1 : 0;
  m.count = m.sliced ? h.shape[0] : 1;
  m.height = h.shape[d];
  m.width = h.shape[d + 1];
  m.channels = dims > d + 2 ? h.shape[d + 2] : 1;
  m.dtype = h.dtype;
  if (m.count == 0 || m.width == 0 || m.height == 0)
    throw Error(name, "images of at least 1x1 pixels", "shape " + shape() + " (an empty array)");
  if (m.channels != 1 && m.channels != 3 && m.channels != 4)
    throw Error(name, "1, 3 or 4 channels (the last axis)",
                std::to_string(m.channels) + ", shape " + shape());
  return m;
}

// Float samples pixfuse resamples: finite, of magnitude at most 1e30 (so no weighted sum
// of them overflows float; NaN and infinity have no defined result across SIMD targets).
inline constexpr float max_float_sample = 1e30f;

// Throws (naming `name`) unless every sample of a float32 image is finite and at most
// max_float_sample in magnitude; other dtypes always pass.
inline void check_float_samples(const AnyImageView& v, const std::string& name) {
  if (v.dtype != DType::f32) return;
  for (int y = 0; y < v.height; ++y) {
    const auto* row = reinterpret_cast<const float*>(static_cast<const unsigned char*>(v.data) +
                                                     y * v.row_stride);
    for (int i = 0; i < v.width * v.channels; ++i)
      if (!(std::fabs(row[i]) <= max_float_sample))
        throw Error(name, "finite float32 samples of magnitude at most 1e+30",
                    pixfuse::detail::to_text(row[i], " at row ", y, ", column ", i / v.channels,
                                             ", channel ", i % v.channels));
  }
}

// A view of the image an array read with read_npy_rows(path, h, index, 1) (sliced) or
// read_npy holds; float samples are checked (check_float_samples).
inline AnyImageView npy_image_view(const NpyArray& a, const NpyImages& m, const std::string& name) {
  const AnyImageView v(a.bytes.data(), m.dtype, m.width, m.height, m.channels,
                       m.width * m.channels * static_cast<std::int64_t>(size_of(m.dtype)));
  check_float_samples(v, name);
  return v;
}

}  // namespace pixfuse::io
