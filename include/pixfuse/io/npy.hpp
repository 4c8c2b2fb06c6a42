// NumPy .npy files (format 1.0, little-endian, C order): write a tensor, read an array.
//
// Element types map to numpy's: u8 '|u1', i8 '|i1', u16 '<u2', f16 '<f2', f32 '<f4'.
// numpy has no bfloat16, so bf16 is written as its bit pattern, '<u2'
// (torch: torch.from_numpy(a).view(torch.bfloat16)).
#pragma once

#include <cstdint>
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

// Parse a .npy file in memory; `name` prefixes errors.
inline NpyArray parse_npy(const std::vector<unsigned char>& b, const std::string& name) {
  auto bad = [&](const std::string& why) -> Error { return Error(name + ": not a readable .npy file (" + why + ")"); };
  if (b.size() < 10 || std::memcmp(b.data(), "\x93NUMPY", 6) != 0) throw bad("no NUMPY magic");
  const int major = b[6];
  std::size_t header_len = 0, start = 0;
  if (major == 1) {
    header_len = b[8] | (b[9] << 8);
    start = 10;
  } else if (major == 2 || major == 3) {
    if (b.size() < 12) throw bad("truncated header");
    header_len = b[8] | (b[9] << 8) | (b[10] << 16) | (static_cast<std::size_t>(b[11]) << 24);
    start = 12;
  } else {
    throw bad("format version " + std::to_string(major));
  }
  if (b.size() < start + header_len) throw bad("truncated header");
  const std::string h(reinterpret_cast<const char*>(b.data()) + start, header_len);
  auto value_of = [&](const std::string& key) {
    const std::size_t k = h.find("'" + key + "'");
    if (k == std::string::npos) throw bad("no '" + key + "' in header");
    const std::size_t colon = h.find(':', k);
    std::size_t v = h.find_first_not_of(' ', colon + 1);
    return h.substr(v);
  };
  NpyArray a;
  const std::string descr = value_of("descr");
  const std::string d = descr.substr(1, descr.find('\'', 1) - 1);
  if (d == "|u1" || d == "<u1") a.dtype = DType::u8;
  else if (d == "|i1" || d == "<i1") a.dtype = DType::i8;
  else if (d == "<u2") a.dtype = DType::u16;
  else if (d == "<f2") a.dtype = DType::f16;
  else if (d == "<f4") a.dtype = DType::f32;
  else throw bad("unsupported dtype " + d + "; expected |u1, |i1, <u2, <f2 or <f4");
  if (value_of("fortran_order").rfind("False", 0) != 0) throw bad("Fortran order");
  const std::string shape = value_of("shape");
  std::size_t i = 1;
  while (i < shape.size() && shape[i] != ')') {
    if (shape[i] >= '0' && shape[i] <= '9') {
      std::size_t used = 0;
      a.shape.push_back(std::stoll(shape.substr(i), &used));
      i += used;
    } else {
      ++i;
    }
  }
  const std::size_t data_start = start + header_len;
  const std::int64_t n = a.elements();
  if (n < 0 || static_cast<std::size_t>(n) * size_of(a.dtype) != b.size() - data_start)
    throw bad("data size does not match shape and dtype");
  a.bytes.assign(b.begin() + static_cast<std::ptrdiff_t>(data_start), b.end());
  return a;
}

inline NpyArray read_npy(const std::string& path) { return parse_npy(read_file(path), path); }

}  // namespace pixfuse::io
