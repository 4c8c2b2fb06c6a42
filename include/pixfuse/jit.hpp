// jit(recipe): a callable that lowers the recipe once per input shape and keeps the
// Plans, as jax.jit traces once per shape and then runs the compiled function.
//
//   auto preprocess = pixfuse::jit(pixfuse::presets::imagenet());   // capacity 64 shapes
//   preprocess(image, out);        // first image of this shape: make_plan, then run
//   preprocess(image2, out2);      // same shape: cached plan, no allocation, run
//
// The cache key is the whole InputShape (width, height, channels, dtype, EXIF orientation).
// The cache is a bounded LRU shared by every copy of the Jit (copies are cheap handles, so
// pass one to vmap or to many threads); it is thread-safe, and a lookup of a cached shape
// takes a short lock and allocates nothing. A shape seen for the first time is lowered
// outside the lock, so one slow lowering never stalls threads running other shapes.
//
// When the recipe fixes its output size at compile time (center_crop<224, 224>(), ...),
// the call goes to run_static<static_output_t<R>>, whose kernels know the output extents
// as constants; otherwise (center_crop(224, 224), DynamicRecipe) to the general run().
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pixfuse/core/error.hpp"
#include "pixfuse/core/image_view.hpp"
#include "pixfuse/core/tensor_view.hpp"
#include "pixfuse/cpu/dispatch.hpp"
#include "pixfuse/plan/lower.hpp"
#include "pixfuse/plan/plan.hpp"
#include "pixfuse/recipe/recipe.hpp"

namespace pixfuse {

struct JitStats {
  std::uint64_t hits = 0;       // lookups answered from the cache
  std::uint64_t misses = 0;     // plans lowered (first sight of a shape, or after eviction)
  std::uint64_t evictions = 0;  // plans dropped to stay within capacity
  std::size_t size = 0;         // plans cached now
  std::size_t capacity = 0;
  std::size_t bytes = 0;  // their memory (Plan::bytes), at most max_bytes but for one plan
  std::size_t max_bytes = 0;
};

namespace detail {

struct InputShapeHash {
  std::size_t operator()(const InputShape& s) const noexcept {
    std::uint64_t h = static_cast<std::uint32_t>(s.width);
    h = h * 0x9E3779B97F4A7C15ull + static_cast<std::uint32_t>(s.height);
    h = h * 0x9E3779B97F4A7C15ull + ((static_cast<std::uint64_t>(s.channels) << 16) |
                                     (static_cast<std::uint64_t>(s.dtype) << 8) |
                                     static_cast<std::uint64_t>(s.orientation));
    return static_cast<std::size_t>(h ^ (h >> 29));
  }
};
struct InputShapeEqual {
  bool operator()(const InputShape& a, const InputShape& b) const noexcept {
    return a.width == b.width && a.height == b.height && a.channels == b.channels &&
           a.dtype == b.dtype && a.orientation == b.orientation;
  }
};

// Plans by input shape, least recently used dropped first. Slots live in a fixed array
// linked into a recency list by index, and the hash index is sized up front, so a hit
// only relinks two slots: no allocation.
class PlanCache {
 public:
  PlanCache(std::size_t capacity, std::size_t max_bytes) : slots_(capacity), max_bytes_(max_bytes) {
    index_.reserve(capacity);
    for (std::size_t i = 0; i < capacity; ++i) free_.push_back(static_cast<std::uint32_t>(i));
    free_.reserve(capacity);
  }

  std::shared_ptr<const Plan> find(const InputShape& shape) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = index_.find(shape);
    if (it == index_.end()) return nullptr;
    ++stats_.hits;
    move_to_front(it->second);
    return slots_[it->second].plan;
  }

  // Caches `plan` for `shape` unless another thread got there first; returns the cached one.
  std::shared_ptr<const Plan> insert(const InputShape& shape, std::shared_ptr<const Plan> plan) {
    std::shared_ptr<const Plan> evicted;  // released after the lock
    std::unique_lock<std::mutex> lock(mutex_);
    ++stats_.misses;
    const auto it = index_.find(shape);
    if (it != index_.end()) {
      move_to_front(it->second);
      return slots_[it->second].plan;
    }
    std::uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      slot = lru_;
      unlink(slot);
      index_.erase(slots_[slot].shape);
      bytes_ -= slots_[slot].plan->bytes();
      evicted = std::move(slots_[slot].plan);
      ++stats_.evictions;
    }
    slots_[slot].shape = shape;
    slots_[slot].plan = std::move(plan);
    bytes_ += slots_[slot].plan->bytes();
    index_.emplace(shape, slot);
    link_front(slot);
    // Over the byte budget (plans of extreme shapes are large): drop the least recently
    // used, never the plan just made.
    std::vector<std::shared_ptr<const Plan>> dropped;
    while (bytes_ > max_bytes_ && lru_ != slot) {
      const std::uint32_t s = lru_;
      unlink(s);
      index_.erase(slots_[s].shape);
      release(s, dropped);
      ++stats_.evictions;
    }
    const std::shared_ptr<const Plan> result = slots_[slot].plan;
    lock.unlock();  // plans are freed outside the lock
    return result;
  }

