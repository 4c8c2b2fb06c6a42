// CoordinateMap: how one output axis maps to the source, built stage by stage while a
// recipe is lowered, then turned into that axis's taps.
//
//   source window   the part of the (upright) source that is resized: an offset, a length
//                   and whether it is mirrored (crops and flips before the resize)
//   resize          window length -> resized length (one resize per recipe)
//   output map      output index o -> resized index t = sign * o + offset, valid for o in
//                   [valid_begin, valid_end), padding elsewhere (crops, pads and flips after
//                   the resize)
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "pixfuse/core/error.hpp"
#include "pixfuse/plan/axis.hpp"
#include "pixfuse/plan/limits.hpp"
#include "pixfuse/plan/transform.hpp"

namespace pixfuse {

class CoordinateMap {
 public:
  CoordinateMap() = default;
  CoordinateMap(int source_size, const char* axis_name)
      : axis_(axis_name),
        source_size_(source_size),
        window_length_(source_size),
        length_(source_size),
        resized_length_(source_size),
        valid_end_(source_size) {}

  int length() const { return static_cast<int>(length_); }  // current output length
  int window_length() const { return window_length_; }
  int resized_length() const { return static_cast<int>(resized_length_); }

  // A crop [begin, begin + size) of the current image. Before the resize, a crop inside
  // the image narrows the window that is resized; after it (or when the crop reaches
  // outside the image, which pads with zeros) it selects output indices.
  void crop(std::int64_t begin, std::int64_t size, const std::string& stage) {
    if (size <= 0) detail::fail_mismatch(stage + " " + axis_ + " size", "> 0", size);
    // Offsets beyond this only ever select padding; keeping them bounded keeps every
    // sum below in 64 bits.
    constexpr std::int64_t far = std::int64_t{1} << 40;
    if (begin < -far || begin > far)
      detail::fail_mismatch(stage + " " + axis_ + " offset", detail::to_text("within +-", far),
                            begin);
    if (size > far) limits::check_extent(size, stage + " " + axis_ + " size");
    if (!resized_ && begin >= 0 && begin + size <= window_length_) {
      // A crop of a mirrored window is measured from the window's far end.
      window_offset_ +=
          mirrored_ ? window_length_ - static_cast<int>(begin + size) : static_cast<int>(begin);
      window_length_ = static_cast<int>(size);
      length_ = resized_length_ = valid_end_ = window_length_;
      return;
    }
    limits::check_extent(size, stage + " " + axis_ + " size");
    close_window();
    offset_ += sign_ * begin;
    valid_begin_ = std::max<std::int64_t>(valid_begin_ - begin, 0);
    valid_end_ = std::min<std::int64_t>(valid_end_ - begin, size);
    if (valid_end_ < valid_begin_) valid_end_ = valid_begin_;
    length_ = size;
  }

  void pad(int before, int after, const std::string& stage) {
    if (before < 0 || after < 0)
      detail::fail_mismatch(stage + " " + axis_ + " padding", ">= 0",
                            detail::to_text(before, " and ", after));
    close_window();
    limits::check_extent(length_ + before + after, stage + " " + axis_,
                         detail::to_text("(", length_, " padded by ", before, " and ", after, ")"));
    offset_ -= sign_ * before;
    valid_begin_ += before;
    valid_end_ += before;
    length_ += before + after;
  }

  void flip() {
    if (!resized_) {
      mirrored_ = !mirrored_;
      return;
    }
    // o -> length - 1 - o
    offset_ += sign_ * (length_ - 1);
    sign_ = -sign_;
    const std::int64_t begin = length_ - valid_end_, end = length_ - valid_begin_;
    valid_begin_ = begin;
    valid_end_ = end;
  }

  // Resize the window to new_length samples; `context` says where the length came from
  // (the input's size, the stage's rule) for the error when it is out of bounds.
  void resize(std::int64_t new_length, const std::string& stage, const std::string& context = {}) {
    if (resized_)
      throw Error(stage + ": pixfuse resamples once per recipe, before any padding; this recipe "
                          "already resized, padded or cropped outside the image");
    if (new_length <= 0) detail::fail_mismatch(stage + " " + axis_, "> 0", new_length);
    limits::check_extent(new_length, stage + " " + axis_, context);
    resized_ = true;
    resized_length_ = length_ = valid_end_ = new_length;
  }

  bool has_padding() const { return valid_begin_ > 0 || valid_end_ < length_; }

