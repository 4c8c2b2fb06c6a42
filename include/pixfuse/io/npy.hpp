// NumPy .npy files (format 1.0, little-endian, C order): write a tensor, read an array.
//
// Element types map to numpy's: u8 '|u1', i8 '|i1', u16 '<u2', f16 '<f2', f32 '<f4'.
// numpy has no bfloat16, so bf16 is written as its bit pattern, '<u2'
// (torch: torch.from_numpy(a).view(torch.bfloat16)).
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "pixfuse/core/dtype.hpp"
#include "pixfuse/core/error.hpp"
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
  std::string dict = std::string("{'descr': '") + npy_descr(dtype) +
                     "', 'fortran_order': False, 'shape': (";
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
// Parse the preamble and header dict in b[0, n); `name` prefixes errors. Untrusted input:
// every length is checked, shapes must be non-negative and their product must not overflow.
inline NpyHeader parse_npy_header(const unsigned char* b, std::size_t n, const std::string& name) {
  auto bad = [&](const std::string& why) -> Error { return Error(name + ": not a readable .npy file (" + why + ")"); };
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
  else throw bad("unsupported dtype " + d + "; expected |u1, |i1, <u2, <f2 or <f4");
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
  if (std::fseek(f.get(), 0, SEEK_END) != 0) throw Error(path + ": cannot seek: " + std::strerror(errno));
  const long size = std::ftell(f.get());
  if (size < 0 || static_cast<std::size_t>(size) - h.data_offset !=
                      static_cast<std::size_t>(h.elements()) * size_of(h.dtype))
    throw Error(path + ": not a readable .npy file (data size does not match shape and dtype)");
  return h;
}

// Read `count` consecutive sub-arrays of the first axis, starting at `first`: for a shape
// (N, ...) the array (count, ...) (only those bytes are read).
inline NpyArray read_npy_rows(const std::string& path, const NpyHeader& h, std::int64_t first, std::int64_t count) {
  if (h.shape.empty() || first < 0 || count < 0 || first + count > h.shape[0])
    throw Error(path, "rows within the first axis", "rows " + std::to_string(first) + " + " + std::to_string(count));
  const std::size_t row = static_cast<std::size_t>(h.shape[0] ? h.elements() / h.shape[0] : 0) * size_of(h.dtype);
  NpyArray a;
  a.dtype = h.dtype;
  a.shape = h.shape;
  a.shape[0] = count;
  a.bytes.resize(row * static_cast<std::size_t>(count));
  detail::File f = detail::open_or_throw(path, "rb", "open");
  if (std::fseek(f.get(), static_cast<long>(h.data_offset + row * static_cast<std::size_t>(first)), SEEK_SET) != 0 ||
      std::fread(a.bytes.data(), 1, a.bytes.size(), f.get()) != a.bytes.size())
    throw Error(path + ": cannot read: file shorter than its header says");
  return a;
}

inline NpyArray read_npy(const std::string& path) { return parse_npy(read_file(path), path); }

}  // namespace pixfuse::io