  // Whether `shape` is cached; does not count as a use.
  bool contains(const InputShape& shape) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return index_.count(shape) != 0;
  }
  // The cached shapes, most recently used first.
  std::vector<InputShape> shapes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<InputShape> out;
    for (std::uint32_t s = mru_; s != none; s = slots_[s].next) out.push_back(slots_[s].shape);
    return out;
  }
  JitStats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    JitStats s = stats_;
    s.size = index_.size();
    s.capacity = slots_.size();
    s.bytes = bytes_;
    s.max_bytes = max_bytes_;
    return s;
  }
  void clear() {
    std::vector<std::shared_ptr<const Plan>> dropped;
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::uint32_t s = mru_; s != none;) {
      const std::uint32_t next = slots_[s].next;
      dropped.push_back(std::move(slots_[s].plan));
      slots_[s] = Slot{};
      free_.push_back(s);
      s = next;
    }
    index_.clear();
    mru_ = lru_ = none;
    bytes_ = 0;
  }

 private:
  static constexpr std::uint32_t none = 0xFFFFFFFFu;
  struct Slot {
    InputShape shape;
    std::shared_ptr<const Plan> plan;
    std::uint32_t prev = none, next = none;  // towards the most / least recently used
  };

  void unlink(std::uint32_t s) {
    Slot& e = slots_[s];
    (e.prev != none ? slots_[e.prev].next : mru_) = e.next;
    (e.next != none ? slots_[e.next].prev : lru_) = e.prev;
    e.prev = e.next = none;
  }
  void link_front(std::uint32_t s) {
    slots_[s].next = mru_;
    slots_[s].prev = none;
    (mru_ != none ? slots_[mru_].prev : lru_) = s;
    mru_ = s;
  }
  // Empties slot s into `out` (the caller frees the plans after unlocking).
  void release(std::uint32_t s, std::vector<std::shared_ptr<const Plan>>& out) {
    bytes_ -= slots_[s].plan->bytes();
    out.push_back(std::move(slots_[s].plan));
    slots_[s] = Slot{};
    free_.push_back(s);
  }
  void move_to_front(std::uint32_t s) {
    if (mru_ == s) return;
    unlink(s);
    link_front(s);
  }

  mutable std::mutex mutex_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_;
  std::unordered_map<InputShape, std::uint32_t, InputShapeHash, InputShapeEqual> index_;
  std::uint32_t mru_ = none, lru_ = none;
  std::size_t bytes_ = 0, max_bytes_;
  JitStats stats_;
};

}  // namespace detail

template <class R>
class Jit {
  static_assert(is_recipe_v<R> || std::is_same_v<R, DynamicRecipe>,
                "jit takes a Recipe<...> or a DynamicRecipe");

 public:
  using recipe_type = R;
  // Whether the output's channels, height and width are compile-time constants.
  static constexpr bool static_extents = has_static_output_v<R>;

  // At most `capacity` plans and `max_bytes` of them (Plan::bytes: ordinary plans are a few
  // hundred KiB; one of an extreme shape up to ~100 MiB, plan/limits.hpp).
  explicit Jit(R recipe, std::size_t capacity = 64, std::size_t max_bytes = default_max_bytes)
      : state_(make_state(std::move(recipe), capacity, max_bytes)) {}
  static constexpr std::size_t default_max_bytes = std::size_t{256} << 20;

  // The plan for inputs of `shape`: cached, or lowered now (throws pixfuse::Error when the
  // recipe cannot apply to that shape; nothing is cached then).
  std::shared_ptr<const Plan> plan(const InputShape& shape) const {
    if (std::shared_ptr<const Plan> cached = state_->cache.find(shape)) return cached;
    return state_->cache.insert(shape,
                                std::make_shared<const Plan>(make_plan(state_->recipe, shape)));
  }

  // Runs the recipe on one image into `out` (one image: (C, H, W) or (H, W, C)).
  void operator()(const AnyImageView& in, const AnyTensorView& out,
                  Orientation orientation = Orientation::normal) const {
    const std::shared_ptr<const Plan> p = plan(InputShape::of(in, orientation));
    if constexpr (static_extents) {
      run_static<static_output_t<R>>(*p, in, out);
    } else {
      run(*p, in, out);
    }
  }

  JitStats stats() const { return state_->cache.stats(); }
  // Whether a plan for `shape` is cached (not counted as a use).
  bool cached(const InputShape& shape) const { return state_->cache.contains(shape); }
  // The cached shapes, most recently used first (the last one is evicted next).
  std::vector<InputShape> cached_shapes() const { return state_->cache.shapes(); }
  void clear() const { state_->cache.clear(); }
  const R& recipe() const noexcept { return state_->recipe; }

 private:
  struct State {
    State(R r, std::size_t capacity, std::size_t max_bytes)
        : recipe(std::move(r)), cache(capacity, max_bytes) {}
    const R recipe;
    detail::PlanCache cache;
  };
  static std::shared_ptr<State> make_state(R recipe, std::size_t capacity, std::size_t max_bytes) {
    if (capacity < 1 || capacity > 0xFFFFFFFEu)
      detail::fail_mismatch("jit capacity", "1 to 4294967294 plans", capacity);
    return std::make_shared<State>(std::move(recipe), capacity, max_bytes);
  }
  std::shared_ptr<State> state_;
};

// The recipe as a callable with a plan cache of `capacity` shapes.
template <class R>
Jit<R> jit(R recipe, std::size_t capacity = 64) {
  return Jit<R>(std::move(recipe), capacity);
}

}  // namespace pixfuse
