// Recipes as JSON files: a training pipeline ships its preprocessing beside its weights.
//
//   std::string text = pixfuse::recipe_to_json(pixfuse::presets::imagenet());
//   pixfuse::DynamicRecipe r = pixfuse::read_recipe("model/preprocess.json");
//   nlohmann::json j = recipe;  auto back = j.get<pixfuse::DynamicRecipe>();   // to_json /
//   from_json
//
// The only header of pixfuse that needs nlohmann-json (Debian nlohmann-json3-dev; CMake
// nlohmann_json::nlohmann_json). The format, version 1:
//
//   {"pixfuse_recipe": 1, "description": "optional text",
//    "stages": [
//      {"stage": "channels", "op": "to_rgb"},                  to_rgb to_bgr drop_alpha gray_to_rgb
//      swap_rb
//      {"stage": "resize_shorter", "size": 256, "max_size": 0, "filter": "bilinear", "compat":
//      "pil", "antialias": true},
//      {"stage": "center_crop", "width": 224, "height": 224},
//      {"stage": "normalize", "scale": "1/255", "mean": [0.485, 0.456, 0.406], "std": [0.229,
//      0.224, 0.225]},
//      {"stage": "layout", "layout": "nchw"},
//      {"stage": "cast", "dtype": "f32"}]}
//
// Every stage, with every field (fields shown are the defaults where one exists):
//   resize          width, height (required); filter "bilinear", compat "pil", antialias true
//   resize_shorter  size (required), max_size 0 (no limit); filter, compat, antialias
//   resize_longer   size (required); filter, compat, antialias
//   letterbox       width, height (required), value 114, scaleup true; filter, compat, antialias
//   crop            x, y (0), width, height (required): a rectangle of the source
//   center_crop     width, height (required)
//   pad             left, top, right, bottom (0), value 0
//   flip            horizontal false, vertical false
//   channels        op "to_rgb"
//   normalize       scale 1 (a number multiplies, "1/N" divides by N), mean [0], std [1]
//                   (1 to 4 values each: one per channel, or one for all)
//   layout          layout "nchw" (or "nhwc")
//   cast            dtype "f32" (or "f16", "bf16", "u8", "i8")
// Floats are written in their shortest exact form, so a file read back gives the same
// float bits. Reading is strict: an unknown field, a wrong type, a value out of range
// fails with the field's path, e.g. "preprocess.json: stages[2].filter: expected one of
// nearest, bilinear, ..., got \"gauss\"".
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "pixfuse/core/dtype.hpp"
#include "pixfuse/core/error.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/recipe/dynamic.hpp"
#include "pixfuse/recipe/recipe.hpp"

namespace pixfuse {

// The version this pixfuse writes and reads.
inline constexpr int recipe_format_version = 1;

namespace recipe_json {

// The float's shortest decimal form that reads back as the same float, as a double (so
// the JSON text shows 0.485, not 0.48500001430511475).
inline double shortest(float f) {
  char text[32];
  for (int digits = 6; digits <= 9; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, static_cast<double>(f));
    if (std::strtof(text, nullptr) == f) break;
  }
  return std::strtod(text, nullptr);
}
inline std::string shortest_text(float f) {
  char text[32];
  for (int digits = 6; digits <= 9; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, static_cast<double>(f));
    if (std::strtof(text, nullptr) == f) break;
  }
  return text;
}

constexpr const char* name(ChannelOp op) {
  switch (op) {
    case ChannelOp::to_rgb: return "to_rgb";
    case ChannelOp::to_bgr: return "to_bgr";
    case ChannelOp::drop_alpha: return "drop_alpha";
    case ChannelOp::gray_to_rgb: return "gray_to_rgb";
    case ChannelOp::swap_rb: return "swap_rb";
  }
  return "?";
}
inline constexpr ChannelOp all_channel_ops[] = {ChannelOp::to_rgb, ChannelOp::to_bgr,
                                                ChannelOp::drop_alpha, ChannelOp::gray_to_rgb,
                                                ChannelOp::swap_rb};

