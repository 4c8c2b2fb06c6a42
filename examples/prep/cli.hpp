// pixfuse-prep's command line: CLI11 reads the flags (and environment variables and a
// --config file), this file checks every value with a message that names the flag, and
// turns the flags into a recipe: a preset or a recipe file (or the plain default) as the
// base, with the flags given on top.
#pragma once

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "pixfuse/cpus.hpp"
#include "pixfuse/io/plan_decode.hpp"
#include "pixfuse/pixfuse.hpp"
#include "pixfuse/plan/compat/supports.hpp"
#include "pixfuse/recipe/json.hpp"

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
  std::string recipe_file;  // --recipe FILE.json
  bool print_recipe = false;
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
  int threads = 1;             // set to available_cpus() unless given
  std::string manifest;
  bool time = false;
  int repeat = 1;
  bool help = false;
  // The main job: output batches, decoding, limits, reporting.
  std::optional<int> batch;  // rows per output file (OUT_00000.npy, ...); one file if unset
  // JPEG DCT scaling: --fast-decode (conservative: while the recipe still shrinks by 2r)
  // or --fast-decode=pil (the scale Pillow's draft() picks).
  pixfuse::io::FastDecode fast_decode = pixfuse::io::FastDecode::off;
  bool no_region_decode = false;        // decode whole JPEGs even where the plan reads part
  bool no_exif = false;                 // ignore EXIF orientation
  std::int64_t max_pixels = 178956970;  // Pillow's DecompressionBombError threshold
  bool no_progress = false;
  bool quiet = false;  // no summary table
};

// The --filter entry of the help: each convention's filters, from the library's table
// (pixfuse::filters_of, plan/compat/supports.hpp), so the help cannot drift from it.
inline std::string filter_help() {
  std::string s = "  --filter F            the resize filter; each --compat has its own:\n";
  for (pixfuse::Compat c : pixfuse::all_compats) {
    s += "                        " + std::string(pixfuse::name(c)) + ":";
    const char* separator = " ";
    for (pixfuse::Filter f : pixfuse::filters_of(c)) {
      s += separator;
      s += pixfuse::name(f);
      separator = "|";
    }
    s += "\n";
  }
  return s;
}

inline std::string usage_text() {
  // clang-format off
  return R"(usage: pixfuse-prep [options] INPUT... -o OUT.npy

Decodes images, runs a preprocessing recipe on each and writes one .npy tensor of shape
(N, C, H, W) (or (N, H, W, C)), N = the images that succeeded, in input order.

  INPUT                 image files (always tried), .npy arrays ((H, W, C) or (N, H, W, C),
                        u8, u16 or f32: each slice is one image), directories (searched
                        recursively for .jpg .jpeg .png .bmp .tga .gif, sorted), or @LIST:
                        a text file of paths, one per line (relative to the list's
                        directory; empty lines and lines starting with # are skipped)
  -o, --output OUT.npy  where to write the tensor
  --batch N             one .npy per N images: OUT_00000.npy, OUT_00001.npy, ... (the last
                        may hold fewer); without it one OUT.npy holds every image
Recipe (a preset or a recipe file is the base; the flags below change it):
  --preset imagenet|clip|yolo
  --recipe FILE.json    a recipe file (pixfuse_recipe version 1; see --print-recipe)
  --print-recipe        print the recipe the other flags describe as JSON, and exit
                        (e.g. --preset clip --dtype f16 --print-recipe > clip16.json)
  --resize WxH | --resize-shorter N | --resize-longer N
  --crop WxH            center crop after resizing (N for NxN)
  --letterbox WxH       fit inside, keep aspect, pad the rest (N for NxN); --pad-value V
  --compat pil|torchvision|opencv|jax        (default pil)
)" + filter_help() + R"(  --no-antialias
  --scale S             applied before mean/std (default 1/255; "1/N" divides by N)
  --mean a,b,c  --std a,b,c
  --channel-order rgb|bgr
  --layout nchw|nhwc    --dtype f32|f16|bf16|u8|i8
Running:
  --threads N           threads in all (default: the CPUs this process may use, from its
                        affinity mask and cgroup CPU quota); each decodes and preprocesses
                        whole images, a bounded number of images in flight
  --target NAME         auto (default), or one of --list-targets
  --list-targets        print the targets usable on this CPU, one per line, and exit
  --device cpu|cuda|auto
                        where the preprocess stage runs (default cpu): cuda needs a build
                        with PIXFUSE_CUDA and a GPU, else it fails; auto takes the GPU when
                        there is one and otherwise says so in one line and uses the CPU.
                        Decoding stays on the CPU threads; the GPU takes a batch at a time
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
Reporting:
  --no-progress         no progress bar (it is drawn only when stderr is a terminal)
  --quiet               no summary table on stderr
  --manifest PATH       JSON lines: index, path, status, error, width, height (as stored),
                        row, batch, orientation (EXIF 1-8), reduction (DCT scale), decoder
  --time                last line of stdout: JSON {images, failed, repeat, threads, device, decoders,
                        total_s, img_per_s, decode_s, preprocess_s, write_s, wait_s,
                        preprocess_img_per_s, peak_rss_mib (the process's peak resident
                        memory)}; decode_s and preprocess_s are summed over the threads
  --repeat K            run the preprocess stage K times (measurement)
Configuration:
  --config FILE         read options from a TOML or INI file: one `name = value` per line,
                        with the long flag's name (threads = 8, preset = "clip", fast-decode = true,
                        fast-decode = "pil")
  Environment: PIXFUSE_THREADS, PIXFUSE_PRESET, PIXFUSE_RECIPE, PIXFUSE_DEVICE, PIXFUSE_TARGET,
  PIXFUSE_BATCH, PIXFUSE_MAX_PIXELS, PIXFUSE_FAST_DECODE (true, false or pil),
  PIXFUSE_NO_REGION_DECODE, PIXFUSE_NO_EXIF, PIXFUSE_NO_PROGRESS, PIXFUSE_QUIET set the flag
  of that name. A flag on the command line wins over the
  environment, which wins over the --config file.

--dtype u8 --scale 1 --mean 0 --std 1 writes the resampled pixels themselves.
Exit status: 0 when at least one image was written, 1 when none was, 2 for invalid arguments.
)";
  // clang-format on
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
  if (!parse_int(v, n) || n <= 0)
    throw UsageError{flag + ": expected a positive integer, got '" + v + "'"};
  return n;
}

