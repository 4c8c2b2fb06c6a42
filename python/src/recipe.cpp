// pixfuse.stages and pixfuse.Recipe: the C++ stages (recipe/*.hpp) with their options, as
// values that compose with `|` and lower to the same Plans as in C++.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "binding.hpp"
#include "pixfuse/core/error.hpp"
#include "pixfuse/recipe/json.hpp"
#include "pixfuse/recipe/presets.hpp"
#include "pixfuse/recipe/recipe.hpp"

namespace pixfuse::python {
namespace {

// One stage of a recipe (a C++ AnyStage).
struct PyStage {
  AnyStage stage;
};

// The shortest decimal text that reads back as the same float.
std::string float_text(float v) {
  char buf[32];
  for (int precision = 6; precision <= 9; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, static_cast<double>(v));
    if (std::strtof(buf, nullptr) == v) break;
  }
  return buf;
}

std::string bool_text(bool b) { return b ? "True" : "False"; }

Filter filter_named(const std::string& s) {
  if (auto f = parse_filter(s)) return *f;
  std::string all;
  for (Filter f : all_filters) all += (all.empty() ? "" : ", ") + std::string(name(f));
  detail::fail_mismatch("filter", "one of " + all, "'" + s + "'");
}

Compat compat_named(const std::string& s) {
  if (auto c = parse_compat(s)) return *c;
  detail::fail_mismatch("compat", "one of pil, torchvision, opencv, jax", "'" + s + "'");
}

Resampling resampling(const std::string& filter, const std::string& compat, bool antialias) {
  return Resampling{filter_named(filter), compat_named(compat), antialias};
}

std::string resampling_text(const Resampling& r) {
  return "filter='" + std::string(name(r.filter)) + "', compat='" + std::string(name(r.compat)) +
         "', antialias=" + bool_text(r.antialias);
}

void require_positive(const char* what, long long v) {
  if (v <= 0) detail::fail_mismatch(what, "a positive size", v);
}

// Python's text for a stage: the call of pixfuse.stages that makes it.
struct StageText {
  std::string operator()(const Resize<>& s) const {
    return "resize(" + std::to_string(s.width()) + ", " + std::to_string(s.height()) + ", " +
           resampling_text(s.how) + ")";
  }
  std::string operator()(const ResizeShorter& s) const {
    return "resize_shorter(" + std::to_string(s.size) +
           (s.max_size != 0 ? ", max_size=" + std::to_string(s.max_size) : std::string()) + ", " +
           resampling_text(s.how) + ")";
  }
  std::string operator()(const ResizeLonger& s) const {
    return "resize_longer(" + std::to_string(s.size) + ", " + resampling_text(s.how) + ")";
  }
  std::string operator()(const Crop& s) const {
    return "crop(" + std::to_string(s.rect.x) + ", " + std::to_string(s.rect.y) + ", " +
           std::to_string(s.rect.width) + ", " + std::to_string(s.rect.height) + ")";
  }
  std::string operator()(const CenterCrop<>& s) const {
    return "center_crop(" + std::to_string(s.width()) + ", " + std::to_string(s.height()) + ")";
  }
  std::string operator()(const Pad& s) const {
    return "pad(" + std::to_string(s.left) + ", " + std::to_string(s.top) + ", " +
           std::to_string(s.right) + ", " + std::to_string(s.bottom) +
           ", value=" + float_text(s.value) + ")";
  }
  std::string operator()(const Letterbox<>& s) const {
    return "letterbox(" + std::to_string(s.width()) + ", " + std::to_string(s.height()) +
           ", pad=" + float_text(s.value) + ", scaleup=" + bool_text(s.scaleup) + ", " +
           resampling_text(s.how) + ")";
  }
  std::string operator()(const Flip& s) const {
    if (s.horizontal && s.vertical) return "flip(horizontal=True, vertical=True)";
    return s.horizontal ? "hflip()" : s.vertical ? "vflip()" : "flip()";
  }
  std::string operator()(const Channels& s) const {
    switch (s.op) {
      case ChannelOp::to_rgb: return "to_rgb()";
      case ChannelOp::to_bgr: return "to_bgr()";
      case ChannelOp::drop_alpha: return "drop_alpha()";
      case ChannelOp::gray_to_rgb: return "gray_to_rgb()";
      case ChannelOp::swap_rb: return "swap_rb()";
    }
    return "?";
  }
  std::string operator()(const Normalize& s) const {
    const std::string scale =
        s.scale.divide ? "over(" + float_text(s.scale.value) + ")" : float_text(s.scale.value);
    auto list = [&](const std::array<float, 4>& v) {
      std::string t = "(";
      for (int c = 0; c < s.count; ++c)
        t += (c ? ", " : "") + float_text(v[static_cast<std::size_t>(c)]);
      return t + (s.count == 1 ? ",)" : ")");
    };
    return "normalize(" + scale + ", mean=" + list(s.mean) + ", std=" + list(s.std) + ")";
  }
  std::string operator()(const AnyLayout& s) const {
    return s.layout == Layout::nchw ? "nchw()" : "nhwc()";
  }
  std::string operator()(const AnyCast& s) const {
    return "cast('" + std::string(name(s.dtype)) + "')";
  }
};

std::string stage_text(const AnyStage& s) { return std::visit(StageText{}, s); }

std::string recipe_text(const DynamicRecipe& r) {
  std::string t = "pixfuse.Recipe([";
  for (std::size_t i = 0; i < r.stages.size(); ++i) t += (i ? ", " : "") + stage_text(r.stages[i]);
  return t + "])";
}

// A normalize value list: one float, or 1 to 4 of them.
std::vector<float> values(nb::handle v, const char* what) {
  std::vector<float> out;
  if (nb::isinstance<nb::float_>(v) || nb::isinstance<nb::int_>(v)) {
    out.push_back(nb::cast<float>(v));
    return out;
  }
  try {
    for (nb::handle x : v) out.push_back(nb::cast<float>(x));
  } catch (const std::exception&) {
    detail::fail_mismatch(what, "a number or a sequence of 1 to 4 numbers",
                          nb::inst_name(v).c_str());
  }
  if (out.empty() || out.size() > 4)
    detail::fail_mismatch(what, "1 to 4 values (one per channel, or one for all)", out.size());
  return out;
}

Normalize make_normalize(ScaleFactor scale, const std::vector<float>& mean,
                         const std::vector<float>& std) {
  // normalize() takes initializer lists; pad to the call with the same count.
  auto il = [](const std::vector<float>& v, auto f) {
    switch (v.size()) {
      case 1: return f({v[0]});
      case 2: return f({v[0], v[1]});
      case 3: return f({v[0], v[1], v[2]});
      default: return f({v[0], v[1], v[2], v[3]});
    }
  };
  return il(mean, [&](std::initializer_list<float> m) {
    return il(std, [&](std::initializer_list<float> s) { return normalize(scale, m, s); });
  });
}

// `scale` of normalize / rescale: a number (multiply) or pixfuse.stages.over(d) (divide).
ScaleFactor scale_factor(nb::handle scale) {
  if (nb::isinstance<ScaleFactor>(scale)) return nb::cast<ScaleFactor>(scale);
  if (nb::isinstance<nb::float_>(scale) || nb::isinstance<nb::int_>(scale))
    return ScaleFactor(nb::cast<float>(scale));
  detail::fail_mismatch("scale", "a number (multiply) or over(divisor)",
                        nb::inst_name(scale).c_str());
}

DynamicRecipe recipe_of(nb::handle stages) {
  DynamicRecipe r;
  if (nb::isinstance<PyStage>(stages)) return r.add(nb::cast<const PyStage&>(stages).stage), r;
  std::size_t i = 0;
  for (nb::handle s : stages) {
    if (nb::isinstance<PyStage>(s)) r.add(nb::cast<const PyStage&>(s).stage);
    else if (nb::isinstance<PyRecipe>(s))
      for (const AnyStage& t : nb::cast<const PyRecipe&>(s).recipe.stages) r.add(t);
    else
      detail::fail_mismatch("stages[" + std::to_string(i) + "]",
                            "a pixfuse.stages stage or a Recipe", nb::inst_name(s).c_str());
    ++i;
  }
  return r;
}

// a | b for stages and recipes.
PyRecipe compose(nb::handle a, nb::handle b) {
  PyRecipe r;
  for (nb::handle x : {a, b}) {
    if (nb::isinstance<PyStage>(x)) r.recipe.add(nb::cast<const PyStage&>(x).stage);
    else
      for (const AnyStage& t : nb::cast<const PyRecipe&>(x).recipe.stages) r.recipe.add(t);
  }
  return r;
}

}  // namespace

