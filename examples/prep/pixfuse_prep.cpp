// pixfuse-prep: images in, model-ready tensors out. A thin shell over the library:
// options (cli.hpp: CLI11, environment, --config) -> recipe (a preset, a recipe file and
// the flags) -> io::Loader (the files-to-tensor job: listing, reading, header checks,
// decoding, EXIF, plans, the kernels, on --threads threads) -> the writer (one .npy, or
// one per --batch rows) and the manifest, batch by batch on this thread while the
// Loader's other threads prepare the next batches.
#include <sys/resource.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli.hpp"
#include "gpu.hpp"
#include "pixfuse/executor.hpp"
#include "pixfuse/io/inputs.hpp"
#include "pixfuse/io/loader.hpp"
#include "pixfuse/io/npy_writer.hpp"
#include "pixfuse/jit.hpp"
#include "pixfuse/pixfuse.hpp"
#include "pixfuse/recipe/json.hpp"

namespace pf = pixfuse;
namespace io = pixfuse::io;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The process's peak resident memory so far, MiB: VmHWM of /proc/self/status where there
// is one (Linux: this program's own pages; ru_maxrss would also count the pages of the
// parent that forked it, e.g. a large Python process), else ru_maxrss (KiB on Linux).
double peak_rss_mib() {
  if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    long kib = -1;
    while (kib < 0 && std::fgets(line, sizeof line, f))
      if (std::sscanf(line, "VmHWM: %ld kB", &kib) != 1) kib = -1;
    std::fclose(f);
    if (kib >= 0) return static_cast<double>(kib) / 1024.0;
  }
  rusage u{};
  return getrusage(RUSAGE_SELF, &u) == 0 ? static_cast<double>(u.ru_maxrss) / 1024.0 : 0.0;
}

// One JSON object per line, laid out as Python's json.dumps writes it ("key": value, ...);
// nlohmann-json writes each value, so the text is always valid UTF-8 JSON (bytes of a path
// or message that are not UTF-8 become U+FFFD).
class JsonLine {
 public:
  template <class T>
  JsonLine& add(const char* key, T&& value) {
    text_ += text_.empty() ? "{" : ", ";
    text_ += '"';
    text_ += key;
    text_ += "\": ";
    text_ += nlohmann::ordered_json(std::forward<T>(value))
                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return *this;
  }
  std::string str() const { return text_ + "}"; }

 private:
  std::string text_;
};

// A one-line progress bar on stderr, redrawn at most ten times a second, from any thread.
class Progress {
 public:
  Progress(std::size_t total, bool enabled)
      : total_(total), enabled_(enabled), start_(Clock::now()) {}
  void tick() {
    const std::size_t done = ++done_;
    if (!enabled_) return;
    std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock()) return;  // another thread is drawing: never wait for the terminal
    const double t = seconds_since(start_);
    if (done != total_ && t - last_ < 0.1) return;
    last_ = t;
    const double rate = t > 0 ? static_cast<double>(done) / t : 0;
    const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0;
    const int width = 30,
              filled = static_cast<int>(width * done / std::max<std::size_t>(total_, 1));
    std::fprintf(stderr, "\r[%s%s] %zu/%zu  %.1f img/s  ETA %d:%02d ",
                 std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(width - filled), ' ').c_str(), done, total_,
                 rate, static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
    drawn_ = true;
  }
  void finish() {
    if (drawn_.exchange(false)) std::fputs("\n", stderr);
  }
  // Before another message on stderr: the bar is redrawn on the next tick.
  void clear_line() {
    if (drawn_.exchange(false)) std::fputs("\r\033[K", stderr);
  }

 private:
  std::size_t total_;
  bool enabled_;
  Clock::time_point start_;
  std::atomic<std::size_t> done_{0};
  std::atomic<bool> drawn_{false};  // the bar is on the terminal's last line
  std::mutex mutex_;
  double last_ = -1;
};

// The output: one file, or a file per `batch` rows (OUT_00000.npy, ...).
class Output {
 public:
  Output(std::string path, std::optional<int> batch) : path_(std::move(path)), batch_(batch) {}

