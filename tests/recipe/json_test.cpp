// Recipes as JSON: every stage and option round-trips (float bits included), presets by
// name lower like the compile-time presets, the format is pinned by a golden text, and
// every malformed file fails with the path of the bad field.
#include "pixfuse/recipe/json.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "pixfuse/cpu/reference.hpp"
#include "pixfuse/plan/lower.hpp"
#include "pixfuse/recipe/presets.hpp"
#include "../test_images.hpp"

namespace pf = pixfuse;

namespace {

bool same(const pf::Resampling& a, const pf::Resampling& b) {
  return a.filter == b.filter && a.compat == b.compat && a.antialias == b.antialias;
}
bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// Field-by-field equality of two stages (float bits compared exactly).
bool same(const pf::AnyStage& x, const pf::AnyStage& y) {
  if (x.index() != y.index()) return false;
  return std::visit(
      [&](const auto& a) -> bool {
        using S = std::decay_t<decltype(a)>;
        const S& b = std::get<S>(y);
        if constexpr (std::is_same_v<S, pf::Resize<>>)
          return a.width() == b.width() && a.height() == b.height() && same(a.how, b.how);
        else if constexpr (std::is_same_v<S, pf::ResizeShorter>)
          return a.size == b.size && a.max_size == b.max_size && same(a.how, b.how);
        else if constexpr (std::is_same_v<S, pf::ResizeLonger>)
          return a.size == b.size && same(a.how, b.how);
        else if constexpr (std::is_same_v<S, pf::Letterbox<>>)
          return a.width() == b.width() && a.height() == b.height() &&
                 same_bits(a.value, b.value) && a.scaleup == b.scaleup && same(a.how, b.how);
        else if constexpr (std::is_same_v<S, pf::Crop>) return a.rect == b.rect;
        else if constexpr (std::is_same_v<S, pf::CenterCrop<>>)
          return a.width() == b.width() && a.height() == b.height();
        else if constexpr (std::is_same_v<S, pf::Pad>)
          return a.left == b.left && a.top == b.top && a.right == b.right && a.bottom == b.bottom &&
                 same_bits(a.value, b.value);
        else if constexpr (std::is_same_v<S, pf::Flip>)
          return a.horizontal == b.horizontal && a.vertical == b.vertical;
        else if constexpr (std::is_same_v<S, pf::Channels>) return a.op == b.op;
        else if constexpr (std::is_same_v<S, pf::Normalize>) {
          if (a.count != b.count || a.scale.divide != b.scale.divide ||
              !same_bits(a.scale.value, b.scale.value))
            return false;
          for (int c = 0; c < 4; ++c)
            if (!same_bits(a.mean[c], b.mean[c]) || !same_bits(a.std[c], b.std[c])) return false;
          return true;
        } else if constexpr (std::is_same_v<S, pf::AnyLayout>) return a.layout == b.layout;
        else return a.dtype == b.dtype;
      },
      x);
}
bool same(const pf::DynamicRecipe& a, const pf::DynamicRecipe& b) {
  if (a.stages.size() != b.stages.size()) return false;
  for (std::size_t i = 0; i < a.stages.size(); ++i)
    if (!same(a.stages[i], b.stages[i])) return false;
  return true;
}

pf::DynamicRecipe round_trip(const pf::DynamicRecipe& r) {
  return pf::recipe_from_json(pf::recipe_to_json(r));
}

// Every stage, every option away from its default.
pf::DynamicRecipe every_stage() {
  pf::Resampling odd;
  odd.filter = pf::Filter::lanczos3;
  odd.compat = pf::Compat::jax;
  odd.antialias = false;
  pf::DynamicRecipe r;
  r.add(pf::swap_rb());
  r.add(pf::crop(-3, 5, 301, 207));
  r.add(pf::Flip{{}, true, true});
  r.add(pf::pad(1, 2, 3, 4, 0.1f));
  r.add(pf::resize(97, 55).resampling(odd));
  r.add(pf::resize_shorter(77, 99).filter(pf::Filter::hamming).compat(pf::Compat::pil));
  r.add(pf::resize_longer(88).filter(pf::Filter::area).compat(pf::Compat::opencv).antialias(false));
  pf::Letterbox<> l = pf::letterbox(640, 480, 0.3f)
                          .filter(pf::Filter::nearest_exact)
                          .compat(pf::Compat::torchvision);
  l.scaleup = false;
  r.add(l);
  r.add(pf::center_crop(31, 17));
  r.add(pf::normalize(pf::over(127.5f), {0.1f, 0.2f, 0.3f, 0.4f}, {0.7f}));
  r.add(pf::normalize(pf::ScaleFactor(0.00392156f), {1.0f / 3.0f}, {2.0f, 3.0f}));
  r.add(pf::layout(pf::Layout::nhwc));
  r.add(pf::cast(pf::DType::bf16));
  for (pf::ChannelOp op : pf::recipe_json::all_channel_ops) r.add(pf::Channels{{}, op});
  return r;
}

}  // namespace

