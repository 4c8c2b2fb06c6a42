// Streaming .npy writer: rows (slices of the first axis) are appended as they are ready,
// so a tensor of a million images never has to be in memory at once. The header is
// written with room for any row count and rewritten with the final count by finish();
// until then the data goes to PATH.partial, renamed to PATH on finish() and removed if
// the writer is destroyed unfinished (no half-written tensor under the real name).
// A PATH that exists and is not a regular file (/dev/null, a device) is written in place:
// renaming over it would replace the device node with a file.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "pixfuse/core/dtype.hpp"
#include "pixfuse/core/error.hpp"
#include "pixfuse/io/file.hpp"
#include "pixfuse/io/npy.hpp"

namespace pixfuse::io {

class NpyWriter {
 public:
  // row_shape: the shape of one row, e.g. (C, H, W) for a batch of NCHW images.
  NpyWriter(std::string path, DType dtype, std::vector<std::int64_t> row_shape)
      : path_(std::move(path)), dtype_(dtype), row_shape_(std::move(row_shape)) {
    std::error_code ec;
    const auto kind = std::filesystem::status(path_, ec).type();
    in_place_ = !ec && kind != std::filesystem::file_type::not_found &&
                kind != std::filesystem::file_type::regular;
    partial_ = in_place_ ? path_ : path_ + ".partial";
    row_bytes_ = size_of(dtype_);
    for (std::int64_t s : row_shape_) row_bytes_ *= static_cast<std::size_t>(s);
    file_ = detail::open_or_throw(partial_, "wb", "create");
    header_len_ = header(std::int64_t{999999999999}).size();  // room for any count
    write(std::string(header_len_, ' '));
  }
  NpyWriter(const NpyWriter&) = delete;
  NpyWriter& operator=(const NpyWriter&) = delete;
  ~NpyWriter() {
    if (file_) {
      file_.reset();
      if (!in_place_) std::remove(partial_.c_str());
    }
  }

  // Append `count` rows of row_bytes() each.
  void append(const void* rows, std::size_t count) {
    if (count == 0) return;
    if (std::fwrite(rows, row_bytes_, count, file_.get()) != count)
      throw Error(partial_ + ": cannot write: " + std::strerror(errno));
    rows_ += static_cast<std::int64_t>(count);
  }
  std::size_t row_bytes() const noexcept { return row_bytes_; }
  std::int64_t rows() const noexcept { return rows_; }
  const std::string& path() const noexcept { return path_; }

  // Write the final header and move the file to its name.
  void finish() {
    const std::string h = header(rows_);
    if (std::fseek(file_.get(), 0, SEEK_SET) != 0)
      throw Error(partial_ +
                  ": cannot seek (the .npy header is written last; write to a regular file): " +
                  std::strerror(errno));
    write(h);
    if (std::fclose(file_.release()) != 0)
      throw Error(partial_ + ": cannot write: " + std::strerror(errno));
    if (in_place_) return;
    if (std::rename(partial_.c_str(), path_.c_str()) != 0)
      throw Error(path_ + ": cannot create (rename from .partial): " + std::strerror(errno));
  }

 private:
  // The header for `rows` rows, padded with spaces to header_len_ once that is known.
  std::string header(std::int64_t rows) const {
    std::vector<std::int64_t> shape{rows};
    shape.insert(shape.end(), row_shape_.begin(), row_shape_.end());
    std::string h = detail::npy_header(dtype_, shape);
    if (header_len_ > h.size()) {
      h.insert(h.size() - 1, header_len_ - h.size(), ' ');  // before the final '\n'
      const std::size_t dict = h.size() - 10;
      h[8] = static_cast<char>(dict & 0xFF);
      h[9] = static_cast<char>((dict >> 8) & 0xFF);
    }
    return h;
  }
  void write(const std::string& s) {
    if (std::fwrite(s.data(), 1, s.size(), file_.get()) != s.size())
      throw Error(partial_ + ": cannot write: " + std::strerror(errno));
  }

  std::string path_, partial_;
  DType dtype_;
  std::vector<std::int64_t> row_shape_;
  std::size_t row_bytes_ = 0;
  std::size_t header_len_ = 0;
  std::int64_t rows_ = 0;
  bool in_place_ = false;  // PATH is not a regular file: no .partial, no rename
  detail::File file_;
};

}  // namespace pixfuse::io