inline std::int64_t parse_positive64(const std::string& flag, const std::string& v) {
  if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos ||
      std::atoll(v.c_str()) <= 0)
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
      throw UsageError{flag +
                       ": expected 1 to 4 comma-separated numbers (e.g. 0.485,0.456,0.406), got '" +
                       v + "'"};
    out.push_back(f);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (out.size() > 4)
    throw UsageError{flag + ": expected at most 4 values, got " + std::to_string(out.size())};
  return out;
}

inline pixfuse::ScaleFactor parse_scale(const std::string& v) {
  float f = 0;
  if (v.rfind("1/", 0) == 0 && parse_float(v.substr(2), f) && f != 0) return pixfuse::over(f);
  if (parse_float(v, f)) return pixfuse::ScaleFactor(f);
  throw UsageError{"--scale: expected a number or 1/N (e.g. 1/255), got '" + v + "'"};
}

// "a, b, c": the names of every value of an enum (pixfuse::all_filters, all_compats).
template <class E, std::size_t N>
std::string names(const E (&values)[N]) {
  std::string s;
  for (std::size_t i = 0; i < N; ++i) s += (i ? ", " : "") + std::string(pixfuse::name(values[i]));
  return s;
}

template <class T, class Parse>
T parse_choice(const std::string& flag, const std::string& v, Parse parse,
               const std::string& choices) {
  const auto r = parse(v);
  if (!r) throw UsageError{flag + ": expected one of " + choices + ", got '" + v + "'"};
  return *r;
}

// A flag's value from the command line, the environment or a config file: true / false.
inline bool parse_switch(const std::string& flag, const std::string& v) {
  for (const char* yes : {"true", "1", "on", "yes"})
    if (v == yes) return true;
  for (const char* no : {"false", "0", "off", "no"})
    if (v == no) return false;
  throw UsageError{flag + ": expected true or false, got '" + v + "'"};
}

// --fast-decode's value: none (a plain flag: true), a switch, or pil.
inline pixfuse::io::FastDecode parse_fast_decode(const std::string& v) {
  if (v == "pil") return pixfuse::io::FastDecode::pil;
  for (const char* yes : {"true", "1", "on", "yes"})
    if (v == yes) return pixfuse::io::FastDecode::conservative;
  for (const char* no : {"false", "0", "off", "no"})
    if (v == no) return pixfuse::io::FastDecode::off;
  throw UsageError{"--fast-decode: expected no value or =pil, got '" + v + "'"};
}

}  // namespace detail

