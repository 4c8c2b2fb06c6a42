// Loader: images in (files, encoded bytes, decoded views, .npy slices), batches of the
// recipe's output tensor out, with a status per image. The files-to-tensor job of
// pixfuse-prep, as a library component.
//
//   pixfuse::Executor executor;                               // every CPU this process may use
//   const auto preprocess = pixfuse::jit(pixfuse::presets::imagenet());
//   io::Loader loader(executor, io::list_inputs({"photos/"}).sources, preprocess);
//   io::LoadedBatch batch;                                     // reused: its buffer is recycled
//   while (loader.next(batch)) {
//     use(batch.tensor.view());                                // (rows, 3, 224, 224) f32, good
//     images only for (const io::SourceStatus& s : batch.status)
//       if (!s.ok()) log(s.message);                           // "cat.jpg: cannot decode JPEG
//       (...)"
//   }
//
// The work: every image is read, its header checked (size, EXIF orientation, the
// max_pixels limit before any pixel memory), decoded (io::decode_for, io/plan_decode.hpp:
// exact, DCT-reduced by pixfuse's or Pillow's rule, only the region the plan reads), its plan taken
// from the jit cache and run into its row. Images, not stages, are the unit of work: each of the
// executor's threads takes the next image and does all of it, so decoding one overlaps
// preprocessing another and no thread waits at a stage boundary. There is no barrier between
// batches either: while you consume batch k, the executor's other threads fill batches k+1 ..
// k+prefetch, and next() itself works on images while it waits, so `executor.threads()` threads are
// busy in all (with one thread, next() does all the work). Memory is bounded whatever the number of
// sources: `prefetch` batches of outputs plus one encoded file and one decoded image per
// thread (with a BatchDevice, a batch's decoded images are held until it runs).
//
// Output shape: fixed by the first source (in order) whose header lowers, before any
// image is decoded; an image with another output shape fails (Stage::shape) and the
// others land. Give the recipe a fixed output size (a crop, resize to W x H, letterbox)
// for mixed sizes. Rows: by default only the images that succeeded, in source order
// (SourceStatus::row says where each landed); keep_failed_rows gives every source a row,
// zeros for the failed ones.
//
// For bindings: sources are plain data, the call that blocks (next()) needs nothing from
// its caller's runtime (a binding releases its interpreter lock around it), the tensor is
// an owned, 64-byte aligned pixfuse::Batch that can be moved out (a LoadedBatch whose
// tensor was moved out simply gets a new buffer next time), statuses are plain structs,
// and no callback is required. One thread calls next(); the Loader is not shared.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "pixfuse/batch_device.hpp"
#include "pixfuse/core/error.hpp"
#include "pixfuse/core/image_view.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/executor.hpp"
#include "pixfuse/io/file.hpp"
#include "pixfuse/io/npy.hpp"
#include "pixfuse/io/plan_decode.hpp"
#include "pixfuse/io/source.hpp"
#include "pixfuse/io/source_status.hpp"
#include "pixfuse/jit.hpp"
#include "pixfuse/plan/lower.hpp"
#include "pixfuse/vmap.hpp"

namespace pixfuse::io {

// The Loader's decode defaults: exact, region decode, EXIF applied, Pillow's bomb limit,
// 16-bit PNGs as 8 bits (as Pillow reads them).
inline PlanDecodeOptions loader_decode_defaults() {
  PlanDecodeOptions o;
  o.decode.keep_16_bit = false;
  return o;
}

struct LoaderOptions {
  std::size_t batch_size = 64;  // sources per batch (the last batch may hold fewer)
  // Batches prepared at once, ahead of the one you hold (>= 1). 2 keeps every thread busy
  // across batch boundaries: threads move on to batch k+2 while k+1's last images finish.
  std::size_t prefetch = 2;
  bool keep_failed_rows = false;  // true: one row per source, zeros where an image failed
  // How images are decoded (io/plan_decode.hpp): decode.fast (off = exact, Pillow's
  // pixels; conservative; pil = Pillow's draft rule), decode.region (decode only what the
  // plan reads; same output), decode.exif, decode.decode.max_pixels and keep_16_bit (off:
  // 16-bit PNGs as 8 bits, the high byte, as Pillow reads them).
  PlanDecodeOptions decode = loader_decode_defaults();
  int repeat = 1;  // run each kernel this many times (measurement only)
  // Optional: run each batch's plans there (decoding stays on the CPU threads); not owned.
  BatchDevice* device = nullptr;
  // Optional: called after each image, on the thread that processed it (progress bars),
  // before next() can deliver the image's batch.
  std::function<void()> on_image_done;
};

struct LoadedBatch {
  std::size_t index = 0;  // the k-th batch
  std::size_t first = 0;  // the source index of status[0]
  // (rows, C, H, W) or (rows, H, W, C): rows = the images that succeeded (or every source
  // with keep_failed_rows). Owned, 64-byte aligned; empty (0 rows) when none succeeded.
  Batch tensor;
  std::vector<SourceStatus> status;  // one per source of the batch, in order
  // Non-empty when the BatchDevice failed on this batch: why (its images ran on the CPU).
  std::string device_error;

