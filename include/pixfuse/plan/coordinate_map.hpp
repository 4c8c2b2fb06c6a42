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
#include "pixfuse/plan/transform.hpp"

namespace pixfuse {

class CoordinateMap {
 public:
  CoordinateMap() = default;
  CoordinateMap(int source_size, const char* axis_name)
      : axis_(axis_name), source_size_(source_size), window_length_(source_size),
        length_(source_size), resized_length_(source_size), valid_end_(source_size) {}

  int length() const { return length_; }  // current output length
  bool resized() const { return resized_; }
  int window_length() const { return window_length_; }
  int resized_length() const { return resized_length_; }

  // A crop [begin, begin + size) of the current image. Before the resize, a crop inside
  // the image narrows the window that is resized; after it (or when the crop reaches
  // outside the image, which pads with zeros) it selects output indices.
  void crop(std::int64_t begin, std::int64_t size, const std::string& stage) {
    if (size <= 0) detail::fail_mismatch(stage + " " + axis_ + " size", "> 0", size);
    if (!resized_ && begin >= 0 && begin + size <= window_length_) {
      // A crop of a mirrored window is measured from the window's far end.
      window_offset_ += mirrored_ ? window_length_ - static_cast<int>(begin + size)
                                  : static_cast<int>(begin);
      window_length_ = static_cast<int>(size);
      length_ = resized_length_ = valid_end_ = window_length_;
      return;
    }
    close_window();
    offset_ += sign_ * static_cast<int>(begin);
    valid_begin_ = static_cast<int>(std::max<std::int64_t>(valid_begin_ - begin, 0));
    valid_end_ = static_cast<int>(std::min<std::int64_t>(valid_end_ - begin, size));
    if (valid_end_ < valid_begin_) valid_end_ = valid_begin_;
    length_ = static_cast<int>(size);
  }

  void pad(int before, int after, const std::string& stage) {
    if (before < 0 || after < 0)
      detail::fail_mismatch(stage + " " + axis_ + " padding", ">= 0",
                            detail::to_text(before, " and ", after));
    close_window();
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
    const int begin = length_ - valid_end_, end = length_ - valid_begin_;
    valid_begin_ = begin;
    valid_end_ = end;
  }

  void resize(int new_length, const std::string& stage) {
    if (resized_)
      throw Error(stage + ": pixfuse resamples once per recipe, before any padding; this recipe "
                  "already resized, padded or cropped outside the image");
    if (new_length <= 0) detail::fail_mismatch(stage + " " + axis_, "> 0", new_length);
    resized_ = true;
    resized_length_ = length_ = valid_end_ = new_length;
  }

  bool has_padding() const { return valid_begin_ > 0 || valid_end_ < length_; }

  // Folds the resize taps (window-relative) into absolute source taps per output index.
  AxisTaps lower(const ResizeTaps& r) const {
    AxisTaps a;
    a.out_size = length_;
    a.valid_begin = valid_begin_;
    a.valid_end = valid_end_;
    a.clamp_begin = window_offset_;
    a.clamp_end = window_offset_ + window_length_;
    a.resized_size = resized_length_;
    a.max_taps = r.max_taps;
    a.precision_bits = r.precision_bits;
    a.reversed = mirrored_;
    a.identity = r.identity && !mirrored_ && window_offset_ == 0 &&
                 window_length_ == source_size_ && sign_ == 1 && offset_ == 0 &&
                 !has_padding() && length_ == source_size_;
    const auto K = static_cast<std::size_t>(r.max_taps);
    const auto L = static_cast<std::size_t>(length_);
    a.first.assign(L, 0);
    a.count.assign(L, 0);
    a.resized.assign(L, 0);
    a.weights.assign(L * K, 0.0);
    if (!r.fixed.empty()) a.fixed.assign(L * K, 0);
    for (int o = valid_begin_; o < valid_end_; ++o) {
      const auto u = static_cast<std::size_t>(o);
      const auto t = static_cast<std::size_t>(sign_ * o + offset_);  // resized index
      const int n = r.count[t], f = r.first[t];
      a.count[u] = n;
      a.resized[u] = static_cast<std::int32_t>(t);
      // Mirrored window: window index j is absolute offset + length - 1 - j, so the taps
      // run backwards; store them ascending with the weights reversed.
      a.first[u] = mirrored_ ? window_offset_ + window_length_ - f - n : window_offset_ + f;
      for (int k = 0; k < n; ++k) {
        const std::size_t from = t * K + static_cast<std::size_t>(mirrored_ ? n - 1 - k : k);
        a.weights[u * K + static_cast<std::size_t>(k)] = r.weights[from];
        if (!r.fixed.empty()) a.fixed[u * K + static_cast<std::size_t>(k)] = r.fixed[from];
      }
    }
    return a;
  }

  // Output pixel-edge coordinate -> upright source coordinate.
  AxisTransform transform() const {
    AxisTransform t;
    const double ratio = static_cast<double>(window_length_) / resized_length_;
    // Resized edge coordinate: o + offset, or offset + 1 - o when flipped after the resize.
    t.offset = sign_ > 0 ? -offset_ : offset_ + 1;
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
  int window_offset_ = 0, window_length_ = 0;
  bool mirrored_ = false;
  bool resized_ = false;
  int length_ = 0, resized_length_ = 0;
  int sign_ = 1, offset_ = 0;
  int valid_begin_ = 0, valid_end_ = 0;
};

}  // namespace pixfuse