// --- writing ------------------------------------------------------------------------------

template <class Json>
void put_resampling(Json& j, const Resampling& how) {
  j["filter"] = std::string(pixfuse::name(how.filter));
  j["compat"] = std::string(pixfuse::name(how.compat));
  j["antialias"] = how.antialias;
}

template <class Json>
Json floats(const std::array<float, 4>& v, int count) {
  Json a = Json::array();
  for (int c = 0; c < count; ++c) a.push_back(shortest(v[static_cast<std::size_t>(c)]));
  return a;
}

template <class Json>
Json stage_json(const AnyStage& stage) {
  Json j = Json::object();
  std::visit(
      [&](const auto& s) {
        using S = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<S, Resize<>>) {
          j["stage"] = "resize";
          j["width"] = s.width();
          j["height"] = s.height();
          put_resampling(j, s.how);
        } else if constexpr (std::is_same_v<S, ResizeShorter>) {
          j["stage"] = "resize_shorter";
          j["size"] = s.size;
          j["max_size"] = s.max_size;
          put_resampling(j, s.how);
        } else if constexpr (std::is_same_v<S, ResizeLonger>) {
          j["stage"] = "resize_longer";
          j["size"] = s.size;
          put_resampling(j, s.how);
        } else if constexpr (std::is_same_v<S, Letterbox<>>) {
          j["stage"] = "letterbox";
          j["width"] = s.width();
          j["height"] = s.height();
          j["value"] = shortest(s.value);
          j["scaleup"] = s.scaleup;
          put_resampling(j, s.how);
        } else if constexpr (std::is_same_v<S, Crop>) {
          j["stage"] = "crop";
          j["x"] = s.rect.x;
          j["y"] = s.rect.y;
          j["width"] = s.rect.width;
          j["height"] = s.rect.height;
        } else if constexpr (std::is_same_v<S, CenterCrop<>>) {
          j["stage"] = "center_crop";
          j["width"] = s.width();
          j["height"] = s.height();
        } else if constexpr (std::is_same_v<S, Pad>) {
          j["stage"] = "pad";
          j["left"] = s.left;
          j["top"] = s.top;
          j["right"] = s.right;
          j["bottom"] = s.bottom;
          j["value"] = shortest(s.value);
        } else if constexpr (std::is_same_v<S, Flip>) {
          j["stage"] = "flip";
          j["horizontal"] = s.horizontal;
          j["vertical"] = s.vertical;
        } else if constexpr (std::is_same_v<S, Channels>) {
          j["stage"] = "channels";
          j["op"] = name(s.op);
        } else if constexpr (std::is_same_v<S, Normalize>) {
          j["stage"] = "normalize";
          if (s.scale.divide) j["scale"] = "1/" + shortest_text(s.scale.value);
          else j["scale"] = shortest(s.scale.value);
          j["mean"] = floats<Json>(s.mean, s.count);
          j["std"] = floats<Json>(s.std, s.count);
        } else if constexpr (std::is_same_v<S, AnyLayout>) {
          j["stage"] = "layout";
          j["layout"] = std::string(pixfuse::name(s.layout));
        } else if constexpr (std::is_same_v<S, AnyCast>) {
          j["stage"] = "cast";
          j["dtype"] = std::string(pixfuse::name(s.dtype));
        } else {
          static_assert(!sizeof(S), "every AnyStage alternative has a JSON form");
        }
      },
      stage);
  return j;
}

// --- reading ------------------------------------------------------------------------------

// The value as it reads in a message: "gauss" quoted, numbers and the rest as JSON.
template <class Json>
std::string shown(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  return s.size() > 80 ? s.substr(0, 77) + "..." : s;
}

// The fields of one JSON object, read with checks; every error names path.key.
template <class Json>
class Fields {
 public:
  Fields(const Json& object, std::string origin, std::string path)
      : j_(object), origin_(std::move(origin)), path_(std::move(path)) {
    if (!j_.is_object()) fail(path_, "an object", shown(j_));
  }