TEST(RecipeJson, EveryStageAndOptionRoundTrips) {
  const pf::DynamicRecipe r = every_stage();
  EXPECT_TRUE(same(round_trip(r), r)) << pf::recipe_to_json(r);
  EXPECT_EQ(pf::recipe_to_json(round_trip(r)), pf::recipe_to_json(r));
  // Every filter, compat and dtype value by name.
  for (pf::Filter f : pf::all_filters)
    for (pf::Compat c : pf::all_compats) {
      pf::DynamicRecipe one;
      one.add(pf::resize(5, 6).filter(f).compat(c));
      EXPECT_TRUE(same(round_trip(one), one)) << pf::name(f) << " " << pf::name(c);
    }
  for (pf::DType t :
       {pf::DType::f32, pf::DType::f16, pf::DType::bf16, pf::DType::u8, pf::DType::i8}) {
    pf::DynamicRecipe one;
    one.add(pf::cast(t));
    EXPECT_TRUE(same(round_trip(one), one)) << pf::name(t);
  }
}

TEST(RecipeJson, RandomFloatsKeepTheirBits) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1000.0f, 1000.0f);
  std::uniform_int_distribution<std::uint32_t> bits(0, 0xFFFFFFFFu);
  for (int k = 0; k < 2000; ++k) {
    float v[6];
    for (float& x : v) {
      if (k % 2) {
        x = u(rng);
      } else {  // any finite float, subnormals included
        const std::uint32_t b = bits(rng);
        std::memcpy(&x, &b, 4);
        if (!std::isfinite(x)) x = 1.5f;
      }
    }
    const float divisor = v[5] == 0.0f ? 3.0f : v[5];
    pf::DynamicRecipe r;
    r.add(pf::normalize(k % 3 ? pf::over(divisor) : pf::ScaleFactor(v[0]), {v[0], v[1], v[2]},
                        {v[3] == 0.0f ? 1.0f : v[3], v[4] == 0.0f ? 1.0f : v[4], 2.0f}));
    r.add(pf::pad(0, 0, 1, 1, v[2]));
    ASSERT_TRUE(same(round_trip(r), r)) << pf::recipe_to_json(r);
  }
}

TEST(RecipeJson, PresetsByNameLowerLikeTheCompileTimePresets) {
  const test_images::Image<std::uint8_t> img = test_images::noise_u8(333, 250, 3, 9u);
  auto check = [&](const char* name, const auto& preset) {
    const std::optional<pf::DynamicRecipe> r = pf::presets::by_name(name);
    ASSERT_TRUE(r) << name;
    EXPECT_TRUE(same(round_trip(*r), *r)) << name;
    const pf::Plan a = pf::make_plan(preset, pf::InputShape::of(img.view()));
    const pf::Plan b = pf::make_plan(round_trip(*r), pf::InputShape::of(img.view()));
    std::vector<unsigned char> x(a.output_elements() * pf::size_of(a.out_dtype)), y(x.size());
    pf::run_reference(a, img.view(),
                      pf::AnyTensorView(x.data(), a.out_dtype, a.layout, a.output_shape()));
    pf::run_reference(b, img.view(),
                      pf::AnyTensorView(y.data(), b.out_dtype, b.layout, b.output_shape()));
    EXPECT_EQ(a.output_shape(), b.output_shape()) << name;
    EXPECT_EQ(x, y) << name;
  };
  check("imagenet", pf::presets::imagenet());
  check("clip", pf::presets::clip());
  check("yolo", pf::presets::yolo());
  EXPECT_FALSE(pf::presets::by_name("vit"));
  EXPECT_EQ(pf::presets::names_text(), "imagenet, clip, yolo");
}