void bind_recipe(nb::module_& m) {
  // The stages sit at the module's top level (one stub file); pixfuse.stages re-exports them.
  nb::module_& st = m;

  nb::class_<ScaleFactor>(st, "ScaleFactor",
                          "A scale: multiply by a value, or divide by it (over(255)).")
      .def_ro("value", &ScaleFactor::value)
      .def_ro("divide", &ScaleFactor::divide)
      .def("__repr__", [](const ScaleFactor& s) {
        return s.divide ? "over(" + float_text(s.value) + ")" : float_text(s.value);
      });

  nb::class_<PyStage>(st, "Stage", "One step of a recipe; compose with | into a Recipe.")
      .def("__repr__", [](const PyStage& s) { return stage_text(s.stage); })
      .def("__eq__",
           [](const PyStage& a, nb::handle b) {
             return nb::isinstance<PyStage>(b) &&
                    stage_text(a.stage) == stage_text(nb::cast<const PyStage&>(b).stage);
           })
      .def("__hash__",
           [](const PyStage& s) { return nb::hash(nb::str(stage_text(s.stage).c_str())); })
      .def(
          "__or__",
          [](nb::handle a, nb::handle b) -> nb::object {
            if (!nb::isinstance<PyStage>(b) && !nb::isinstance<PyRecipe>(b))
              return nb::borrow(Py_NotImplemented);
            return nb::cast(compose(a, b));
          },
          nb::sig("def __or__(self, other: Stage | Recipe, /) -> Recipe"));

  auto stage = [](auto s) { return PyStage{AnyStage(s)}; };
  const char* filter_doc =
      "filter: nearest, bilinear, bicubic, lanczos3, lanczos4, area, hamming, lanczos5, "
      "nearest_exact, linear_exact; compat: whose arithmetic (pil, torchvision, opencv, jax)";

  st.def(
      "resize",
      [=](int width, int height, const std::string& filter, const std::string& compat,
          bool antialias) {
        require_positive("resize width", width);
        require_positive("resize height", height);
        return stage(resize(width, height).resampling(resampling(filter, compat, antialias)));
      },
      nb::arg("width"), nb::arg("height"), nb::kw_only(), nb::arg("filter") = "bilinear",
      nb::arg("compat") = "pil", nb::arg("antialias") = true,
      (std::string("Resize to width x height. ") + filter_doc).c_str());
  st.def(
      "resize_shorter",
      [=](int size, int max_size, const std::string& filter, const std::string& compat,
          bool antialias) {
        require_positive("resize_shorter size", size);
        return stage(
            resize_shorter(size, max_size).resampling(resampling(filter, compat, antialias)));
      },
      nb::arg("size"), nb::arg("max_size") = 0, nb::kw_only(), nb::arg("filter") = "bilinear",
      nb::arg("compat") = "pil", nb::arg("antialias") = true,
      "The shorter side becomes `size`, the longer int(size * long / short) (torchvision's "
      "Resize(int)); "
      "max_size > 0 caps the longer side.");
  st.def(
      "resize_longer",
      [=](int size, const std::string& filter, const std::string& compat, bool antialias) {
        require_positive("resize_longer size", size);
        return stage(resize_longer(size).resampling(resampling(filter, compat, antialias)));
      },
      nb::arg("size"), nb::kw_only(), nb::arg("filter") = "bilinear", nb::arg("compat") = "pil",
      nb::arg("antialias") = true, "The longer side becomes `size`, keeping the aspect.");
  st.def(
      "center_crop",
      [=](int width, nb::object height) {
        const int h = height.is_none() ? width : nb::cast<int>(height);
        require_positive("center_crop width", width);
        require_positive("center_crop height", h);
        return stage(center_crop(width, h));
      },
      nb::arg("width"), nb::arg("height") = nb::none(),
      nb::sig("def center_crop(width: int, height: int | None = None) -> Stage"),
      "Crop width x height from the centre (offsets int(round((in - out) / 2.0))); larger than the "
      "image pads with 0.");
  st.def(
      "crop",
      [=](long long x, long long y, long long width, long long height) {
        require_positive("crop width", width);
        require_positive("crop height", height);
        return stage(crop(x, y, width, height));
      },
      nb::arg("x"), nb::arg("y"), nb::arg("width"), nb::arg("height"),
      "Before a resize: the part of the image that is resized; after it: part of the result.");
  st.def(
      "pad",
      [=](int left, int top, int right, int bottom, float value) {
        return stage(pad(left, top, right, bottom, value));
      },
      nb::arg("left"), nb::arg("top"), nb::arg("right"), nb::arg("bottom"), nb::arg("value") = 0.0f,
      "A constant border, in input pixels.");
  st.def(
      "letterbox",
      [=](int width, int height, float pad_value, bool scaleup, const std::string& filter,
          const std::string& compat, bool antialias) {
        require_positive("letterbox width", width);
        require_positive("letterbox height", height);
        Letterbox<> l =
            letterbox(width, height, pad_value).resampling(resampling(filter, compat, antialias));
        l.scaleup = scaleup;
        return stage(l);
      },
      nb::arg("width"), nb::arg("height"), nb::arg("pad") = 114.0f, nb::kw_only(),
      nb::arg("scaleup") = true, nb::arg("filter") = "bilinear", nb::arg("compat") = "pil",
      nb::arg("antialias") = true,
      "YOLO's LetterBox: fit inside width x height keeping the aspect, centre, pad with `pad`.");
  st.def(
      "hflip", [=] { return stage(hflip()); }, "Mirror left-right (before a resize: the source).");
  st.def(
      "vflip", [=] { return stage(vflip()); }, "Mirror top-bottom.");
  st.def(
      "to_rgb", [=] { return stage(Channels(to_rgb())); },
      "PIL's convert('RGB'): gray and RGBA become RGB.");
  st.def(
      "to_bgr", [=] { return stage(Channels(to_bgr())); }, "As to_rgb, then red and blue swapped.");
  st.def(
      "drop_alpha", [=] { return stage(drop_alpha()); }, "RGBA -> RGB.");
  st.def(
      "gray_to_rgb", [=] { return stage(gray_to_rgb()); }, "One channel -> three.");
  st.def(
      "swap_rb", [=] { return stage(swap_rb()); }, "Swap the first and third channels.");
  st.def(
      "over",
      [](float divisor) {
        if (!(divisor != 0.0f)) detail::fail_mismatch("over", "a non-zero divisor", divisor);
        return over(divisor);
      },
      nb::arg("divisor"),
      "A scale that divides: normalize(over(255), ...) computes x / 255 as ToTensor does.");
  st.def(
      "normalize",
      [=](nb::handle scale, nb::handle mean, nb::handle std) {
        return stage(make_normalize(scale_factor(scale), values(mean, "normalize mean"),
                                    values(std, "normalize std")));
      },
      nb::arg("scale"), nb::arg("mean") = 0.0f, nb::arg("std") = 1.0f,
      nb::sig(
          "def normalize(scale: float | ScaleFactor, mean: float | typing.Sequence[float] = 0.0, "
          "std: float | typing.Sequence[float] = 1.0) -> Stage"),
      "(x * scale - mean) / std per channel; scale=over(255) divides.");
  st.def(
      "rescale", [=](nb::handle scale) { return stage(rescale(scale_factor(scale))); },
      nb::arg("scale"), nb::sig("def rescale(scale: float | ScaleFactor) -> Stage"),
      "x * scale (or x / d with over(d)).");
  st.def(
      "nchw", [=] { return stage(layout(Layout::nchw)); }, "Planar output: (C, H, W) per image.");
  st.def(
      "nhwc", [=] { return stage(layout(Layout::nhwc)); },
      "Interleaved output: (H, W, C) per image.");
  st.def(
      "cast",
      [=](const std::string& dtype) {
        const auto t = parse_dtype(dtype);
        if (!t || !is_tensor_dtype(*t))
          detail::fail_mismatch("cast dtype", "one of f32, f16, bf16, u8, i8", "'" + dtype + "'");
        return stage(cast(*t));
      },
      nb::arg("dtype"),
      "The output dtype (C++ names: f32, f16, bf16, u8, i8); rounds to nearest even, saturates.");

  m.def(
      "_preset",
      [](const std::string& name) {
        auto r = presets::by_name(name);
        if (!r)
          detail::fail_mismatch("preset", "one of " + presets::names_text(), "'" + name + "'");
        return PyRecipe{*r, nullptr};
      },
      nb::arg("name"), nb::sig("def _preset(name: str) -> Recipe"));

  nb::class_<PyRecipe>(m, "Recipe",
                       "Stages applied in order, as one fused pass per image; made from stages, "
                       "with `|`, by pixfuse.presets, or from JSON.")
      .def(
          "__init__",
          [](PyRecipe* self, nb::handle stages) {
            new (self) PyRecipe{recipe_of(stages), nullptr};
          },
          nb::arg("stages"),
          nb::sig("def __init__(self, stages: typing.Iterable[Stage | Recipe] | Stage) -> None"))
      .def_prop_ro(
          "stages",
          [](const PyRecipe& r) {
            std::vector<PyStage> out;
            for (const AnyStage& s : r.recipe.stages) out.push_back(PyStage{s});
            return out;
          },
          "The stages, in order.")
      .def("__len__", [](const PyRecipe& r) { return r.recipe.stages.size(); })
      .def("__repr__", [](const PyRecipe& r) { return recipe_text(r.recipe); })
      .def(
          "to_json", [](const PyRecipe& r, int indent) { return recipe_to_json(r.recipe, indent); },
          nb::arg("indent") = 2,
          "The recipe in pixfuse's recipe-file format (what pixfuse-prep --recipe and C++ "
          "read_recipe read); "
          "indent < 0: one line.")
      .def_static(
          "from_json",
          [](const std::string& text) {
            return PyRecipe{recipe_from_json(text, "recipe"), nullptr};
          },
          nb::arg("text"),
          "A recipe from its JSON text; errors name the field (stages[2].filter: ...).")
      .def("__eq__",
           [](const PyRecipe& a, nb::handle b) {
             return nb::isinstance<PyRecipe>(b) &&
                    recipe_to_json(a.recipe, -1) ==
                        recipe_to_json(nb::cast<const PyRecipe&>(b).recipe, -1);
           })
      .def("__hash__",
           [](const PyRecipe& r) {
             return nb::hash(nb::str(recipe_to_json(r.recipe, -1).c_str()));
           })
      // Pickled as its JSON (DataLoader workers, Ray actors).
      .def("__getstate__", [](const PyRecipe& r) { return recipe_to_json(r.recipe, -1); })
      .def("__setstate__",
           [](PyRecipe& r, const std::string& text) {
             new (&r) PyRecipe{recipe_from_json(text, "pickled recipe"), nullptr};
           })
      .def(
          "__or__",
          [](nb::handle a, nb::handle b) -> nb::object {
            if (!nb::isinstance<PyStage>(b) && !nb::isinstance<PyRecipe>(b))
              return nb::borrow(Py_NotImplemented);
            return nb::cast(compose(a, b));
          },
          nb::sig("def __or__(self, other: Stage | Recipe, /) -> Recipe"))
      .def(
          "__ror__",
          [](nb::handle a, nb::handle b) -> nb::object {
            if (!nb::isinstance<PyStage>(b)) return nb::borrow(Py_NotImplemented);
            return nb::cast(compose(b, a));
          },
          nb::sig("def __ror__(self, other: Stage, /) -> Recipe"));
}

}  // namespace pixfuse::python