  std::size_t size() const noexcept { return status.size(); }
  std::size_t ok_count() const noexcept {
    std::size_t n = 0;
    for (const SourceStatus& s : status) n += s.ok() ? 1 : 0;
    return n;
  }
};

// Where the time went so far (seconds summed over threads, except device and wait).
struct LoaderStats {
  std::size_t images = 0;  // sources processed
  std::size_t failed = 0;
  double decode_seconds = 0;      // read + header + decode (+ the plan lookups they need)
  double preprocess_seconds = 0;  // the kernels (x repeat)
  double device_seconds = 0;  // BatchDevice::run calls (and their CPU fallbacks), next()'s thread
  double wait_seconds = 0;    // next() idle, waiting for images other threads were finishing
};

class Loader {
 public:
  // The executor, and the bytes and views the sources borrow, must outlive the Loader.
  template <class R>
  Loader(Executor& executor, std::vector<Source> sources, const Jit<R>& jit,
         LoaderOptions options = {})
      : executor_(executor), sources_(std::move(sources)), options_(std::move(options)) {
    if (options_.batch_size < 1)
      pixfuse::detail::fail_mismatch("Loader batch_size", "at least 1", options_.batch_size);
    if (options_.prefetch < 1)
      pixfuse::detail::fail_mismatch("Loader prefetch", "at least 1", options_.prefetch);
    if (options_.repeat < 1)
      pixfuse::detail::fail_mismatch("Loader repeat", "at least 1", options_.repeat);
    plan_ = [jit](const InputShape& s) { return jit.plan(s); };
    if constexpr (Jit<R>::static_extents) {
      run_ = [](const Plan& p, const AnyImageView& in, const AnyTensorView& out) {
        run_static<static_output_t<R>>(p, in, out);
      };
    } else {
      run_ = [](const Plan& p, const AnyImageView& in, const AnyTensorView& out) {
        run(p, in, out);
      };
    }
    batches_ = (sources_.size() + options_.batch_size - 1) / options_.batch_size;
    slots_.resize(std::min(options_.prefetch, std::max<std::size_t>(batches_, 1)));
  }
  // The recipe itself (a Recipe<...> or a DynamicRecipe), with a cache of 256 plans.
  template <class R, std::enable_if_t<is_recipe_v<R> || std::is_same_v<R, DynamicRecipe>, int> = 0>
  Loader(Executor& executor, std::vector<Source> sources, R recipe, LoaderOptions options = {})
      : Loader(executor, std::move(sources), Jit<R>(std::move(recipe), 256), std::move(options)) {}

  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // Stops the work in progress (images being processed finish) and waits for it.
  ~Loader() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    for (Task<void>& t : tasks_) t.wait();  // an unstarted task runs here and returns at once
  }

  // The next batch into `out` (its previous buffer is recycled); false when every source
  // has been delivered. Throws only when memory runs out.
  bool next(LoadedBatch& out) {
    if (delivered_ == batches_) return false;
    if (!started_) start();
    const std::size_t k = delivered_;
    Slot& slot = slot_of(k);
    {
      std::unique_lock<std::mutex> lock(mutex_);
      for (;;) {
        if (slot.done == slot.count) break;
        std::size_t i = 0;
        if (claim_locked(i)) {  // help rather than wait
          lock.unlock();
          process(i, scratch_);
          lock.lock();
          continue;
        }
        const auto t0 = Clock::now();
        changed_.wait(lock);
        wait_ns_ += elapsed_ns(t0);
      }
    }
    finish_batch(slot);
    out.index = k;
    out.first = k * options_.batch_size;
    std::swap(out.tensor, slot.tensor);
    out.status.swap(slot.status);
    out.device_error.swap(slot.device_error);
    slot.device_error.clear();
    ++delivered_;
    delivered_images_ += out.status.size();
    for (const SourceStatus& s : out.status) failed_ += s.ok() ? 0 : 1;
    // The slot now takes batch k + prefetch, if there is one; then the window opens to it.
    const std::size_t b = k + slots_.size();
    if (b < batches_) prepare(slot, b);
    open_window(std::min(sources_.size(), (delivered_ + slots_.size()) * options_.batch_size));
    top_up();
    return true;
  }

