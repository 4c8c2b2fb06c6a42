// pixfuse-prep: images in, one model-ready tensor out.
//
// Decodes every input (stb_image), lowers the recipe the flags describe for each image's
// shape, runs it, and writes the images that succeeded, in input order, as one .npy.
// A file that cannot be read or decoded, or whose output shape differs from the batch's,
// is reported (stderr and the manifest) and skipped; the others still land.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "json.hpp"
#include "options.hpp"
#include "pixfuse/pixfuse.hpp"

namespace fs = std::filesystem;
namespace pf = pixfuse;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

bool is_image_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* e : {".jpg", ".jpeg", ".png", ".bmp", ".tga", ".gif"})
    if (ext == e) return true;
  return false;
}

// Files as given; directories searched recursively for image extensions, sorted.
std::vector<std::string> expand_inputs(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(in, fs::directory_options::skip_permission_denied, ec);
           it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        if (it->is_regular_file(ec) && is_image_extension(it->path())) found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(in);
    }
  }
  return files;
}

struct Item {
  std::string path;
  pf::io::DecodedImage image;
  pf::Plan plan;
  std::string error;  // empty: ok so far
  std::size_t row = 0;
};

// Run f(i) for i in [0, n) on `threads` threads.
template <class F>
void parallel_for(std::size_t n, int threads, F&& f) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next++) < n;) f(i);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads && static_cast<std::size_t>(t) < n; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

void write_manifest(const std::string& path, const std::vector<Item>& items) {
  std::ofstream m(path);
  if (!m) throw pf::Error(path + ": cannot create the manifest");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Item& it = items[i];
    m << "{\"index\": " << i << ", \"path\": " << prep::json::quote(it.path)
      << ", \"status\": " << (it.error.empty() ? "\"ok\"" : "\"error\"")
      << ", \"error\": " << (it.error.empty() ? "null" : prep::json::quote(it.error))
      << ", \"width\": " << it.image.width() << ", \"height\": " << it.image.height();
    if (it.error.empty()) m << ", \"row\": " << it.row;
    m << "}\n";
  }
}