inline Options parse_options(int argc, char** argv) {
  CLI::App app{"pixfuse-prep"};
  app.set_help_flag();     // --help prints usage_text()
  app.allow_extras(true);  // unknown options are reported below, in our words
  app.allow_config_extras(CLI::config_extras_mode::error);
  app.option_defaults()->multi_option_policy(
      CLI::MultiOptionPolicy::TakeLast);  // the last one wins
  app.set_config("--config");

  // Values are collected as text (no variable bound: CLI11 converts nothing) and checked here.
  std::vector<std::string> inputs;
  app.add_option("INPUT", inputs)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  // Environment variables are read below rather than by CLI11, which would let a config
  // file override them: here the command line wins, then the environment, then --config.
  struct Entry {
    const char* flag;
    CLI::Option* option;
    const char* env;
  };
  std::vector<Entry> entries;
  auto value = [&](const char* names, const char* flag, const char* env = nullptr) {
    entries.push_back({flag, app.add_option(names), env});
  };
  auto flag = [&](const char* names, const char* flag, const char* env = nullptr) {
    entries.push_back({flag, app.add_flag(names), env});
  };
  auto on_command_line = [&](const std::string& flag) {
    for (int i = 1; i < argc && std::string(argv[i]) != "--"; ++i) {
      const std::string a = argv[i];
      if (a == flag || a.rfind(flag + "=", 0) == 0) return true;
    }
    return false;
  };
  value("-o,--output", "-o");
  value("--preset", "--preset", "PIXFUSE_PRESET");
  value("--recipe", "--recipe", "PIXFUSE_RECIPE");
  flag("--print-recipe", "--print-recipe");
  value("--resize", "--resize");
  value("--resize-shorter", "--resize-shorter");
  value("--resize-longer", "--resize-longer");
  value("--crop", "--crop");
  value("--letterbox", "--letterbox");
  value("--pad-value", "--pad-value");
  value("--filter", "--filter");
  value("--compat", "--compat");
  flag("--no-antialias", "--no-antialias");
  value("--scale", "--scale");
  value("--mean", "--mean");
  value("--std", "--std");
  value("--channel-order", "--channel-order");
  value("--layout", "--layout");
  value("--dtype", "--dtype");
  value("--target", "--target", "PIXFUSE_TARGET");
  flag("--list-targets", "--list-targets");
  value("--device", "--device", "PIXFUSE_DEVICE");
  value("--threads", "--threads", "PIXFUSE_THREADS");
  value("--manifest", "--manifest");
  flag("--time", "--time");
  value("--repeat", "--repeat");
  value("--batch", "--batch", "PIXFUSE_BATCH");
  flag("--fast-decode", "--fast-decode",
       "PIXFUSE_FAST_DECODE");  // a flag with an optional value: =pil
  flag("--no-region-decode", "--no-region-decode", "PIXFUSE_NO_REGION_DECODE");
  flag("--no-exif", "--no-exif", "PIXFUSE_NO_EXIF");
  value("--max-pixels", "--max-pixels", "PIXFUSE_MAX_PIXELS");
  flag("--no-progress", "--no-progress", "PIXFUSE_NO_PROGRESS");
  flag("--quiet", "--quiet", "PIXFUSE_QUIET");
  flag("-h,--help", "--help");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ArgumentMismatch& e) {  // "--resize: 1 required TEXT missing"
    const std::string what = e.what();
    throw UsageError{what.substr(0, what.find(':')) + ": expected a value after it"};
  } catch (const CLI::FileError& e) {  // "prep.toml was not readable (missing?)"
    throw UsageError{std::string("--config: ") + e.what()};
  } catch (const CLI::ConfigError& e) {
    std::string what = e.what();
    const std::string unknown = "INI was not able to parse ";
    if (what.rfind(unknown, 0) == 0)
      what = "unknown option '" + what.substr(unknown.size()) + "' (see --help)";
    throw UsageError{"--config: " + what};
  } catch (const CLI::ParseError& e) {
    throw UsageError{e.what()};
  }
  for (const std::string& extra : app.remaining()) {
    if (extra == "--") continue;
    if (extra.size() > 1 && extra[0] == '-')
      throw UsageError{extra + ": unknown option (see --help)"};
    inputs.push_back(extra);
  }

  Options o;
  o.inputs = std::move(inputs);
  o.threads = pixfuse::available_cpus();
  for (const Entry& e : entries) {
    const std::string a = e.flag;
    const char* env = e.env ? std::getenv(e.env) : nullptr;
    std::string v;
    if (env != nullptr && *env != '\0' && !on_command_line(a)) v = env;
    else if (e.option->count() > 0 && !e.option->results().empty()) v = e.option->results().back();
    else continue;
    if (a == "-o") o.output = v;
    else if (a == "--preset") {
      o.preset = v;
      if (!pixfuse::presets::by_name(v))
        throw UsageError{"--preset: expected one of " + pixfuse::presets::names_text() + ", got '" +
                         v + "'"};
    } else if (a == "--recipe") o.recipe_file = v;
    else if (a == "--print-recipe") o.print_recipe = detail::parse_switch(a, v);
    else if (a == "--resize") o.resize = detail::parse_size(a, v, false);
    else if (a == "--resize-shorter") o.resize_shorter = detail::parse_positive(a, v);
    else if (a == "--resize-longer") o.resize_longer = detail::parse_positive(a, v);
    else if (a == "--crop") o.crop = detail::parse_size(a, v, true);
    else if (a == "--letterbox") o.letterbox = detail::parse_size(a, v, true);
    else if (a == "--pad-value") {
      float f = 0;
      if (!detail::parse_float(v, f))
        throw UsageError{"--pad-value: expected a number, got '" + v + "'"};
      o.pad_value = f;
    } else if (a == "--filter")
      o.filter = detail::parse_choice<pixfuse::Filter>(a, v, pixfuse::parse_filter,
                                                       detail::names(pixfuse::all_filters));
    else if (a == "--compat")
      o.compat = detail::parse_choice<pixfuse::Compat>(a, v, pixfuse::parse_compat,
                                                       detail::names(pixfuse::all_compats));
    else if (a == "--no-antialias") o.no_antialias = detail::parse_switch(a, v);
    else if (a == "--scale") o.scale = detail::parse_scale(v);
    else if (a == "--mean") o.mean = detail::parse_floats(a, v);
    else if (a == "--std") o.std = detail::parse_floats(a, v);
    else if (a == "--channel-order") {
      if (v != "rgb" && v != "bgr")
        throw UsageError{"--channel-order: expected rgb or bgr, got '" + v + "'"};
      o.bgr = v == "bgr";
    } else if (a == "--layout") {
      if (v != "nchw" && v != "nhwc")
        throw UsageError{"--layout: expected nchw or nhwc, got '" + v + "'"};
      o.layout = v == "nchw" ? pixfuse::Layout::nchw : pixfuse::Layout::nhwc;
    } else if (a == "--dtype") {
      const auto t = pixfuse::parse_dtype(v);
      if (!t || !pixfuse::is_tensor_dtype(*t))
        throw UsageError{"--dtype: expected one of f32, f16, bf16, u8, i8, got '" + v + "'"};
      o.dtype = *t;
    } else if (a == "--target") o.target = v;
    else if (a == "--list-targets") o.list_targets = detail::parse_switch(a, v);
    else if (a == "--device") {
      o.device = v;
      if (v != "cpu" && v != "cuda" && v != "auto")
        throw UsageError{"--device: expected cpu, cuda or auto, got '" + v + "'"};
    } else if (a == "--threads") o.threads = detail::parse_positive(a, v);
    else if (a == "--manifest") o.manifest = v;
    else if (a == "--time") o.time = detail::parse_switch(a, v);
    else if (a == "--repeat") o.repeat = detail::parse_positive(a, v);
    else if (a == "--batch") o.batch = detail::parse_positive(a, v);
    else if (a == "--fast-decode") o.fast_decode = detail::parse_fast_decode(v);
    else if (a == "--no-region-decode") o.no_region_decode = detail::parse_switch(a, v);
    else if (a == "--no-exif") o.no_exif = detail::parse_switch(a, v);
    else if (a == "--max-pixels") o.max_pixels = detail::parse_positive64(a, v);
    else if (a == "--no-progress") o.no_progress = detail::parse_switch(a, v);
    else if (a == "--quiet") o.quiet = detail::parse_switch(a, v);
    else if (a == "--help") o.help = detail::parse_switch(a, v);
  }
  if (o.help || o.list_targets) return o;
  if (!o.preset.empty() && !o.recipe_file.empty())
    throw UsageError{"--preset, --recipe: expected at most one of them, got both"};
  const int geometry = o.resize.has_value() + o.resize_shorter.has_value() +
                       o.resize_longer.has_value() + o.letterbox.has_value();
  if (geometry > 1)
    throw UsageError{"--resize, --resize-shorter, --resize-longer, --letterbox: expected at most "
                     "one of them, got " +
                     std::to_string(geometry)};
  if (o.print_recipe) return o;
  if (o.inputs.empty()) throw UsageError{"INPUT: expected at least one image file or directory"};
  if (o.output.empty()) throw UsageError{"-o: expected an output path (e.g. -o batch.npy)"};
  return o;
}