  // The resized indices the valid outputs show: the only rows of the resampling matrix
  // lowering computes.
  Rows resized_rows() const {
    if (valid_end_ <= valid_begin_) return {0, 0};
    const std::int64_t a = sign_ * valid_begin_ + offset_, b = sign_ * (valid_end_ - 1) + offset_;
    return {static_cast<int>(std::min(a, b)), static_cast<int>(std::max(a, b)) + 1};
  }

  // Folds the resize taps (window-relative) into absolute source taps per output index.
  AxisTaps lower(const ResizeTaps& r) const {
    limits::check_extent(length_, std::string("output ") + axis_);
    if (length_ * r.max_taps > limits::max_axis_taps)
      detail::fail_mismatch(std::string("output ") + axis_ + " taps",
                            detail::to_text("at most ", limits::max_axis_taps,
                                            " (output length x taps per output)"),
                            detail::to_text(length_, " x ", r.max_taps));
    AxisTaps a;
    a.out_size = static_cast<int>(length_);
    a.valid_begin = static_cast<int>(valid_begin_);
    a.valid_end = static_cast<int>(valid_end_);
    a.clamp_begin = window_offset_;
    a.clamp_end = window_offset_ + window_length_;
    a.resized_size = static_cast<int>(resized_length_);
    a.max_taps = r.max_taps;
    a.precision_bits = r.precision_bits;
    a.reversed = mirrored_;
    a.identity = r.identity && !mirrored_ && window_offset_ == 0 &&
                 window_length_ == source_size_ && sign_ == 1 && offset_ == 0 && !has_padding() &&
                 length_ == source_size_;
    const auto K = static_cast<std::size_t>(r.max_taps);
    const auto L = static_cast<std::size_t>(length_);
    a.first.assign(L, 0);
    a.count.assign(L, 0);
    a.resized.assign(L, 0);
    a.weights.assign(L * K, 0.0);
    if (!r.fixed.empty()) a.fixed.assign(L * K, 0);
    for (std::int64_t o = valid_begin_; o < valid_end_; ++o) {
      const auto u = static_cast<std::size_t>(o);
      const int t = static_cast<int>(sign_ * o + offset_);  // resized index
      const std::size_t row = r.slot(t);
      const int n = r.count[row], f = r.first[row];
      a.count[u] = n;
      a.resized[u] = t;
      // Mirrored window: window index j is absolute offset + length - 1 - j, so the taps
      // run backwards; store them ascending with the weights reversed.
      a.first[u] = mirrored_ ? window_offset_ + window_length_ - f - n : window_offset_ + f;
      for (int k = 0; k < n; ++k) {
        const std::size_t from = row * K + static_cast<std::size_t>(mirrored_ ? n - 1 - k : k);
        a.weights[u * K + static_cast<std::size_t>(k)] = r.weights[from];
        if (!r.fixed.empty()) a.fixed[u * K + static_cast<std::size_t>(k)] = r.fixed[from];
      }
    }
    return a;
  }

  // Output pixel-edge coordinate -> upright source coordinate.
  AxisTransform transform() const {
    AxisTransform t;
    const double ratio = static_cast<double>(window_length_) / static_cast<double>(resized_length_);
    // Resized edge coordinate: o + offset, or offset + 1 - o when flipped after the resize.
    t.offset = sign_ > 0 ? static_cast<double>(-offset_) : static_cast<double>(offset_ + 1);
    t.scale = sign_ * ratio;
    t.origin = window_offset_;
    if (mirrored_) {
      t.scale = -t.scale;
      t.origin = window_offset_ + window_length_;
    }
    return t;
  }

 private:
  // The stages from here on work in output coordinates: a recipe without a resize
  // "resizes" the window to its own size.
  void close_window() {
    if (!resized_) {
      resized_ = true;
      resized_length_ = length_ = valid_end_ = window_length_;
    }
  }

  std::string axis_ = "x";
  int source_size_ = 0;
  // The window is part of the source, so its numbers fit in int; the rest is 64-bit and
  // bounded by limits::max_extent (lengths) or by crop's +-2^40 (offsets).
  int window_offset_ = 0, window_length_ = 0;
  bool mirrored_ = false;
  bool resized_ = false;
  std::int64_t length_ = 0, resized_length_ = 0;
  std::int64_t sign_ = 1, offset_ = 0;
  std::int64_t valid_begin_ = 0, valid_end_ = 0;
};

}  // namespace pixfuse