TEST(RecipeJson, TheFormatAsWritten) {
  EXPECT_EQ(
      pf::recipe_to_json(pf::presets::imagenet(), -1),
      R"({"pixfuse_recipe":1,"stages":[{"stage":"channels","op":"to_rgb"},)"
      R"({"stage":"resize_shorter","size":256,"max_size":0,"filter":"bilinear","compat":"pil","antialias":true},)"
      R"({"stage":"center_crop","width":224,"height":224},)"
      R"({"stage":"normalize","scale":"1/255","mean":[0.485,0.456,0.406],"std":[0.229,0.224,0.225]},)"
      R"({"stage":"layout","layout":"nchw"},{"stage":"cast","dtype":"f32"}]})");
  // Defaults for what a hand-written file leaves out.
  const pf::DynamicRecipe r =
      pf::recipe_from_json(R"({"pixfuse_recipe": 1, "description": "mine", "stages": [
      {"stage": "resize", "width": 8, "height": 6}, {"stage": "letterbox", "width": 4, "height": 4},
      {"stage": "normalize"}, {"stage": "channels"}, {"stage": "cast"}, {"stage": "layout"}, {"stage": "flip"},
      {"stage": "pad"}, {"stage": "crop", "width": 2, "height": 3}]})");
  pf::DynamicRecipe want;
  want.add(pf::resize(8, 6));
  want.add(pf::letterbox(4, 4));
  want.add(pf::normalize(pf::ScaleFactor(1.0f)));
  want.add(pf::Channels{});
  want.add(pf::cast(pf::DType::f32));
  want.add(pf::layout(pf::Layout::nchw));
  want.add(pf::Flip{});
  want.add(pf::Pad{});
  want.add(pf::crop(0, 0, 2, 3));
  EXPECT_TRUE(same(r, want)) << pf::recipe_to_json(r);
}

TEST(RecipeJson, NlohmannHooks) {
  nlohmann::json j = pf::presets::clip();  // a compile-time recipe
  const auto back = j.get<pf::DynamicRecipe>();
  EXPECT_TRUE(same(back, *pf::presets::by_name("clip")));
  nlohmann::ordered_json o = back;
  EXPECT_EQ(o.dump(), pf::recipe_to_json(back, -1));
  j["stages"][1]["size"] = "big";
  try {
    (void)j.get<pf::DynamicRecipe>();
    FAIL() << "expected an error";
  } catch (const pf::Error& e) {
    EXPECT_STREQ(e.what(), "recipe: stages[1].size: expected a positive integer, got \"big\"");
  }
}

