// Whole-file reads and writes with errors that name the path and the reason.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "pixfuse/core/error.hpp"

namespace pixfuse::io {

namespace detail {
struct FileCloser {
  void operator()(std::FILE* f) const noexcept { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

inline File open_or_throw(const std::string& path, const char* mode, const char* verb) {
  std::FILE* f = std::fopen(path.c_str(), mode);
  if (f == nullptr) throw Error(path + ": cannot " + verb + ": " + std::strerror(errno));
  return File(f);
}
}  // namespace detail

inline std::vector<unsigned char> read_file(const std::string& path) {
  detail::File f = detail::open_or_throw(path, "rb", "open");
  std::vector<unsigned char> bytes;
  unsigned char chunk[1 << 16];
  for (;;) {
    const std::size_t n = std::fread(chunk, 1, sizeof chunk, f.get());
    bytes.insert(bytes.end(), chunk, chunk + n);
    if (n < sizeof chunk) break;
  }
  if (std::ferror(f.get())) throw Error(path + ": cannot read: " + std::strerror(errno));
  return bytes;
}

// Reads the whole file into `buffer`, which keeps its memory from call to call (a worker
// reading image after image allocates only when a file is larger than any before it);
// returns the file's length. buffer.size() may exceed it: the bytes past it are stale.
inline std::size_t read_file_into(const std::string& path, std::vector<unsigned char>& buffer) {
  detail::File f = detail::open_or_throw(path, "rb", "open");
  std::size_t length = 0;
  for (;;) {
    if (buffer.size() - length < (1 << 16))
      buffer.resize(std::max<std::size_t>(2 * buffer.size(), length + (1 << 16)));
    const std::size_t want = buffer.size() - length;
    const std::size_t n = std::fread(buffer.data() + length, 1, want, f.get());
    length += n;
    if (n < want) break;
  }
  if (std::ferror(f.get())) throw Error(path + ": cannot read: " + std::strerror(errno));
  return length;
}

inline void write_file(const std::string& path, const void* data, std::size_t size) {
  detail::File f = detail::open_or_throw(path, "wb", "create");
  if (size != 0 && std::fwrite(data, 1, size, f.get()) != size)
    throw Error(path + ": cannot write: " + std::strerror(errno));
  if (std::fclose(f.release()) != 0) throw Error(path + ": cannot write: " + std::strerror(errno));
}

}  // namespace pixfuse::io