int run(const prep::Options& o) {
  if (o.list_targets) {
    for (const std::string& t : pf::available_targets()) std::printf("%s\n", t.c_str());
    return 0;
  }
  if (o.target != "auto") {
    const std::vector<std::string> targets = pf::available_targets();
    if (std::find(targets.begin(), targets.end(), o.target) == targets.end()) {
      std::string list;
      for (const std::string& t : targets) list += (list.empty() ? "" : ", ") + t;
      throw prep::UsageError{"--target: expected auto or one of --list-targets (" + list + "), got '" + o.target +
                             "'"};
    }
  }
  pf::set_target(o.target);
  const pf::DynamicRecipe recipe = prep::build_recipe(o);
  // Surface recipe errors (a filter the convention lacks, ...) before touching any file.
  try {
    (void)pf::make_plan(recipe, pf::InputShape{64, 48, 3, pf::DType::u8});
  } catch (const pf::Error& e) {
    throw prep::UsageError{std::string("recipe: ") + e.what()};
  }

  std::vector<Item> items;
  for (const std::string& f : expand_inputs(o.inputs)) items.push_back(Item{f, {}, {}, {}, 0});
  if (items.empty()) throw prep::UsageError{"INPUT: no image files found"};

  // Decode, and lower the recipe for each image's shape.
  const auto t_decode = Clock::now();
  parallel_for(items.size(), o.threads, [&](std::size_t i) {
    Item& it = items[i];
    try {
      it.image = pf::io::decode_file(it.path);
      it.plan = pf::make_plan(recipe, pf::InputShape::of(it.image.view()));
    } catch (const pf::Error& e) {
      it.error = e.what();
    }
  });
  const double decode_s = seconds_since(t_decode);

  // The first good image fixes the batch's shape; others must match it.
  const Item* first = nullptr;
  std::size_t rows = 0;
  for (Item& it : items) {
    if (!it.error.empty()) continue;
    if (!first) first = &it;
    if (it.plan.output_shape() != first->plan.output_shape()) {
      const pf::TensorShape a = it.plan.output_shape(), b = first->plan.output_shape();
      it.error = it.path + ": output shape (" + std::to_string(a.c) + ", " + std::to_string(a.h) + ", " +
                 std::to_string(a.w) + ") differs from the batch's (" + std::to_string(b.c) + ", " +
                 std::to_string(b.h) + ", " + std::to_string(b.w) +
                 "); give the recipe a fixed output size (--crop, --resize or --letterbox)";
      continue;
    }
    it.row = rows++;
  }

  std::vector<unsigned char> tensor;
  double preprocess_s = 0;
  if (first) {
    const std::size_t slot = first->plan.output_elements() * pf::size_of(first->plan.out_dtype);
    tensor.resize(slot * rows);
    const auto t_pre = Clock::now();
    for (int k = 0; k < o.repeat; ++k)
      parallel_for(items.size(), o.threads, [&](std::size_t i) {
        Item& it = items[i];
        if (!it.error.empty()) return;
        try {
          pf::run(it.plan, it.image.view(),
                  pf::AnyTensorView(tensor.data() + it.row * slot, it.plan.out_dtype, it.plan.layout,
                                    it.plan.output_shape()));
        } catch (const pf::Error& e) {
          it.error = e.what();
        }
      });
    preprocess_s = seconds_since(t_pre);
  }

  std::size_t failed = 0;
  for (const Item& it : items)
    if (!it.error.empty()) {
      ++failed;
      std::fprintf(stderr, "pixfuse-prep: %s\n", it.error.c_str());
    }
  // A failure during preprocessing leaves a hole: compact the rows that succeeded.
  std::size_t good = 0;
  if (first) {
    const std::size_t slot = first->plan.output_elements() * pf::size_of(first->plan.out_dtype);
    for (Item& it : items) {
      if (!it.error.empty()) continue;
      if (it.row != good) std::copy_n(tensor.begin() + static_cast<std::ptrdiff_t>(it.row * slot), slot,
                                      tensor.begin() + static_cast<std::ptrdiff_t>(good * slot));
      it.row = good++;
    }
  }

  const auto t_write = Clock::now();
  if (good > 0) {
    const pf::Plan& p = first->plan;
    const std::vector<std::int64_t> shape =
        p.layout == pf::Layout::nchw
            ? std::vector<std::int64_t>{static_cast<std::int64_t>(good), p.out_channels, p.out_height, p.out_width}
            : std::vector<std::int64_t>{static_cast<std::int64_t>(good), p.out_height, p.out_width, p.out_channels};
    pf::io::write_npy(o.output, tensor.data(), p.out_dtype, shape);
    std::printf("pixfuse-prep: wrote %s: %zu image(s), shape (%lld, %lld, %lld, %lld) %s, %s, compat %s, target %s, %zu failed\n",
                o.output.c_str(), good, static_cast<long long>(shape[0]), static_cast<long long>(shape[1]),
                static_cast<long long>(shape[2]), static_cast<long long>(shape[3]),
                std::string(pf::name(p.out_dtype)).c_str(), std::string(pf::name(p.layout)).c_str(),
                std::string(pf::name(p.resampling.compat)).c_str(), pf::active_target().c_str(), failed);
  } else {
    std::fprintf(stderr, "pixfuse-prep: no image succeeded; nothing written\n");
  }
  if (!o.manifest.empty()) write_manifest(o.manifest, items);
  const double write_s = seconds_since(t_write);

  if (o.time) {
    const double rate = preprocess_s > 0 ? static_cast<double>(good) * o.repeat / preprocess_s : 0.0;
    std::printf("{\"images\": %zu, \"failed\": %zu, \"repeat\": %d, \"decode_s\": %s, \"preprocess_s\": %s, "
                "\"write_s\": %s, \"preprocess_img_per_s\": %s}\n",
                good, failed, o.repeat, prep::json::number(decode_s).c_str(),
                prep::json::number(preprocess_s).c_str(), prep::json::number(write_s).c_str(),
                prep::json::number(rate).c_str());
  }
  return good > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const prep::Options o = prep::parse_options(argc, argv);
    if (o.help) {
      std::fputs(prep::usage_text(), stdout);
      return 0;
    }
    return run(o);
  } catch (const prep::UsageError& e) {
    std::fprintf(stderr, "pixfuse-prep: %s\n", e.message.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pixfuse-prep: %s\n", e.what());
    return 1;
  }
}