TEST(RecipeJson, ErrorsNameTheField) {
  const std::string head = R"({"pixfuse_recipe": 1, "stages": [)";
  const std::pair<std::string, std::string> cases[] = {
      {"{", "m.json: not valid JSON: parse error at line 1, column 2: syntax error while parsing "
            "object key - "
            "unexpected end of input; expected string literal"},
      {"[]", "m.json: expected an object, got []"},
      {R"({"stages": []})",
       "m.json: pixfuse_recipe: expected a value (the field is required), got nothing"},
      {R"({"pixfuse_recipe": 2, "stages": []})",
       "m.json: pixfuse_recipe: expected format version 1 (the version this pixfuse reads), got 2"},
      {R"({"pixfuse_recipe": 1, "stages": {}})",
       "m.json: stages: expected an array of stages, got {}"},
      {R"({"pixfuse_recipe": 1, "stages": [], "stagez": 1})",
       "m.json: stagez: unknown field (expected pixfuse_recipe, description, stages)"},
      {head + R"({"stage": "blur"}]})",
       "m.json: stages[0].stage: expected one of resize, resize_shorter, resize_longer, letterbox, "
       "crop, center_crop, "
       "pad, flip, channels, normalize, layout, cast, got \"blur\""},
      {head + R"({"size": 3}]})",
       "m.json: stages[0].stage: expected a value (the field is required), got nothing"},
      {head + R"({"stage": "channels"}, {"stage": "resize", "width": 0, "height": 5}]})",
       "m.json: stages[1].width: expected a positive integer, got 0"},
      {head + R"({"stage": "resize", "width": 2.5, "height": 5}]})",
       "m.json: stages[0].width: expected a positive integer, got 2.5"},
      {head + R"({"stage": "resize", "width": 2, "height": 5, "filter": "gauss"}]})",
       "m.json: stages[0].filter: expected one of nearest, bilinear, bicubic, lanczos3, lanczos4, "
       "area, hamming, "
       "lanczos5, nearest_exact, linear_exact, got \"gauss\""},
      {head + R"({"stage": "resize_shorter", "size": 2, "compat": "skimage"}]})",
       "m.json: stages[0].compat: expected one of pil, torchvision, opencv, jax, got \"skimage\""},
      {head + R"({"stage": "resize_shorter", "size": 2, "antialias": "yes"}]})",
       "m.json: stages[0].antialias: expected true or false, got \"yes\""},
      {head + R"({"stage": "center_crop", "width": 2, "hieght": 2}]})",
       "m.json: stages[0].height: expected a value (the field is required), got nothing"},
      {head + R"({"stage": "center_crop", "width": 2, "height": 2, "hieght": 2}]})",
       "m.json: stages[0].hieght: unknown field (expected stage, width, height)"},
      {head + R"({"stage": "normalize", "mean": [1, 2], "std": [1, 2, 3]}]})",
       "m.json: stages[0].std: expected as many values as mean (2), or one, got 3 values"},
      {head + R"({"stage": "normalize", "std": [1, 0]}]})",
       "m.json: stages[0].std[1]: expected a non-zero number, got 0"},
      {head + R"({"stage": "normalize", "mean": [1, 2, 3, 4, 5]}]})",
       "m.json: stages[0].mean: expected an array of 1 to 4 numbers, got [1,2,3,4,5]"},
      {head + R"({"stage": "normalize", "mean": ["a"]}]})",
       "m.json: stages[0].mean[0]: expected a number, got \"a\""},
      {head + R"({"stage": "normalize", "scale": "1/0"}]})",
       "m.json: stages[0].scale: expected a number (multiply by it) or \"1/N\" (divide by N, N "
       "non-zero), got \"1/0\""},
      {head + R"({"stage": "normalize", "scale": 1e300}]})",
       "m.json: stages[0].scale: expected a finite float, got 1e+300"},
      {head + R"({"stage": "cast", "dtype": "u16"}]})",
       "m.json: stages[0].dtype: expected one of f32, f16, bf16, u8, i8, got \"u16\""},
      {head + R"({"stage": "layout", "layout": "chw"}]})",
       "m.json: stages[0].layout: expected one of nchw, nhwc, got \"chw\""},
      {head + R"({"stage": "pad", "left": -1}]})",
       "m.json: stages[0].left: expected a non-negative integer, got -1"},
      {head + R"({"stage": "channels", "op": "to_hsv"}]})",
       "m.json: stages[0].op: expected one of to_rgb, to_bgr, drop_alpha, gray_to_rgb, swap_rb, "
       "got \"to_hsv\""},
      {head + R"(3]})", "m.json: stages[0]: expected an object, got 3"},
      // A number past double's range is a JSON error of its own (found by the recipe fuzzer).
      {head + R"({"stage": "normalize", "scale": 1e999}]})",
       "m.json: not valid JSON: number overflow parsing '1e999'"},
  };
  for (const auto& [text, message] : cases) {
    try {
      (void)pf::recipe_from_json(text, "m.json");
      ADD_FAILURE() << "no error for " << text;
    } catch (const pf::Error& e) {
      EXPECT_EQ(std::string(e.what()), message) << text;
    }
  }
  EXPECT_THROW(pf::read_recipe("/nonexistent/recipe.json"), pf::Error);
}
