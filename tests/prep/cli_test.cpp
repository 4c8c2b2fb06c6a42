// pixfuse-prep's configuration: recipes as files (--recipe, --print-recipe), environment
// variables and --config files, the default thread count, the decoder named in the
// summary and the manifest, and a manifest that is valid UTF-8 JSON whatever the paths.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>
#include <string>

#include "pixfuse/cpus.hpp"
#include "pixfuse/io/decode.hpp"
#include "pixfuse/io/npy.hpp"
#include "pixfuse/recipe/json.hpp"
#include "pixfuse/recipe/presets.hpp"
#include "prep_runner.hpp"

namespace fs = std::filesystem;
namespace pf = pixfuse;
using namespace prep_test;

namespace {

// pixfuse-prep with environment variables set for it alone.
Result prep_with_env(const std::string& env, const std::string& args) {
  return prep_command("env " + env + " " + PIXFUSE_PREP, args);
}

// The JSON printed on stdout (--print-recipe), parsed.
std::string recipe_text(const Result& r) { return r.out.substr(0, r.out.rfind('}') + 1); }

}  // namespace

TEST_F(Prep, PrintRecipeGivesThePresetsJsonAndTheFlagsOnTop) {
  for (const char* name : {"imagenet", "clip", "yolo"}) {
    const Result r = prep(std::string("--preset ") + name + " --print-recipe");
    ASSERT_EQ(r.status, 0) << r.out;
    EXPECT_EQ(recipe_text(r), pf::recipe_to_json(*pf::presets::by_name(name))) << name;
  }
  const Result r = prep("--preset clip --dtype f16 --layout nhwc --print-recipe");
  ASSERT_EQ(r.status, 0) << r.out;
  const pf::DynamicRecipe printed = pf::recipe_from_json(recipe_text(r));
  ASSERT_EQ(printed.stages.size(), 6u);
  EXPECT_EQ(std::get<pf::AnyCast>(printed.stages[5]).dtype, pf::DType::f16);
  EXPECT_EQ(std::get<pf::AnyLayout>(printed.stages[4]).layout, pf::Layout::nhwc);
  EXPECT_EQ(std::get<pf::ResizeShorter>(printed.stages[1]).how.filter, pf::Filter::bicubic);
}

TEST_F(Prep, ARecipeFileGivesTheSameTensorAsItsFlags) {
  const std::string flags =
      "--resize-shorter 40 --crop 32x24 --filter bicubic --compat torchvision --mean 0.5 "
      "--std 0.25 --layout nhwc --dtype bf16 --channel-order bgr";
  const Result print = prep(flags + " --print-recipe");
  ASSERT_EQ(print.status, 0) << print.out;
  write("r.json", recipe_text(print));
  ASSERT_EQ(prep(flags + " " + kData + " -o " + path("a.npy")).status, 0);
  const Result file = prep("--recipe " + path("r.json") + " " + kData + " -o " + path("b.npy"));
  ASSERT_EQ(file.status, 0) << file.out;
  EXPECT_EQ(slurp(path("a.npy")), slurp(path("b.npy")));
  // Flags still apply on top of a file.
  const Result u8 = prep("--recipe " + path("r.json") + " --dtype u8 --print-recipe");
  EXPECT_NE(u8.out.find("\"dtype\": \"u8\""), std::string::npos) << u8.out;
}