  // Appends one row; says where it landed: (file, row in it).
  std::pair<std::int64_t, std::int64_t> append(const void* row, const pf::Plan& p) {
    if (!writer_) {
      const std::vector<std::int64_t> shape =
          p.layout == pf::Layout::nchw
              ? std::vector<std::int64_t>{p.out_channels, p.out_height, p.out_width}
              : std::vector<std::int64_t>{p.out_height, p.out_width, p.out_channels};
      writer_ = std::make_unique<io::NpyWriter>(file_name(files_), p.out_dtype, shape);
    }
    const std::pair<std::int64_t, std::int64_t> at{files_, writer_->rows()};
    writer_->append(row, 1);
    ++rows_;
    if (batch_ && writer_->rows() == *batch_) close();
    return at;
  }
  void close() {
    if (!writer_) return;
    writer_->finish();
    written_.push_back(writer_->path());
    writer_.reset();
    ++files_;
  }
  std::int64_t rows() const { return rows_; }
  const std::vector<std::string>& written() const { return written_; }

 private:
  std::string file_name(std::int64_t k) const {
    if (!batch_) return path_;
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "_%05lld.npy", static_cast<long long>(k));
    const bool npy = path_.size() > 4 && path_.compare(path_.size() - 4, 4, ".npy") == 0;
    return (npy ? path_.substr(0, path_.size() - 4) : path_) + suffix;
  }
  std::string path_;
  std::optional<int> batch_;
  std::unique_ptr<io::NpyWriter> writer_;
  std::int64_t files_ = 0, rows_ = 0;
  std::vector<std::string> written_;
};

std::string manifest_line(const io::SourceStatus& s, std::int64_t file, std::int64_t row) {
  const bool ok = s.ok();
  JsonLine j;
  j.add("index", s.index).add("path", s.source);
  if (s.slice >= 0) j.add("slice", s.slice);
  j.add("status", ok ? "ok" : "error")
      .add("error", ok ? nlohmann::ordered_json() : nlohmann::ordered_json(s.message));
  if (!ok) j.add("stage", io::name(s.failed));
  j.add("width", s.width).add("height", s.height);
  j.add("row", ok ? nlohmann::ordered_json(row) : nlohmann::ordered_json());
  j.add("batch", ok ? nlohmann::ordered_json(file) : nlohmann::ordered_json());
  j.add("orientation", static_cast<int>(s.orientation)).add("reduction", s.reduction);
  j.add("decoder", s.decoder == io::Decoder::none ? nlohmann::ordered_json()
                                                  : nlohmann::ordered_json(io::name(s.decoder)));
  return j.str();
}

void check_target(const prep::Options& o) {
  if (o.target == "auto") return;
  const std::vector<std::string> targets = pf::available_targets();
  if (std::find(targets.begin(), targets.end(), o.target) == targets.end()) {
    std::string list;
    for (const std::string& t : targets) list += (list.empty() ? "" : ", ") + t;
    throw prep::UsageError{"--target: expected auto or one of --list-targets (" + list +
                           "), got '" + o.target + "'"};
  }
}

// --device: the GPU batch runner, or nullptr for the CPU. auto falls back to the CPU with
// one line saying why; an explicit cuda that cannot be had is an error naming the flag.
std::unique_ptr<prep::GpuBatch> open_device(const prep::Options& o) {
  if (o.device == "cpu") return nullptr;
  std::string reason = prep::gpu_unavailable_reason();
  if (reason.empty()) {
    try {
      return prep::make_gpu_batch();
    } catch (const std::exception& e) {
      reason = e.what();
    }
  }
  if (o.device == "cuda") throw prep::UsageError{"--device cuda: " + reason};
  std::fprintf(stderr, "pixfuse-prep: --device auto: %s; using the CPU\n", reason.c_str());
  return nullptr;
}

// "libjpeg-turbo x4, stb_image x1": which decoders produced the pixels.
std::string decoders_text(const std::map<std::string, std::size_t>& used) {
  std::string s;
  for (const auto& [name, n] : used) s += (s.empty() ? "" : ", ") + name + " x" + std::to_string(n);
  return s.empty() ? std::string("none") : s;
}