  [[noreturn]] void fail(const std::string& where, const std::string& expected,
                         const std::string& got) const {
    throw Error(where.empty() ? origin_ : origin_ + ": " + where, expected, got);
  }
  std::string at(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  bool has(const char* key) {
    known_.push_back(key);
    return j_.contains(key);
  }
  const Json& get(const char* key) {
    known_.push_back(key);
    const auto it = j_.find(key);
    if (it == j_.end()) fail(at(key), "a value (the field is required)", "nothing");
    return *it;
  }

  std::int64_t integer(const char* key, std::int64_t lo, std::int64_t hi, const char* expected) {
    const Json& v = get(key);
    if (!v.is_number_integer()) fail(at(key), expected, shown(v));
    const std::int64_t x =
        v.is_number_unsigned() && v.template get<std::uint64_t>() > std::uint64_t(INT64_MAX)
            ? INT64_MAX
            : v.template get<std::int64_t>();
    if (x < lo || x > hi) fail(at(key), expected, shown(v));
    return x;
  }
  int positive(const char* key) {
    return static_cast<int>(integer(key, 1, INT32_MAX, "a positive integer"));
  }
  int non_negative(const char* key, int fallback) {
    return has(key) ? static_cast<int>(integer(key, 0, INT32_MAX, "a non-negative integer"))
                    : fallback;
  }
  float number(const char* key, float fallback) {
    if (!has(key)) return fallback;
    return finite_float(get(key), at(key));
  }
  float finite_float(const Json& v, const std::string& where) const {
    if (!v.is_number()) fail(where, "a number", shown(v));
    const double d = v.template get<double>();
    if (!std::isfinite(d) || std::fabs(d) > std::numeric_limits<float>::max())
      fail(where, "a finite float", shown(v));
    return static_cast<float>(d);
  }
  bool boolean(const char* key, bool fallback) {
    if (!has(key)) return fallback;
    const Json& v = get(key);
    if (!v.is_boolean()) fail(at(key), "true or false", shown(v));
    return v.template get<bool>();
  }
  template <class T, std::size_t N, class Name>
  T choice(const char* key, T fallback, const T (&all)[N], Name&& name_of) {
    if (!has(key)) return fallback;
    const Json& v = get(key);
    std::string list;
    for (const T& t : all) list += (list.empty() ? "" : ", ") + std::string(name_of(t));
    if (v.is_string())
      for (const T& t : all)
        if (v.template get<std::string>() == name_of(t)) return t;
    fail(at(key), "one of " + list, shown(v));
  }
  // Every field of the object was read: anything else is a typo or from a newer format.
  void no_others() const {
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      bool known = false;
      for (const std::string& k : known_) known = known || k == it.key();
      if (!known) {
        std::string list;
        for (const std::string& k : known_) list += (list.empty() ? "" : ", ") + k;
        throw Error(origin_ + ": " + at(it.key()) + ": unknown field (expected " + list + ")");
      }
    }
  }

 private:
  const Json& j_;
  std::string origin_, path_;
  std::vector<std::string> known_;
};

template <class Json>
Resampling read_resampling(Fields<Json>& f) {
  Resampling how;
  how.filter =
      f.choice("filter", how.filter, all_filters, [](Filter x) { return pixfuse::name(x); });
  how.compat =
      f.choice("compat", how.compat, all_compats, [](Compat x) { return pixfuse::name(x); });
  how.antialias = f.boolean("antialias", how.antialias);
  return how;
}

template <class Json>
std::vector<float> read_values(Fields<Json>& f, const char* key, float fallback, bool non_zero) {
  if (!f.has(key)) return {fallback};
  const Json& v = f.get(key);
  if (!v.is_array() || v.empty() || v.size() > 4)
    f.fail(f.at(key), "an array of 1 to 4 numbers", shown(v));
  std::vector<float> out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::string where = f.at(key) + "[" + std::to_string(i) + "]";
    out.push_back(f.finite_float(v[i], where));
    if (non_zero && out.back() == 0.0f) f.fail(where, "a non-zero number", shown(v[i]));
  }
  return out;
}

