// pixfuse-prep's command line: parsing, validation with messages that name the flag,
// and the recipe the flags describe.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "pixfuse/pixfuse.hpp"

namespace prep {

// Invalid command line: exit status 2, message names the flag.
struct UsageError {
  std::string message;
};

struct Size {
  int width = 0, height = 0;
};

struct Options {
  std::vector<std::string> inputs;
  std::string output;
  std::string preset;
  std::optional<Size> resize, crop, letterbox;
  std::optional<int> resize_shorter, resize_longer;
  std::optional<float> pad_value;
  std::optional<pixfuse::Filter> filter;
  std::optional<pixfuse::Compat> compat;
  bool no_antialias = false;
  std::optional<pixfuse::ScaleFactor> scale;
  std::optional<std::vector<float>> mean, std;
  std::optional<bool> bgr;
  std::optional<pixfuse::Layout> layout;
  std::optional<pixfuse::DType> dtype;
  std::string target = "auto";
  bool list_targets = false;
  std::string device = "cpu";  // cpu | cuda | auto (the GPU when there is one)
  int threads = 1;
  std::string manifest;
  bool time = false;
  int repeat = 1;
  bool help = false;
  // The main job: output batches, decoding, limits, reporting.
  std::optional<int> batch;          // rows per output file (OUT_00000.npy, ...); one file if unset
  bool fast_decode = false;          // JPEG DCT scaling when the recipe shrinks enough
  bool fast_decode_pil = false;      // --fast-decode=pil: the scale Pillow's draft() picks
  bool no_region_decode = false;     // decode whole JPEGs even where the plan reads part
  bool no_exif = false;              // ignore EXIF orientation
  std::int64_t max_pixels = 178956970;  // Pillow's DecompressionBombError threshold
  bool no_progress = false;
  bool quiet = false;                // no summary table
};

inline const char* usage_text() {
  return R"(usage: pixfuse-prep [options] INPUT... -o OUT.npy

Decodes images, runs a preprocessing recipe on each and writes one .npy tensor of shape
(N, C, H, W) (or (N, H, W, C)), N = the images that succeeded, in input order.

  INPUT                 image files (always tried), .npy arrays ((H, W, C) or (N, H, W, C),
                        u8 or f32: each slice is one image), directories (searched
                        recursively for .jpg .jpeg .png .bmp .tga .gif, sorted), or @LIST:
                        a text file of paths, one per line (relative to the list's
                        directory; empty lines and lines starting with # are skipped)
  -o, --output OUT.npy  where to write the tensor
  --batch N             one .npy per N images: OUT_00000.npy, OUT_00001.npy, ... (the last
                        may hold fewer); without it one OUT.npy holds every image
  --preset imagenet|clip|yolo
  --resize WxH | --resize-shorter N | --resize-longer N
  --crop WxH            center crop after resizing (N for NxN)
  --letterbox WxH       fit inside, keep aspect, pad the rest (N for NxN); --pad-value V
  --filter nearest|bilinear|bicubic|lanczos3|lanczos4|area|hamming|lanczos5|nearest_exact|linear_exact
  --compat pil|torchvision|opencv|jax        (default pil)
  --no-antialias
  --scale S             applied before mean/std (default 1/255; "1/N" divides by N)
  --mean a,b,c  --std a,b,c
  --channel-order rgb|bgr
  --layout nchw|nhwc    --dtype f32|f16|bf16|u8|i8
  --target NAME         auto (default), or one of --list-targets
  --list-targets        print the targets usable on this CPU, one per line, and exit
  --device cpu|cuda|auto
                        where the preprocess stage runs (default cpu): cuda needs a build
                        with PIXFUSE_CUDA and a GPU, else it fails; auto takes the GPU when
                        there is one and otherwise says so in one line and uses the CPU.
                        Decoding stays on the CPU threads; the GPU takes a chunk at a time
  --threads N           worker threads in all (default 1); images are decoded and
                        preprocessed in parallel, a bounded number of images in flight
  --fast-decode         JPEG: decode at 1/2, 1/4 or 1/8 size by DCT scaling when the recipe
                        shrinks by at least twice as much (libjpeg-turbo builds; different
                        pixels from a full decode, like Pillow's draft())
  --fast-decode=pil     JPEG: decode at the scale Pillow's draft() picks, so the tensor equals
                        Pillow's fast path: im.draft("RGB", (W, H)) with (W, H) the size the
                        resize gives the stored image, convert("RGB"), then the recipe
  --no-region-decode    decode whole JPEGs (by default only the iMCU rows and columns the
                        recipe reads are decoded: same pixels, less work; for comparison)
  --no-exif             ignore the EXIF orientation (default: applied, as exif_transpose)
  --max-pixels N        reject images over N pixels from their header, before decoding
                        (default 178956970, Pillow's decompression bomb limit)
  --no-progress         no progress bar (it is drawn only when stderr is a terminal)
  --quiet               no summary table on stderr
  --manifest PATH       JSON lines: index, path, status, error, width, height (as stored),
                        row, batch, orientation (EXIF 1-8), reduction (DCT scale)
  --time                last line of stdout: JSON {images, failed, repeat, threads, device, total_s,
                        img_per_s, decode_s, preprocess_s, write_s, preprocess_img_per_s,
                        peak_rss_mib (the process's peak resident memory)};
                        decode_s and preprocess_s are summed over the threads
  --repeat K            run the preprocess stage K times (measurement)

--dtype u8 --scale 1 --mean 0 --std 1 writes the resampled pixels themselves.
)";
}

namespace detail {

inline bool parse_int(const std::string& s, int& out) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  out = std::atoi(s.c_str());
  return true;
}

inline bool parse_float(const std::string& s, float& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtof(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

inline Size parse_size(const std::string& flag, const std::string& v, bool allow_square) {
  Size s;
  const auto x = v.find('x');
  if (x == std::string::npos) {
    if (allow_square && parse_int(v, s.width) && s.width > 0) return {s.width, s.width};
  } else if (parse_int(v.substr(0, x), s.width) && parse_int(v.substr(x + 1), s.height) &&
             s.width > 0 && s.height > 0) {
    return s;
  }
  throw UsageError{flag + ": expected WxH with positive integers (e.g. 224x224)" +
                   std::string(allow_square ? " or N" : "") + ", got '" + v + "'"};
}

inline int parse_positive(const std::string& flag, const std::string& v) {
  int n = 0;
  if (!parse_int(v, n) || n <= 0) throw UsageError{flag + ": expected a positive integer, got '" + v + "'"};
  return n;
}

inline std::int64_t parse_positive64(const std::string& flag, const std::string& v) {
  if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos || std::atoll(v.c_str()) <= 0)
    throw UsageError{flag + ": expected a positive integer, got '" + v + "'"};
  return std::atoll(v.c_str());
}

inline std::vector<float> parse_floats(const std::string& flag, const std::string& v) {
  std::vector<float> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = v.find(',', start);
    float f = 0;
    if (!parse_float(v.substr(start, comma - start), f))
      throw UsageError{flag + ": expected 1 to 4 comma-separated numbers (e.g. 0.485,0.456,0.406), got '" + v + "'"};
    out.push_back(f);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (out.size() > 4) throw UsageError{flag + ": expected at most 4 values, got " + std::to_string(out.size())};
  return out;
}

inline pixfuse::ScaleFactor parse_scale(const std::string& v) {
  float f = 0;
  if (v.rfind("1/", 0) == 0 && parse_float(v.substr(2), f) && f != 0) return pixfuse::over(f);
  if (parse_float(v, f)) return pixfuse::ScaleFactor(f);
  throw UsageError{"--scale: expected a number or 1/N (e.g. 1/255), got '" + v + "'"};
}

template <class T, class Parse>
T parse_choice(const std::string& flag, const std::string& v, Parse parse, const char* choices) {
  const auto r = parse(v);
  if (!r) throw UsageError{flag + ": expected one of " + choices + ", got '" + v + "'"};
  return *r;
}

}  // namespace detail

inline Options parse_options(int argc, char** argv) {
  Options o;
  auto value = [&](int& i, const std::string& flag) -> std::string {
    if (i + 1 >= argc) throw UsageError{flag + ": expected a value after it"};
    return argv[++i];
  };
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-o" || a == "--output") o.output = value(i, a);
    else if (a == "--preset") {
      o.preset = value(i, a);
      if (o.preset != "imagenet" && o.preset != "clip" && o.preset != "yolo")
        throw UsageError{"--preset: expected one of imagenet, clip, yolo, got '" + o.preset + "'"};
    } else if (a == "--resize") o.resize = detail::parse_size(a, value(i, a), false);
    else if (a == "--resize-shorter") o.resize_shorter = detail::parse_positive(a, value(i, a));
    else if (a == "--resize-longer") o.resize_longer = detail::parse_positive(a, value(i, a));
    else if (a == "--crop") o.crop = detail::parse_size(a, value(i, a), true);
    else if (a == "--letterbox") o.letterbox = detail::parse_size(a, value(i, a), true);
    else if (a == "--pad-value") {
      float f = 0;
      const std::string v = value(i, a);
      if (!detail::parse_float(v, f)) throw UsageError{"--pad-value: expected a number, got '" + v + "'"};
      o.pad_value = f;
    } else if (a == "--filter")
      o.filter = detail::parse_choice<pixfuse::Filter>(a, value(i, a), pixfuse::parse_filter,
                                                       "nearest, bilinear, bicubic, lanczos3, lanczos4, area, "
                                                       "hamming, lanczos5, nearest_exact, linear_exact");
    else if (a == "--compat")
      o.compat = detail::parse_choice<pixfuse::Compat>(a, value(i, a), pixfuse::parse_compat,
                                                       "pil, torchvision, opencv, jax");
    else if (a == "--no-antialias") o.no_antialias = true;
    else if (a == "--scale") o.scale = detail::parse_scale(value(i, a));
    else if (a == "--mean") o.mean = detail::parse_floats(a, value(i, a));
    else if (a == "--std") o.std = detail::parse_floats(a, value(i, a));
    else if (a == "--channel-order") {
      const std::string v = value(i, a);
      if (v != "rgb" && v != "bgr") throw UsageError{"--channel-order: expected rgb or bgr, got '" + v + "'"};
      o.bgr = v == "bgr";
    } else if (a == "--layout") {
      const std::string v = value(i, a);
      if (v != "nchw" && v != "nhwc") throw UsageError{"--layout: expected nchw or nhwc, got '" + v + "'"};
      o.layout = v == "nchw" ? pixfuse::Layout::nchw : pixfuse::Layout::nhwc;
    } else if (a == "--dtype") {
      const std::string v = value(i, a);
      const auto t = pixfuse::parse_dtype(v);
      if (!t || !pixfuse::is_tensor_dtype(*t))
        throw UsageError{"--dtype: expected one of f32, f16, bf16, u8, i8, got '" + v + "'"};
      o.dtype = *t;
    } else if (a == "--target") o.target = value(i, a);
    else if (a == "--list-targets") o.list_targets = true;
    else if (a == "--device") {
      o.device = value(i, a);
      if (o.device != "cpu" && o.device != "cuda" && o.device != "auto")
        throw UsageError{"--device: expected cpu, cuda or auto, got '" + o.device + "'"};
    }
    else if (a == "--threads") o.threads = detail::parse_positive(a, value(i, a));
    else if (a == "--manifest") o.manifest = value(i, a);
    else if (a == "--time") o.time = true;
    else if (a == "--repeat") o.repeat = detail::parse_positive(a, value(i, a));
    else if (a == "--batch") o.batch = detail::parse_positive(a, value(i, a));
    else if (a == "--fast-decode") o.fast_decode = true;
    else if (a.rfind("--fast-decode=", 0) == 0) {
      if (a != "--fast-decode=pil")
        throw UsageError{"--fast-decode: expected no value or =pil, got '" + a.substr(14) + "'"};
      o.fast_decode = o.fast_decode_pil = true;
    }
    else if (a == "--no-region-decode") o.no_region_decode = true;
    else if (a == "--no-exif") o.no_exif = true;
    else if (a == "--max-pixels") o.max_pixels = detail::parse_positive64(a, value(i, a));
    else if (a == "--no-progress") o.no_progress = true;
    else if (a == "--quiet") o.quiet = true;
    else if (a == "-h" || a == "--help") o.help = true;
    else if (a.size() > 1 && a[0] == '-') throw UsageError{a + ": unknown option (see --help)"};
    else o.inputs.push_back(a);
  }
  if (o.help || o.list_targets) return o;
  if (o.inputs.empty()) throw UsageError{"INPUT: expected at least one image file or directory"};
  if (o.output.empty()) throw UsageError{"-o: expected an output path (e.g. -o batch.npy)"};
  const int geometry = o.resize.has_value() + o.resize_shorter.has_value() + o.resize_longer.has_value() +
                       o.letterbox.has_value();
  if (geometry > 1)
    throw UsageError{"--resize, --resize-shorter, --resize-longer, --letterbox: expected at most one of them, got " +
                     std::to_string(geometry)};
  if (o.pad_value && !o.letterbox && o.preset != "yolo")
    throw UsageError{"--pad-value: only applies with --letterbox"};
  return o;
}

// The recipe the options describe: channels, resize (or letterbox), crop, normalize,
// layout, dtype. A preset fills what the flags leave unset.
inline pixfuse::DynamicRecipe build_recipe(const Options& o) {
  namespace pf = pixfuse;
  pf::Resampling how;
  std::optional<Size> crop = o.crop, letterbox = o.letterbox;
  std::optional<int> shorter = o.resize_shorter;
  std::vector<float> mean{0.0f}, std{1.0f};
  pf::ScaleFactor scale = pf::over(255.0f);
  const bool own_geometry = o.resize || o.resize_shorter || o.resize_longer || o.letterbox;
  if (o.preset == "imagenet" || o.preset == "clip") {
    const bool clip = o.preset == "clip";
    if (!own_geometry) shorter = clip ? 224 : 256;
    if (!crop) crop = Size{224, 224};
    how.filter = clip ? pf::Filter::bicubic : pf::Filter::bilinear;
    const float* m = clip ? pf::presets::clip_mean : pf::presets::imagenet_mean;
    const float* s = clip ? pf::presets::clip_std : pf::presets::imagenet_std;
    mean = {m[0], m[1], m[2]};
    std = {s[0], s[1], s[2]};
  } else if (o.preset == "yolo") {
    if (!own_geometry) letterbox = Size{640, 640};
    how.compat = pf::Compat::opencv;
  }
  if (o.filter) how.filter = *o.filter;
  if (o.compat) how.compat = *o.compat;
  if (o.no_antialias || how.compat == pf::Compat::opencv) how.antialias = false;  // cv::resize never does
  if (o.scale) scale = *o.scale;
  if (o.mean) mean = *o.mean;
  if (o.std) std = *o.std;

  pf::DynamicRecipe r;
  r.add(o.bgr.value_or(false) ? pf::Channels(pf::to_bgr()) : pf::Channels(pf::to_rgb()));
  if (o.resize) r.add(pf::resize(o.resize->width, o.resize->height).resampling(how));
  if (shorter) r.add(pf::resize_shorter(*shorter).resampling(how));
  if (o.resize_longer) r.add(pf::resize_longer(*o.resize_longer).resampling(how));
  if (letterbox) r.add(pf::letterbox(letterbox->width, letterbox->height, o.pad_value.value_or(114.0f)).resampling(how));
  if (crop) r.add(pf::center_crop(crop->width, crop->height));
  if (mean.size() != std.size() && mean.size() != 1 && std.size() != 1)
    throw UsageError{"--mean, --std: expected the same number of values (or one of either), got " +
                     std::to_string(mean.size()) + " and " + std::to_string(std.size())};
  pf::Normalize n;
  n.scale = scale;
  n.count = static_cast<int>(std::max(mean.size(), std.size()));
  for (std::size_t c = 0; c < 4; ++c) {
    n.mean[c] = mean[mean.size() == 1 ? 0 : std::min(c, mean.size() - 1)];
    n.std[c] = std[std.size() == 1 ? 0 : std::min(c, std.size() - 1)];
    if (!(n.std[c] != 0.0f)) throw UsageError{"--std: expected non-zero values"};
  }
  r.add(n);
  r.add(pf::layout(o.layout.value_or(pf::Layout::nchw)));
  r.add(pf::cast(o.dtype.value_or(pf::DType::f32)));
  return r;
}

}  // namespace prep