  std::size_t size() const noexcept { return sources_.size(); }
  std::size_t batch_count() const noexcept { return batches_; }
  const std::vector<Source>& sources() const noexcept { return sources_; }
  // The plan every row's output matches (dtype, layout, C, H, W); null until the first
  // next(), and when no source's header lowers.
  std::shared_ptr<const Plan> output_plan() const { return out_plan_; }

  LoaderStats stats() const {
    LoaderStats s;
    s.images = delivered_images_;
    s.failed = failed_;
    s.decode_seconds = static_cast<double>(decode_ns_.load()) * 1e-9;
    s.preprocess_seconds = static_cast<double>(preprocess_ns_.load()) * 1e-9;
    s.device_seconds = static_cast<double>(device_ns_) * 1e-9;
    s.wait_seconds = static_cast<double>(wait_ns_) * 1e-9;
    return s;
  }

 private:
  using Clock = std::chrono::steady_clock;
  static std::int64_t elapsed_ns(Clock::time_point t0) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count();
  }

  // decode_for's view of plan_ (anything with plan(InputShape)).
  struct Plans {
    const std::function<std::shared_ptr<const Plan>(const InputShape&)>& fn;
    std::shared_ptr<const Plan> plan(const InputShape& s) const { return fn(s); }
  };
  // Per-thread reusable memory: the encoded bytes of the file being decoded.
  struct Scratch {
    std::vector<unsigned char> bytes;
  };
  // An image's pixels and plan, held until a BatchDevice runs the batch.
  struct Held {
    PlannedImage planned;
    NpyArray array;
    AnyImageView view;
    std::shared_ptr<const Plan> plan;
  };
  // One batch being prepared: row j and status j belong to source first + j; threads
  // write distinct rows without a lock, `done` is guarded by mutex_.
  struct Slot {
    std::size_t batch = 0, count = 0, done = 0;
    Batch tensor;
    std::vector<SourceStatus> status;
    std::vector<Held> held;  // with a device
    std::string device_error;
  };

  Slot& slot_of(std::size_t batch) { return slots_[batch % slots_.size()]; }
  std::size_t row_bytes() const {
    return out_plan_ ? out_plan_->output_elements() * size_of(out_plan_->out_dtype) : 0;
  }
  std::string source_name(std::size_t i) const {
    const Source& s = sources_[i];
    return s.name.empty() ? "sources[" + std::to_string(i) + "]" : s.name;
  }

  // Learns the output shape from headers, sizes the first slots, opens the window, and
  // starts the workers.
  void start() {
    started_ = true;
    for (std::size_t i = 0; i < sources_.size() && !out_plan_; ++i) out_plan_ = header_plan(i);
    for (std::size_t b = 0; b < slots_.size() && b < batches_; ++b) prepare(slots_[b], b);
    cost_.assign(sources_.size(), 0);
    taken_.assign(sources_.size(), 0);
    open_window(std::min(sources_.size(), slots_.size() * options_.batch_size));
    top_up();
  }

  void prepare(Slot& slot, std::size_t b) {
    const std::size_t first = b * options_.batch_size;
    slot.batch = b;
    slot.count = std::min(options_.batch_size, sources_.size() - first);
    slot.done = 0;
    const auto n = static_cast<std::int64_t>(slot.count);
    if (out_plan_) {
      TensorShape shape = out_plan_->output_shape();
      shape.n = n;
      slot.tensor.reshape(out_plan_->out_dtype, out_plan_->layout, shape);
    } else {
      slot.tensor.reshape(DType::f32, Layout::nchw, TensorShape{0, 0, 0, 0});
    }
    slot.status.resize(slot.count);
    for (std::size_t j = 0; j < slot.count; ++j) {
      SourceStatus& s = slot.status[j];
      const std::size_t i = first + j;
      s.index = i;
      s.source = source_name(i);
      s.slice = sources_[i].slice;
      s.failed = Stage::none;
      s.message.clear();
      s.width = s.height = 0;
      s.orientation = Orientation::normal;
      s.reduction = 1;
      s.decoder = Decoder::none;
      s.row = -1;
    }
    if (options_.device != nullptr) slot.held.resize(slot.count);
  }

  // Background workers: up to threads - 1 tasks on the executor, each taking images until
  // none can be taken now (then it returns; next() starts tasks again as batches open).
  void top_up() {
    const std::size_t want = static_cast<std::size_t>(std::max(executor_.threads() - 1, 0));
    std::size_t start_now = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
      const std::size_t claimable = window_end_ - claimed_;
      while (active_ + start_now < want && start_now < claimable) ++start_now;
      active_ += start_now;
    }
    tasks_.erase(std::remove_if(tasks_.begin(), tasks_.end(),
                                [](const Task<void>& t) { return t.ready(); }),
                 tasks_.end());
    for (std::size_t t = 0; t < start_now; ++t)
      tasks_.push_back(executor_.submit([this] { work(); }));
  }

  void work() noexcept {
    Scratch scratch;
    for (;;) {
      std::size_t i = 0;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!claim_locked(i)) {
          --active_;
          return;
        }
      }
      process(i, scratch);
    }
  }

  // The next image to process: from the oldest batch that has unprocessed images, its
  // largest (by encoded or pixel size) first, so that the last images of the job, which
  // no other thread can share, are small ones (without that, one large photo at the end
  // leaves the other threads idle for its whole decode).
  bool claim_locked(std::size_t& i) {
    if (stopping_ || claimed_ == window_end_) return false;
    const std::size_t batch_end =
        std::min(window_end_, (next_claim_ / options_.batch_size + 1) * options_.batch_size);
    i = next_claim_;
    for (std::size_t j = next_claim_ + 1; j < batch_end; ++j)
      if (!taken_[j] && cost_[j] > cost_[i]) i = j;
    taken_[i] = 1;
    ++claimed_;
    while (next_claim_ < window_end_ && taken_[next_claim_]) ++next_claim_;
    return true;
  }

  // Opens the window up to `end` (sources below it may be processed); next()'s thread.
  void open_window(std::size_t end) {
    std::vector<std::uint64_t> costs;
    for (std::size_t j = window_end_; j < end; ++j) costs.push_back(cost_estimate(sources_[j]));
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::size_t j = window_end_; j < end; ++j) cost_[j] = costs[j - window_end_];
    window_end_ = std::max(window_end_, end);
  }

  // A cheap guess at how long an image takes: its encoded size (files, bytes) or pixel bytes.
  static std::uint64_t cost_estimate(const Source& s) {
    switch (s.kind) {
      case SourceKind::file: {
        std::error_code ec;
        const std::uintmax_t n = std::filesystem::file_size(s.name, ec);
        return ec ? 0 : static_cast<std::uint64_t>(n);
      }
      case SourceKind::encoded: return s.size;
      case SourceKind::decoded: return s.image.span_bytes();
      case SourceKind::npy: return 0;
    }
    return 0;
  }

  // The plan for source i from its header alone (no decoding), or null.
  std::shared_ptr<const Plan> header_plan(std::size_t i) {
    const Source& src = sources_[i];
    if (!src.error.empty()) return nullptr;
    try {
      switch (src.kind) {
        case SourceKind::file:
        case SourceKind::encoded: {
          const std::string name = source_name(i);
          const unsigned char* bytes = src.bytes;
          std::size_t size = src.size;
          if (src.kind == SourceKind::file) {
            size = read_file_into(src.name, scratch_.bytes);
            bytes = scratch_.bytes.data();
          }
          const ImageInfo info = probe(bytes, size, name, options_.decode.decode);
          check_limits(info, name, options_.decode.decode);
          return plan_(choose_decode(Plans{plan_}, info, options_.decode).shape);
        }
        case SourceKind::decoded: return plan_(InputShape::of(src.image, src.orientation));
        case SourceKind::npy: {
          std::int64_t w = 0, h = 0, c = 0;
          const NpyHeader header = npy_image_header(src, w, h, c);
          return plan_(InputShape{static_cast<int>(w), static_cast<int>(h), static_cast<int>(c),
                                  header.dtype, Orientation::normal});
        }
      }
    } catch (const std::exception&) {
    }
    return nullptr;  // it fails again, with its reason, when processed
  }

  // The header of a .npy source, checked: (H, W), (H, W, C) or a slice of (N, H, W, C),
  // u8 / u16 / f32, 1, 3 or 4 channels, within max_pixels.
  NpyHeader npy_image_header(const Source& src, std::int64_t& w, std::int64_t& h,
                             std::int64_t& c) const {
    const NpyHeader header = read_npy_header(src.name);
    const std::size_t dims = header.shape.size();
    if (dims < 2 || dims > 4 || (dims == 4) != (src.slice >= 0))
      throw Error(src.name,
                  src.slice >= 0 ? "a .npy array of shape (N, H, W, C)"
                                 : "a .npy array of shape (H, W) or (H, W, C)",
                  std::to_string(dims) + " dimensions");
    if (header.dtype != DType::u8 && header.dtype != DType::f32 && header.dtype != DType::u16)
      throw Error(src.name, "dtype uint8, uint16 or float32", std::string(name(header.dtype)));
    const std::size_t d = dims == 4 ? 1 : 0;
    h = header.shape[d];
    w = header.shape[d + 1];
    c = dims > d + 2 ? header.shape[d + 2] : 1;
    if (c != 1 && c != 3 && c != 4)
      throw Error(src.name, "1, 3 or 4 channels (last axis)", std::to_string(c));
    if (w * h > options_.decode.decode.max_pixels)
      throw Error(src.name,
                  pixfuse::detail::to_text("at most ", options_.decode.decode.max_pixels,
                                           " pixels"),
                  pixfuse::detail::to_text(w, "x", h, " pixels (raise max_pixels)"));
    return header;
  }

  // One image, start to end, into its row (or, with a device, held for its batch).
  void process(std::size_t i, Scratch& scratch) noexcept {
    const std::size_t b = i / options_.batch_size, j = i % options_.batch_size;
    Slot& slot = slot_of(b);
    SourceStatus& st = slot.status[j];
    const Source& src = sources_[i];
    Stage stage = Stage::read;
    const auto t0 = Clock::now();
    std::int64_t decoded_at = 0;
    try {
      if (!src.error.empty()) {
        stage = Stage::list;
        throw Error(src.error);
      }
      Held item;
      switch (src.kind) {
        case SourceKind::file:
        case SourceKind::encoded: {
          const unsigned char* bytes = src.bytes;
          std::size_t size = src.size;
          if (src.kind == SourceKind::file) {
            size = read_file_into(src.name, scratch.bytes);
            bytes = scratch.bytes.data();
          }
          stage = Stage::header;
          // The header's size and orientation go in the status even when decoding fails.
          try {
            item.planned =
                decode_for(Plans{plan_}, bytes, size, st.source, options_.decode, &stage);
          } catch (...) {
            if (stage != Stage::header) note_header(st, bytes, size);
            throw;
          }
          const PlannedImage& p = item.planned;
          st.width = p.info.width;
          st.height = p.info.height;
          st.orientation = p.orientation;
          st.reduction = p.image.reduction();
          st.decoder = p.decoder;
          item.view = p.image.view();
          item.plan = p.plan;
          break;
        }
        case SourceKind::decoded:
          stage = Stage::plan;
          st.width = src.image.width;
          st.height = src.image.height;
          st.orientation = src.orientation;
          item.view = src.image;
          item.plan = plan_(InputShape::of(src.image, src.orientation));
          break;
        case SourceKind::npy: {
          stage = Stage::header;
          std::int64_t w = 0, h = 0, c = 0;
          NpyHeader header;
          try {
            header = npy_image_header(src, w, h, c);
          } catch (...) {
            st.width = static_cast<int>(std::min<std::int64_t>(w, 1 << 30));
            st.height = static_cast<int>(std::min<std::int64_t>(h, 1 << 30));
            throw;
          }
          st.width = static_cast<int>(w);
          st.height = static_cast<int>(h);
          stage = Stage::read;
          const bool sliced = src.slice >= 0;
          item.array =
              read_npy_rows(src.name, header, sliced ? src.slice : 0, sliced ? 1 : header.shape[0]);
          item.view = AnyImageView(item.array.bytes.data(), header.dtype, w, h, c,
                                   w * c * static_cast<std::int64_t>(size_of(header.dtype)));
          stage = Stage::plan;
          item.plan = plan_(InputShape::of(item.view));
          break;
        }
      }
      decoded_at = elapsed_ns(t0);
      stage = Stage::shape;
      if (!out_plan_)
        throw Error(
            st.source +
            ": no output shape: no source's header lowered before this image was processed");
      if (item.plan->output_shape() != out_plan_->output_shape())
        throw Error(
            st.source + ": output shape " + shape_text(item.plan->output_shape()) +
            " differs from the batch's " + shape_text(out_plan_->output_shape()) +
            "; give the recipe a fixed output size (a crop, a resize to WxH or a letterbox)");
      stage = Stage::run;
      if (options_.device != nullptr) {
        slot.held[j] = std::move(item);
      } else {
        const AnyTensorView row(static_cast<unsigned char*>(slot.tensor.data()) + j * row_bytes(),
                                out_plan_->out_dtype, out_plan_->layout, out_plan_->output_shape());
        for (int r = 0; r < options_.repeat; ++r) run_(*item.plan, item.view, row);
      }
    } catch (const std::exception& e) {
      st.failed = stage;
      st.message = e.what();
      if (st.message.compare(0, st.source.size() + 2, st.source + ": ") != 0)
        st.message = st.source + ": " + st.message;
      if (options_.device != nullptr) slot.held[j] = Held{};
    }
    const std::int64_t total = elapsed_ns(t0);
    if (decoded_at == 0) decoded_at = total;
    decode_ns_ += decoded_at;
    preprocess_ns_ += total - decoded_at;
    // Before the image counts as done: once next() has delivered a batch, every callback
    // of its images has returned (a counter read after the last next() is complete).
    if (options_.on_image_done) {
      try {
        options_.on_image_done();
      } catch (...) {  // a progress display must not lose an image
      }
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (++slot.done == slot.count) changed_.notify_all();
    }
  }

  // Size and orientation from the header, for the status of an image that failed later.
  void note_header(SourceStatus& st, const unsigned char* bytes, std::size_t size) const noexcept {
    try {
      const ImageInfo info = probe(bytes, size, st.source, options_.decode.decode);
      st.width = info.width;
      st.height = info.height;
      st.orientation = options_.decode.exif ? info.orientation : Orientation::normal;
    } catch (...) {
    }
  }

  static std::string shape_text(const TensorShape& s) {
    return "(" + std::to_string(s.c) + ", " + std::to_string(s.h) + ", " + std::to_string(s.w) +
           ")";
  }

  // On the consuming thread, once every image of the slot is processed: the device runs
  // the batch (if any), the rows are packed (or failed rows zeroed), rows are numbered.
  void finish_batch(Slot& slot) {
    const std::size_t bytes = row_bytes();
    auto* base = static_cast<unsigned char*>(slot.tensor.data());
    std::size_t rows = 0;
    if (options_.device != nullptr) {
      rows = run_on_device(slot);  // packed: good images in rows 0 .. rows-1
      if (options_.keep_failed_rows) {
        std::size_t packed = rows;
        for (std::size_t j = slot.count; j-- > 0;) {
          if (slot.status[j].ok()) {
            --packed;
            if (packed != j) std::memmove(base + j * bytes, base + packed * bytes, bytes);
          } else if (bytes) {
            std::memset(base + j * bytes, 0, bytes);
          }
        }
      }
    } else if (!options_.keep_failed_rows) {
      for (std::size_t j = 0; j < slot.count; ++j) {
        if (!slot.status[j].ok()) continue;
        if (rows != j) std::memmove(base + rows * bytes, base + j * bytes, bytes);
        ++rows;
      }
    } else if (bytes) {
      for (std::size_t j = 0; j < slot.count; ++j)
        if (!slot.status[j].ok()) std::memset(base + j * bytes, 0, bytes);
    }
    std::int64_t row = 0;
    for (std::size_t j = 0; j < slot.count; ++j) {
      SourceStatus& s = slot.status[j];
      s.row = s.ok() ? (options_.keep_failed_rows ? static_cast<std::int64_t>(j) : row++) : -1;
    }
    const std::size_t n = options_.keep_failed_rows ? slot.count : rows;
    TensorShape shape = out_plan_ ? out_plan_->output_shape() : TensorShape{1, 0, 0, 0};
    shape.n = static_cast<std::int64_t>(n);
    slot.tensor.reshape(slot.tensor.dtype(), slot.tensor.layout(), shape);
  }

  // The slot's good images through the device, packed into rows 0..; on a device error the
  // CPU runs them instead. Frees the held pixels. Returns the number of rows written.
  std::size_t run_on_device(Slot& slot) {
    std::vector<std::size_t> good;
    std::vector<const Plan*> plans;
    std::vector<AnyImageView> images;
    for (std::size_t j = 0; j < slot.count; ++j) {
      if (!slot.status[j].ok() || !slot.held[j].plan) continue;
      good.push_back(j);
      plans.push_back(slot.held[j].plan.get());
      images.push_back(slot.held[j].view);
    }
    const auto t0 = Clock::now();
    if (!good.empty()) {
      const Plan& p = *out_plan_;
      const TensorShape batch{static_cast<std::int64_t>(good.size()), p.out_channels, p.out_height,
                              p.out_width};
      try {
        for (int r = 0; r < options_.repeat; ++r)
          options_.device->run(plans, images,
                               AnyTensorView(slot.tensor.data(), p.out_dtype, p.layout, batch));
      } catch (const std::exception& e) {
        slot.device_error = e.what();
        for (std::size_t k = 0; k < good.size(); ++k) {
          SourceStatus& st = slot.status[good[k]];
          const AnyTensorView row(static_cast<unsigned char*>(slot.tensor.data()) + k * row_bytes(),
                                  p.out_dtype, p.layout, p.output_shape());
          try {
            run_(*plans[k], images[k], row);
          } catch (const std::exception& cpu) {
            st.failed = Stage::run;
            st.message = st.source + ": " + cpu.what();
          }
        }
        // A CPU failure leaves a hole: pack what did run.
        std::size_t rows = 0;
        for (std::size_t k = 0; k < good.size(); ++k) {
          if (!slot.status[good[k]].ok()) continue;
          if (rows != k)
            std::memmove(static_cast<unsigned char*>(slot.tensor.data()) + rows * row_bytes(),
                         static_cast<unsigned char*>(slot.tensor.data()) + k * row_bytes(),
                         row_bytes());
          ++rows;
        }
        good.resize(rows);
      }
    }
    device_ns_ += elapsed_ns(t0);
    for (Held& h : slot.held) h = Held{};
    return good.size();
  }

  Executor& executor_;
  std::vector<Source> sources_;
  LoaderOptions options_;
  std::function<std::shared_ptr<const Plan>(const InputShape&)> plan_;
  void (*run_)(const Plan&, const AnyImageView&, const AnyTensorView&) = nullptr;
  std::size_t batches_ = 0;
  std::vector<Slot> slots_;  // batch b in slots_[b % size]
  std::shared_ptr<const Plan> out_plan_;
  Scratch scratch_;  // next()'s thread
  bool started_ = false;
  std::size_t delivered_ = 0, delivered_images_ = 0, failed_ = 0;
  std::atomic<std::int64_t> decode_ns_{0}, preprocess_ns_{0};
  std::int64_t wait_ns_ = 0, device_ns_ = 0;  // next()'s thread

  std::mutex mutex_;  // guards the fields below and Slot::done
  std::condition_variable changed_;
  std::size_t next_claim_ = 0;       // the first source not yet taken
  std::size_t window_end_ = 0;       // sources below it may be processed (their batch has a slot)
  std::size_t claimed_ = 0;          // sources taken (all below window_end_)
  std::vector<std::uint64_t> cost_;  // cost_estimate() of each source in the window
  std::vector<char> taken_;          // taken by a thread
  std::size_t active_ = 0;           // tasks started and not yet returned
  bool stopping_ = false;
  std::vector<Task<void>> tasks_;  // next()'s thread only
};

// Every source in one batch: one call, one tensor (rows = the images that succeeded).
template <class R>
LoadedBatch load(Executor& executor, std::vector<Source> sources, const Jit<R>& jit,
                 LoaderOptions options = {}) {
  options.batch_size = std::max<std::size_t>(sources.size(), 1);
  options.prefetch = 1;
  Loader loader(executor, std::move(sources), jit, std::move(options));
  LoadedBatch batch;
  loader.next(batch);
  return batch;
}

}  // namespace pixfuse::io