namespace detail {

template <class... T>
bool holds_any(const pixfuse::AnyStage& s) {
  return (std::holds_alternative<T>(s) || ...);
}
inline bool is_geometry(const pixfuse::AnyStage& s) {
  namespace pf = pixfuse;
  return holds_any<pf::Resize<>, pf::ResizeShorter, pf::ResizeLonger, pf::Letterbox<>>(s);
}
inline pixfuse::Resampling* resampling_of(pixfuse::AnyStage& s) {
  return std::visit(
      [](auto& stage) -> pixfuse::Resampling* {
        if constexpr (std::is_base_of_v<pixfuse::ResamplingSetters<std::decay_t<decltype(stage)>>,
                                        std::decay_t<decltype(stage)>>)
          return &stage.how;
        else return nullptr;
      },
      s);
}
template <class T>
T* first_of(std::vector<pixfuse::AnyStage>& stages) {
  for (pixfuse::AnyStage& s : stages)
    if (T* t = std::get_if<T>(&s)) return t;
  return nullptr;
}

}  // namespace detail

// The recipe of the base the options name (a preset, a recipe file, or the default:
// RGB, / 255, NCHW f32), without the flags applied.
inline pixfuse::DynamicRecipe base_recipe(const Options& o) {
  namespace pf = pixfuse;
  if (!o.preset.empty()) return *pf::presets::by_name(o.preset);
  if (!o.recipe_file.empty()) {
    try {
      return pf::read_recipe(o.recipe_file);
    } catch (const pf::Error& e) {
      throw UsageError{std::string("--recipe: ") + e.what()};
    }
  }
  pf::DynamicRecipe r;
  r.add(pf::Channels(pf::to_rgb()));
  r.add(pf::normalize(pf::over(255.0f)));
  r.add(pf::layout(pf::Layout::nchw));
  r.add(pf::cast(pf::DType::f32));
  return r;
}