TEST_F(Prep, BadRecipeFilesNameTheField) {
  write(
      "bad.json",
      R"({"pixfuse_recipe": 1, "stages": [{"stage": "resize", "width": 8, "height": 8, "filter": "gauss"}]})");
  write("v2.json", R"({"pixfuse_recipe": 2, "stages": []})");
  write("junk.json", "not json");
  const std::pair<std::string, std::string> cases[] = {
      {"--recipe " + path("bad.json"),
       "--recipe: " + path("bad.json") + ": stages[0].filter: expected one of nearest, "},
      {"--recipe " + path("v2.json"),
       "--recipe: " + path("v2.json") + ": pixfuse_recipe: expected format version 1"},
      {"--recipe " + path("junk.json"),
       "--recipe: " + path("junk.json") + ": not valid JSON: parse error at line 1"},
      {"--recipe " + path("none.json"),
       "--recipe: " + path("none.json") + ": cannot open the recipe file"},
      {"--recipe " + path("v2.json") + " --preset clip",
       "--preset, --recipe: expected at most one of them, got both"},
  };
  for (const auto& [args, message] : cases) {
    const Result r = prep(args + " " + kData + " -o " + path("o.npy"));
    EXPECT_EQ(r.status, 2) << args << "\n" << r.out;
    EXPECT_NE(r.out.find("pixfuse-prep: " + message), std::string::npos) << args << "\n" << r.out;
  }
}

TEST_F(Prep, EnvironmentAndConfigFile) {
  const std::string job = kData + "/chelsea.jpg -o " + path("o.npy");
  const Result env = prep_with_env("PIXFUSE_THREADS=3 PIXFUSE_PRESET=clip", job);
  ASSERT_EQ(env.status, 0) << env.out;
  EXPECT_NE(env.out.find("3 thread(s)"), std::string::npos) << env.out;
  EXPECT_EQ(pf::io::read_npy(path("o.npy")).shape, (std::vector<std::int64_t>{1, 3, 224, 224}));
  const Result flag_wins = prep_with_env("PIXFUSE_THREADS=3", "--threads 1 " + job);
  EXPECT_NE(flag_wins.out.find("1 thread(s)"), std::string::npos) << flag_wins.out;
  const Result bad_env = prep_with_env("PIXFUSE_THREADS=many", job);
  EXPECT_EQ(bad_env.status, 2);
  EXPECT_NE(bad_env.out.find("pixfuse-prep: --threads: expected a positive integer, got 'many'"),
            std::string::npos)
      << bad_env.out;

  write("prep.toml", "# pixfuse-prep settings\nthreads = 2\nresize = \"16x12\"\ndtype = "
                     "\"u8\"\nfast-decode = true\n");
  const Result cfg = prep("--config " + path("prep.toml") + " " + job + " --time");
  ASSERT_EQ(cfg.status, 0) << cfg.out;
  EXPECT_NE(cfg.out.find("2 thread(s), fast decode"), std::string::npos) << cfg.out;
  EXPECT_NE(cfg.out.find("shape (1, 3, 12, 16) u8"), std::string::npos) << cfg.out;
  const Result env_over_cfg =
      prep_with_env("PIXFUSE_THREADS=1", "--config " + path("prep.toml") + " " + job);
  EXPECT_NE(env_over_cfg.out.find("1 thread(s)"), std::string::npos) << env_over_cfg.out;

  write("typo.toml", "threadz = 2\n");
  const Result typo = prep("--config " + path("typo.toml") + " " + job);
  EXPECT_EQ(typo.status, 2);
  EXPECT_NE(typo.out.find("pixfuse-prep: --config: unknown option 'threadz'"), std::string::npos)
      << typo.out;
  const Result missing = prep("--config " + path("none.toml") + " " + job);
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.out.find("pixfuse-prep: --config: "), std::string::npos) << missing.out;
  write("badvalue.toml", "batch = 0\n");
  const Result value = prep("--config " + path("badvalue.toml") + " " + job);
  EXPECT_EQ(value.status, 2);
  EXPECT_NE(value.out.find("pixfuse-prep: --batch: expected a positive integer, got '0'"),
            std::string::npos)
      << value.out;
}