int run(const prep::Options& o) {
  if (o.list_targets) {
    for (const std::string& t : pf::available_targets()) std::printf("%s\n", t.c_str());
    return 0;
  }
  check_target(o);
  pf::set_target(o.target);
  const auto jit = pf::jit(prep::build_recipe(o), 256);
  // Surface recipe errors (a filter the convention lacks, ...) before touching any file.
  std::size_t row_bytes_guess = 0;  // one output row, for a sample shape
  try {
    const pf::Plan sample = pf::make_plan(jit.recipe(), pf::InputShape{64, 48, 3, pf::DType::u8});
    row_bytes_guess = sample.output_elements() * pf::size_of(sample.out_dtype);
  } catch (const pf::Error& e) {
    throw prep::UsageError{std::string("recipe: ") + e.what()};
  }
  if (o.print_recipe) {
    std::printf("%s\n", pf::recipe_to_json(jit.recipe()).c_str());
    return 0;
  }
  const auto t_start = Clock::now();

  io::InputList inputs;
  try {
    inputs = io::list_inputs(o.inputs);
  } catch (const pf::Error& e) {  // an @LIST that cannot be opened
    throw prep::UsageError{e.what()};
  }
  for (const std::string& w : inputs.warnings)
    std::fprintf(stderr, "pixfuse-prep: %s\n", w.c_str());
  if (inputs.sources.empty()) throw prep::UsageError{"INPUT: no image files found"};

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> manifest(nullptr, &std::fclose);
  if (!o.manifest.empty()) {
    manifest.reset(std::fopen(o.manifest.c_str(), "w"));
    if (!manifest) throw pf::Error(o.manifest + ": cannot create the manifest");
  }

  const std::unique_ptr<prep::GpuBatch> gpu = open_device(o);
  pf::Executor executor(o.threads);
  Progress progress(inputs.sources.size(), !o.no_progress && isatty(STDERR_FILENO));
  io::LoaderOptions options;
  // Batches of the loader (not --batch, the rows per output file): at least 4 images per
  // thread, so that the threads stay busy across batch boundaries, and up to 64 while a
  // batch's outputs stay within 32 MiB (two batches are prepared at once).
  const std::size_t by_memory = (std::size_t{32} << 20) / std::max<std::size_t>(row_bytes_guess, 1);
  options.batch_size = std::max(std::size_t(4) * static_cast<std::size_t>(o.threads),
                                std::min<std::size_t>(64, by_memory));
  options.decode.fast = o.fast_decode;
  options.decode.region = !o.no_region_decode;
  options.decode.exif = !o.no_exif;
  options.decode.decode.max_pixels = o.max_pixels;
  options.repeat = o.repeat;
  options.device = gpu.get();
  options.on_image_done = [&progress] { progress.tick(); };
  io::Loader loader(executor, std::move(inputs.sources), jit, options);

  Output output(o.output, o.batch);
  std::size_t failed = 0;
  std::map<std::string, std::size_t> decoders;
  double write_s = 0;
  for (io::LoadedBatch batch; loader.next(batch);) {
    // In order: the good rows to the output, failures to stderr, every source to the manifest.
    const auto t_write = Clock::now();
    if (!batch.device_error.empty()) {
      progress.clear_line();
      std::fprintf(stderr, "pixfuse-prep: %s; images %zu..%zu run on the CPU\n",
                   batch.device_error.c_str(), batch.first, batch.first + batch.size() - 1);
    }
    const auto* rows = static_cast<const unsigned char*>(batch.tensor.data());
    const std::size_t row_bytes =
        batch.tensor.shape().n > 0
            ? batch.tensor.size_bytes() / static_cast<std::size_t>(batch.tensor.shape().n)
            : 0;
    for (const io::SourceStatus& s : batch.status) {
      std::pair<std::int64_t, std::int64_t> at{-1, -1};
      if (s.ok()) {
        at = output.append(rows + static_cast<std::size_t>(s.row) * row_bytes,
                           *loader.output_plan());
      } else {
        ++failed;
        progress.clear_line();
        std::fprintf(stderr, "pixfuse-prep: %s\n", s.message.c_str());
      }
      if (s.decoder != io::Decoder::none) ++decoders[io::name(s.decoder)];
      if (manifest)
        std::fprintf(manifest.get(), "%s\n", manifest_line(s, at.first, at.second).c_str());
    }
    write_s += seconds_since(t_write);
  }
  const auto t_close = Clock::now();
  output.close();
  if (manifest && std::fclose(manifest.release()) != 0)
    throw pf::Error(o.manifest + ": cannot write the manifest");
  write_s += seconds_since(t_close);
  progress.finish();
  const double total_s = seconds_since(t_start);

  const std::int64_t good = output.rows();
  if (good > 0) {
    const pf::Plan& p = *loader.output_plan();
    const std::int64_t n = o.batch ? std::min<std::int64_t>(*o.batch, good) : good;
    const std::vector<std::int64_t> dims =
        p.layout == pf::Layout::nchw
            ? std::vector<std::int64_t>{n, p.out_channels, p.out_height, p.out_width}
            : std::vector<std::int64_t>{n, p.out_height, p.out_width, p.out_channels};
    const std::vector<std::string>& files = output.written();
    const std::string where = files.size() == 1 ? files[0]
                                                : files.front() + " .. " + files.back() + " (" +
                                                      std::to_string(files.size()) + " files)";
    const std::string device = gpu ? gpu->describe() : std::string("cpu");
    std::printf("pixfuse-prep: wrote %s: %lld image(s), shape (%lld, %lld, %lld, %lld) %s, %s, "
                "compat %s, decoder %s, "
                "target %s, device %s, %zu failed\n",
                where.c_str(), static_cast<long long>(good), static_cast<long long>(dims[0]),
                static_cast<long long>(dims[1]), static_cast<long long>(dims[2]),
                static_cast<long long>(dims[3]), std::string(pf::name(p.out_dtype)).c_str(),
                std::string(pf::name(p.layout)).c_str(),
                std::string(pf::name(p.resampling.compat)).c_str(), decoders_text(decoders).c_str(),
                pf::target_for(p).c_str(), device.c_str(), failed);
  } else {
    std::fprintf(stderr, "pixfuse-prep: no image succeeded; nothing written\n");
  }
  if (!io::have_turbojpeg() && decoders.count(io::name(io::Decoder::stb_image)) && !o.quiet)
    std::fprintf(
        stderr,
        "pixfuse-prep: note: this build has no libjpeg-turbo, so JPEGs were decoded by stb_image, "
        "whose pixels differ slightly from Pillow's (install libjpeg-turbo: bash "
        "cmake/install-deps.sh, "
        "then reconfigure)\n");

  const io::LoaderStats stats = loader.stats();
  const double rate = total_s > 0 ? static_cast<double>(good) / total_s : 0.0;
  if (!o.quiet) {
    // The summary table (stderr: stdout stays machine-readable).
    const double busy =
        stats.decode_seconds + stats.preprocess_seconds + stats.device_seconds + write_s;
    auto line = [&](const char* stage, double s, const char* note) {
      std::fprintf(stderr, "  %-11s %9.3f  %5.1f%%  %9.1f  %s\n", stage, s,
                   busy > 0 ? 100 * s / busy : 0.0, s > 0 ? static_cast<double>(good) / s : 0.0,
                   note);
    };
    const char* fast = o.fast_decode == io::FastDecode::pil            ? ", fast decode (pil)"
                       : o.fast_decode == io::FastDecode::conservative ? ", fast decode"
                                                                       : "";
    std::fprintf(stderr,
                 "pixfuse-prep: %lld image(s) in %.3f s = %.1f img/s, %zu failed, %d thread(s)%s, "
                 "peak RSS %.0f MiB\n",
                 static_cast<long long>(good), total_s, rate, failed, o.threads, fast,
                 peak_rss_mib());
    std::fprintf(stderr, "  %-11s %9s  %6s  %9s\n", "stage", "seconds", "share", "img/s");
    line("decode", stats.decode_seconds, "read + header + decode, summed over threads");
    line("preprocess", stats.preprocess_seconds,
         o.repeat > 1 ? "kernel, summed over threads, x --repeat" : "kernel, summed over threads");
    if (gpu)
      line("gpu", stats.device_seconds,
           "one batch at a time: staging, transfers, kernel (main thread)");
    line("write", write_s, "output .npy and manifest (main thread, while the other threads go on)");
  }
  if (o.time) {
    const double pre_s = stats.preprocess_seconds + stats.device_seconds;
    const double pre_rate = pre_s > 0 ? static_cast<double>(good) * o.repeat / pre_s : 0.0;
    std::vector<std::string>
        used;  // a flat line: no nested object (counts are in the summary and manifest)
    for (const auto& entry : decoders) used.push_back(entry.first);
    JsonLine j;
    j.add("images", good).add("failed", failed).add("repeat", o.repeat).add("threads", o.threads);
    j.add("device", gpu ? "cuda" : "cpu")
        .add("decoders", used)
        .add("total_s", total_s)
        .add("img_per_s", rate);
    j.add("decode_s", stats.decode_seconds).add("preprocess_s", pre_s).add("write_s", write_s);
    j.add("wait_s", stats.wait_seconds)
        .add("preprocess_img_per_s", pre_rate)
        .add("peak_rss_mib", peak_rss_mib());
    std::printf("%s\n", j.str().c_str());
  }
  return good > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
#if defined(__GLIBC__)
  // Decoded photos are megabytes each, allocated and freed image after image by every
  // thread. glibc would map each one fresh (and trim it back), so every image pays its
  // page faults again and every unmap stalls the other threads (page-table lock, TLB
  // shootdowns): keep freed blocks up to 32 MiB in the heap for the next image instead.
  // Memory stays bounded by the largest images in flight.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
  try {
    const prep::Options o = prep::parse_options(argc, argv);
    if (o.help) {
      std::fputs(prep::usage_text().c_str(), stdout);
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