// The recipe the options describe: the base (base_recipe), then each flag given changes
// its stage (or adds it where the default recipe has it): channel order first, then the
// resize (one of --resize, --resize-shorter, --resize-longer, --letterbox replaces the
// base's), the center crop after it, --filter / --compat / --no-antialias on every resize,
// normalize, layout, dtype.
inline pixfuse::DynamicRecipe build_recipe(const Options& o) {
  namespace pf = pixfuse;
  std::vector<pf::AnyStage> st = base_recipe(o).stages;
  auto leading_channels = [&] {
    return !st.empty() && std::holds_alternative<pf::Channels>(st[0]) ? std::size_t{1}
                                                                      : std::size_t{0};
  };

  if (o.bgr) {
    const pf::ChannelOp op = *o.bgr ? pf::ChannelOp::to_bgr : pf::ChannelOp::to_rgb;
    pf::Channels* c = nullptr;
    for (pf::AnyStage& s : st)
      if (auto* x = std::get_if<pf::Channels>(&s);
          x && !c && (x->op == pf::ChannelOp::to_rgb || x->op == pf::ChannelOp::to_bgr))
        c = x;
    if (c) c->op = op;
    else st.insert(st.begin(), pf::Channels{{}, op});
  }

  // How every resize resamples: the base's first resize, then the flags.
  pf::Resampling how;
  pf::Letterbox<> base_letterbox = pf::letterbox(1, 1, 114.0f);
  for (pf::AnyStage& s : st) {
    if (pf::Resampling* r = detail::resampling_of(s)) {
      how = *r;
      break;
    }
  }
  if (const auto* l = detail::first_of<pf::Letterbox<>>(st)) base_letterbox = *l;
  if (o.filter) how.filter = *o.filter;
  // opencv never antialiases, so an opencv base says nothing about it: leaving opencv, the
  // default (antialias) applies unless --no-antialias.
  if (o.compat && how.compat == pf::Compat::opencv && *o.compat != pf::Compat::opencv)
    how.antialias = true;
  if (o.compat) how.compat = *o.compat;
  if (o.no_antialias || (o.compat && *o.compat == pf::Compat::opencv))
    how.antialias = false;  // cv::resize never does

  if (o.resize || o.resize_shorter || o.resize_longer || o.letterbox) {
    std::size_t at = leading_channels();
    for (std::size_t i = 0; i < st.size(); ++i)
      if (detail::is_geometry(st[i])) {
        at = i;
        break;
      }
    st.erase(std::remove_if(st.begin(), st.end(), detail::is_geometry), st.end());
    pf::AnyStage g = pf::Flip{};
    if (o.resize) g = pf::resize(o.resize->width, o.resize->height).resampling(how);
    if (o.resize_shorter) g = pf::resize_shorter(*o.resize_shorter).resampling(how);
    if (o.resize_longer) g = pf::resize_longer(*o.resize_longer).resampling(how);
    if (o.letterbox) {
      pf::Letterbox<> l =
          pf::letterbox(o.letterbox->width, o.letterbox->height, base_letterbox.value)
              .resampling(how);
      l.scaleup = base_letterbox.scaleup;
      g = l;
    }
    st.insert(st.begin() + static_cast<std::ptrdiff_t>(std::min(at, st.size())), g);
  } else {
    for (pf::AnyStage& s : st)
      if (pf::Resampling* r = detail::resampling_of(s)) *r = how;
  }
  if (o.pad_value) {
    bool any = false;
    for (pf::AnyStage& s : st)
      if (auto* l = std::get_if<pf::Letterbox<>>(&s)) {
        l->value = *o.pad_value;
        any = true;
      }
    if (!any) throw UsageError{"--pad-value: only applies with --letterbox"};
  }

  if (o.crop) {
    if (auto* c = detail::first_of<pf::CenterCrop<>>(st)) {
      *c = pf::center_crop(o.crop->width, o.crop->height);
    } else {
      std::size_t at = leading_channels();
      for (std::size_t i = 0; i < st.size(); ++i)
        if (detail::is_geometry(st[i])) at = i + 1;
      st.insert(st.begin() + static_cast<std::ptrdiff_t>(at),
                pf::center_crop(o.crop->width, o.crop->height));
    }
  }

  if (o.scale || o.mean || o.std) {
    pf::Normalize* n = detail::first_of<pf::Normalize>(st);
    if (!n) {  // before the output stages
      std::size_t at = st.size();
      while (at > 0 && detail::holds_any<pf::AnyLayout, pf::AnyCast>(st[at - 1])) --at;
      st.insert(st.begin() + static_cast<std::ptrdiff_t>(at), pf::normalize(pf::over(255.0f)));
      n = detail::first_of<pf::Normalize>(st);
    }
    auto values = [&](const std::array<float, 4>& v) {
      return std::vector<float>(v.begin(), v.begin() + n->count);
    };
    const std::vector<float> mean = o.mean ? *o.mean : values(n->mean);
    const std::vector<float> std = o.std ? *o.std : values(n->std);
    if (mean.size() != std.size() && mean.size() != 1 && std.size() != 1)
      throw UsageError{
          "--mean, --std: expected the same number of values (or one of either), got " +
          std::to_string(mean.size()) + " and " + std::to_string(std.size())};
    if (o.scale) n->scale = *o.scale;
    n->count = static_cast<int>(std::max(mean.size(), std.size()));
    for (std::size_t c = 0; c < 4; ++c) {
      n->mean[c] = mean[mean.size() == 1 ? 0 : std::min(c, mean.size() - 1)];
      n->std[c] = std[std.size() == 1 ? 0 : std::min(c, std.size() - 1)];
      if (!(n->std[c] != 0.0f)) throw UsageError{"--std: expected non-zero values"};
    }
  }

  if (o.layout) {
    if (auto* l = detail::first_of<pf::AnyLayout>(st)) l->layout = *o.layout;
    else st.push_back(pf::layout(*o.layout));
  }
  if (o.dtype) {
    if (auto* c = detail::first_of<pf::AnyCast>(st)) c->dtype = *o.dtype;
    else st.push_back(pf::cast(*o.dtype));
  }
  pf::DynamicRecipe r;
  r.stages = std::move(st);
  return r;
}

}  // namespace prep