template <class Json>
ScaleFactor read_scale(Fields<Json>& f) {
  if (!f.has("scale")) return ScaleFactor(1.0f);
  const Json& v = f.get("scale");
  if (v.is_number()) return ScaleFactor(f.finite_float(v, f.at("scale")));
  if (v.is_string()) {
    const std::string s = v.template get<std::string>();
    char* end = nullptr;
    const float d = s.rfind("1/", 0) == 0 ? std::strtof(s.c_str() + 2, &end) : 0.0f;
    if (end != nullptr && end != s.c_str() + 2 && *end == '\0' && std::isfinite(d) && d != 0.0f)
      return over(d);
  }
  f.fail(f.at("scale"), "a number (multiply by it) or \"1/N\" (divide by N, N non-zero)", shown(v));
}

inline const char* const stage_names[] = {"resize",    "resize_shorter", "resize_longer",
                                          "letterbox", "crop",           "center_crop",
                                          "pad",       "flip",           "channels",
                                          "normalize", "layout",         "cast"};

template <class Json>
AnyStage read_stage(const Json& j, const std::string& origin, const std::string& path) {
  Fields<Json> f(j, origin, path);
  const Json& kind = f.get("stage");
  const std::string stage = kind.is_string() ? kind.template get<std::string>() : std::string();
  AnyStage out = Flip{};
  if (stage == "resize") {
    const int w = f.positive("width"), h = f.positive("height");
    out = resize(w, h).resampling(read_resampling(f));
  } else if (stage == "resize_shorter") {
    const int size = f.positive("size");
    const int max_size = f.non_negative("max_size", 0);
    out = resize_shorter(size, max_size).resampling(read_resampling(f));
  } else if (stage == "resize_longer") {
    out = resize_longer(f.positive("size")).resampling(read_resampling(f));
  } else if (stage == "letterbox") {
    const int w = f.positive("width"), h = f.positive("height");
    Letterbox<> l = letterbox(w, h, f.number("value", 114.0f));
    l.scaleup = f.boolean("scaleup", true);
    out = l.resampling(read_resampling(f));
  } else if (stage == "crop") {
    Rect r;
    r.x = f.has("x") ? f.integer("x", -(std::int64_t{1} << 40), std::int64_t{1} << 40, "an integer")
                     : 0;
    r.y = f.has("y") ? f.integer("y", -(std::int64_t{1} << 40), std::int64_t{1} << 40, "an integer")
                     : 0;
    r.width = f.positive("width");
    r.height = f.positive("height");
    out = crop(r);
  } else if (stage == "center_crop") {
    const int w = f.positive("width"), h = f.positive("height");
    out = center_crop(w, h);
  } else if (stage == "pad") {
    Pad p;
    p.left = f.non_negative("left", 0);
    p.top = f.non_negative("top", 0);
    p.right = f.non_negative("right", 0);
    p.bottom = f.non_negative("bottom", 0);
    p.value = f.number("value", 0.0f);
    out = p;
  } else if (stage == "flip") {
    Flip fl;
    fl.horizontal = f.boolean("horizontal", false);
    fl.vertical = f.boolean("vertical", false);
    out = fl;
  } else if (stage == "channels") {
    Channels c;
    c.op =
        f.choice("op", ChannelOp::to_rgb, all_channel_ops, [](ChannelOp op) { return name(op); });
    out = c;
  } else if (stage == "normalize") {
    Normalize n;
    n.scale = read_scale(f);
    const std::vector<float> mean = read_values(f, "mean", 0.0f, false);
    const std::vector<float> std = read_values(f, "std", 1.0f, true);
    if (mean.size() != std.size() && mean.size() != 1 && std.size() != 1)
      f.fail(f.at("std"), "as many values as mean (" + std::to_string(mean.size()) + "), or one",
             std::to_string(std.size()) + " values");
    n.count = static_cast<int>(std::max(mean.size(), std.size()));
    for (std::size_t c = 0; c < 4;
         ++c) {  // as normalize(): one value for all, else value c (0 past the end)
      n.mean[c] = mean[mean.size() == 1 || c >= mean.size() ? 0 : c];
      n.std[c] = std[std.size() == 1 || c >= std.size() ? 0 : c];
    }
    out = n;
  } else if (stage == "layout") {
    const Layout all[] = {Layout::nchw, Layout::nhwc};
    out = layout(f.choice("layout", Layout::nchw, all, [](Layout l) { return pixfuse::name(l); }));
  } else if (stage == "cast") {
    const DType all[] = {DType::f32, DType::f16, DType::bf16, DType::u8, DType::i8};
    out = cast(f.choice("dtype", DType::f32, all, [](DType t) { return pixfuse::name(t); }));
  } else {
    std::string list;
    for (const char* s : stage_names) list += (list.empty() ? "" : ", ") + std::string(s);
    f.fail(f.at("stage"), "one of " + list, shown(kind));
  }
  f.no_others();
  return out;
}