TEST_F(Prep, DecodeModesFromTheEnvironmentAndAConfigFile) {
  const std::string job = "--preset imagenet " + kData + "/chelsea.jpg -o " + path("o.npy");
  const Result env = prep_with_env("PIXFUSE_FAST_DECODE=pil PIXFUSE_NO_REGION_DECODE=1", job);
  ASSERT_EQ(env.status, 0) << env.out;
  EXPECT_NE(env.out.find(", fast decode (pil), peak RSS "), std::string::npos) << env.out;
  const Result flag_wins = prep_with_env("PIXFUSE_FAST_DECODE=pil", "--fast-decode " + job);
  EXPECT_NE(flag_wins.out.find(", fast decode, peak RSS "), std::string::npos) << flag_wins.out;
  write("pil.toml", "fast-decode = \"pil\"\nno-region-decode = true\n");
  const Result cfg = prep("--config " + path("pil.toml") + " " + job);
  ASSERT_EQ(cfg.status, 0) << cfg.out;
  EXPECT_NE(cfg.out.find(", fast decode (pil), peak RSS "), std::string::npos) << cfg.out;
  const Result bad = prep_with_env("PIXFUSE_FAST_DECODE=draft", job);
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.out.find("pixfuse-prep: --fast-decode: expected no value or =pil, got 'draft'"),
            std::string::npos)
      << bad.out;
}

TEST_F(Prep, ThreadsDefaultToTheCpusThisProcessMayUse) {
  const Result r = prep("--preset imagenet " + kData + " -o " + path("o.npy"));
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find(", " + std::to_string(pf::available_cpus()) + " thread(s)"),
            std::string::npos)
      << r.out;
}

TEST_F(Prep, TheDecoderIsNamedInTheSummaryAndTheManifest) {
  const Result r = prep("--preset imagenet " + kData + " -o " + path("o.npy") + " --manifest " +
                        path("m.jsonl"));
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string jpeg = pf::io::have_turbojpeg() ? "libjpeg-turbo" : "stb_image";
  EXPECT_NE(r.out.find(pf::io::have_turbojpeg() ? "decoder libjpeg-turbo x4, stb_image x1, "
                                                : "decoder stb_image x5, "),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("no libjpeg-turbo") == std::string::npos, pf::io::have_turbojpeg()) << r.out;
  const std::string m = slurp(path("m.jsonl"));
  EXPECT_NE(manifest_line(m, "chelsea.jpg").find("\"decoder\": \"" + jpeg + "\""),
            std::string::npos)
      << m;
  EXPECT_NE(manifest_line(m, "camera.png").find("\"decoder\": \"stb_image\""), std::string::npos)
      << m;
}

TEST_F(Prep, TheManifestIsValidJsonWhateverThePaths) {
  // A file name that is not UTF-8 (Linux allows any bytes), with quotes and a tab.
  const std::string odd = std::string("odd_\xff\xfe_\"q\"\t.png");
  fs::copy_file(kBad + "/gray.png", path(odd));
  write("bad_\xc3.jpg", "junk");
  const Result r = prep("--crop 1x1 " + dir_.string() + " -o " + path("o.npy") + " --manifest " +
                        path("m.jsonl"));
  ASSERT_EQ(r.status, 0) << r.out;
  std::istringstream lines(slurp(path("m.jsonl")));
  int n = 0, ok = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    const nlohmann::json j = nlohmann::json::parse(line);  // throws on invalid JSON or UTF-8
    ok += j["status"] == "ok";
    EXPECT_EQ(j["path"].get<std::string>().find("\xef\xbf\xbd"),
              j["path"].get<std::string>().find("\xef\xbf\xbd"));
    if (j["status"] == "error") {
      EXPECT_EQ(j["stage"], "header") << line;
      EXPECT_TRUE(j["row"].is_null());
    }
  }
  EXPECT_EQ(n, 2);
  EXPECT_EQ(ok, 1);
  const std::string m = slurp(path("m.jsonl"));
  EXPECT_NE(m.find("odd_\xef\xbf\xbd\xef\xbf\xbd_\\\"q\\\"\\t.png"), std::string::npos)
      << m;  // U+FFFD, escaped
}