template <class Json>
DynamicRecipe read_recipe_json(const Json& j, const std::string& origin) {
  Fields<Json> f(j, origin, "");
  const Json& version = f.get("pixfuse_recipe");
  if (!version.is_number_integer() || version.template get<std::int64_t>() != recipe_format_version)
    f.fail("pixfuse_recipe",
           "format version " + std::to_string(recipe_format_version) +
               " (the version this pixfuse reads)",
           shown(version));
  if (f.has("description") && !f.get("description").is_string())
    f.fail("description", "a string", shown(f.get("description")));
  const Json& stages = f.get("stages");
  if (!stages.is_array()) f.fail("stages", "an array of stages", shown(stages));
  f.no_others();
  DynamicRecipe r;
  for (std::size_t i = 0; i < stages.size(); ++i)
    r.add(read_stage(stages[i], origin, "stages[" + std::to_string(i) + "]"));
  return r;
}

}  // namespace recipe_json

// nlohmann-json's hooks (found by argument-dependent lookup): `json j = recipe;` and
// `j.get<DynamicRecipe>()`. Errors are pixfuse::Error, naming the field.
template <class BasicJsonType>
void to_json(BasicJsonType& j, const DynamicRecipe& r) {
  j = BasicJsonType::object();
  j["pixfuse_recipe"] = recipe_format_version;
  BasicJsonType stages = BasicJsonType::array();
  for (const AnyStage& s : r.stages) stages.push_back(recipe_json::stage_json<BasicJsonType>(s));
  j["stages"] = std::move(stages);
}
template <class BasicJsonType, class... Stages>
void to_json(BasicJsonType& j, const Recipe<Stages...>& r) {
  to_json(j, to_dynamic(r));
}
template <class BasicJsonType>
void from_json(const BasicJsonType& j, DynamicRecipe& r) {
  r = recipe_json::read_recipe_json(j, "recipe");
}

// The recipe as JSON text (indent < 0: one line).
template <class R>
std::string recipe_to_json(const R& recipe, int indent = 2) {
  nlohmann::ordered_json j;
  to_json(j, to_dynamic(recipe));
  return j.dump(indent);
}

// The recipe in `text`; `origin` (a file name) starts every error message.
inline DynamicRecipe recipe_from_json(std::string_view text, const std::string& origin = "recipe") {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for 1e999
    std::string why = e.what();
    const std::size_t bracket = why.find("] ");
    if (why.rfind("[json.exception.", 0) == 0 && bracket != std::string::npos)
      why.erase(0, bracket + 2);
    throw Error(origin + ": not valid JSON: " + why);
  }
  return recipe_json::read_recipe_json(j, origin);
}

// The recipe in the JSON file at `path` (errors start with the path).
inline DynamicRecipe read_recipe(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(path + ": cannot open the recipe file");
  std::ostringstream text;
  text << f.rdbuf();
  return recipe_from_json(text.str(), path);
}

}  // namespace pixfuse
