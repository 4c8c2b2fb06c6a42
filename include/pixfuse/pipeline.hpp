// Pipeline: produce item k+1 while item k is consumed, with at most `depth` items alive.
//
//   pixfuse::Executor executor(4);
//   pixfuse::Pipeline pipeline;                        // depth 2: consume k, produce k+1
//   pipeline.run(batches,
//       [&](std::size_t k) { return decode_batch(k, executor); },          // producer thread
//       [&](std::size_t k, Decoded& d) { preprocess_and_write(k, d, executor); });  // this thread
//
// produce(k) runs on a thread the Pipeline owns for its lifetime (started once, in the
// constructor), for k = 0, 1, ... in order, one call at a time, so it can read a stream.
// consume(k, item) runs on the thread that called run(), in the same order, each item once.
// produce(k) starts only while fewer than `depth` items are alive (produced or being
// produced, and not yet consumed), so memory stays bounded by `depth` items.
//
// Why a dedicated thread rather than an Executor task: the producer is usually IO-bound
// or serial (reading files, a decoder that is not thread-safe, a network stream), and it
// must overlap the consumer even on an Executor of one thread. Both sides may use one
// Executor for their parallel parts: its loops are serialised (executor.hpp), so the
// machine never runs more than the executor's threads plus this one producer thread.
// End to end the time approaches max(produce, consume) per item, not their sum, when they
// compete for different resources (IO vs CPU, or a serial producer vs a parallel consumer).
//
// Errors: an exception from produce(k) reaches run()'s caller after items 0..k-1 were
// consumed; an exception from consume(k) stops the producer (after its current call) and
// is rethrown. Either way run() returns only when the producer thread is idle again, and
// the Pipeline can run again.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

#include "pixfuse/core/error.hpp"

namespace pixfuse {

// Where the time of one run() went. A consumer that waits a lot means the producer is
// the bottleneck; a producer blocked a lot means the consumer is.
struct PipelineStats {
  std::size_t items = 0;             // consumed
  std::size_t max_in_flight = 0;     // most items alive at once (<= depth)
  double produce_seconds = 0;        // inside produce()
  double consume_seconds = 0;        // inside consume()
  double consumer_wait_seconds = 0;  // consumer idle, waiting for the next item
  double producer_wait_seconds = 0;  // producer idle, `depth` items alive
  double total_seconds = 0;
};

class Pipeline {
 public:
  explicit Pipeline(std::size_t depth = 2) : depth_(depth) {
    if (depth < 1) detail::fail_mismatch("pipeline depth", "at least 1", depth);
    thread_ = std::thread([this] { serve(); });
  }
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;
  ~Pipeline() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

  std::size_t depth() const noexcept { return depth_; }

  // produce(k) -> Item for k in [0, n) on the pipeline's thread; consume(k, Item&) here.
  // Calls of run() from several threads at once take turns.
  template <class Produce, class Consume>
  PipelineStats run(std::size_t n, Produce&& produce, Consume&& consume) {
    using Item = std::decay_t<std::invoke_result_t<Produce&, std::size_t>>;
    static_assert(!std::is_void_v<Item>, "produce(k) returns the item consume(k, item) receives");
    std::lock_guard<std::mutex> one_run_at_a_time(run_mutex_);
    Run<Item, std::remove_reference_t<Produce>> run(produce, n);
    const auto start = Clock::now();
    if (n > 0) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        job_ = &run;
        job_body_ = &produce_all<Item, std::remove_reference_t<Produce>>;
      }
      wake_.notify_all();
      try {
        consume_all(run, consume);
      } catch (...) {
        stop_and_wait(run);
        throw;
      }
      stop_and_wait(run);
    }
    run.stats.total_seconds = seconds_since(start);
    return run.stats;
  }

 private:
  using Clock = std::chrono::steady_clock;
  static double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  }

  // The state one run() shares with the producer thread, guarded by Pipeline::mutex_.
  template <class Item, class Produce>
  struct Run {
    Run(Produce& p, std::size_t n) : produce(p), count(n) {}
    Produce& produce;
    std::size_t count;
    std::deque<Item> ready;    // produced, waiting for the consumer, in order
    std::size_t consumed = 0;  // items whose consume() returned
    std::size_t produced = 0;  // items whose produce() returned (ok or not)
    bool cancelled = false;    // the consumer failed: produce no more
    bool producer_done = false;
    std::exception_ptr error;  // from produce(produced - 1)
    PipelineStats stats;
  };

  template <class Item, class Produce>
  static void produce_all(Pipeline& self, void* state) {
    auto& run = *static_cast<Run<Item, Produce>*>(state);
    std::unique_lock<std::mutex> lock(self.mutex_);
    for (std::size_t k = 0; k < run.count; ++k) {
      const auto wait_start = Clock::now();
      self.changed_.wait(lock, [&] { return run.cancelled || k - run.consumed < self.depth_; });
      run.stats.producer_wait_seconds += seconds_since(wait_start);
      if (run.cancelled) break;
      run.stats.max_in_flight = std::max(run.stats.max_in_flight, k + 1 - run.consumed);
      lock.unlock();
      const auto produce_start = Clock::now();
      std::exception_ptr error;
      std::optional<Item> item;
      try {
        item.emplace(run.produce(k));
      } catch (...) {
        error = std::current_exception();
      }
      const double took = seconds_since(produce_start);
      lock.lock();
      run.stats.produce_seconds += took;
      run.produced = k + 1;
      if (error) {
        run.error = error;
        break;
      }
      run.ready.push_back(std::move(*item));
      self.changed_.notify_all();
    }
    run.producer_done = true;
    self.changed_.notify_all();
  }

  template <class Item, class Produce, class Consume>
  void consume_all(Run<Item, Produce>& run, Consume& consume) {
    for (std::size_t k = 0; k < run.count; ++k) {
      std::unique_lock<std::mutex> lock(mutex_);
      const auto wait_start = Clock::now();
      changed_.wait(lock, [&] { return !run.ready.empty() || run.producer_done; });
      run.stats.consumer_wait_seconds += seconds_since(wait_start);
      if (run.ready.empty()) std::rethrow_exception(run.error);  // produce(k) threw
      Item item = std::move(run.ready.front());
      run.ready.pop_front();
      lock.unlock();
      const auto consume_start = Clock::now();
      consume(k, item);
      const double took = seconds_since(consume_start);
      lock.lock();
      run.stats.consume_seconds += took;
      run.consumed = k + 1;
      ++run.stats.items;
      changed_.notify_all();
    }
  }

  template <class Item, class Produce>
  void stop_and_wait(Run<Item, Produce>& run) {
    std::unique_lock<std::mutex> lock(mutex_);
    run.cancelled = true;
    changed_.notify_all();
    changed_.wait(lock, [&] { return run.producer_done; });
    job_ = nullptr;
  }

  // The producer thread: runs each run()'s producer loop.
  void serve() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || job_ != nullptr; });
      if (job_ != nullptr) {
        void* job = job_;
        job_ = nullptr;
        void (*body)(Pipeline&, void*) = job_body_;
        lock.unlock();
        body(*this, job);  // takes mutex_ itself
        lock.lock();
      } else {
        return;
      }
    }
  }

  const std::size_t depth_;
  std::mutex run_mutex_;
  std::mutex mutex_;
  std::condition_variable wake_, changed_;
  void* job_ = nullptr;
  void (*job_body_)(Pipeline&, void*) = nullptr;
  bool stopping_ = false;
  std::thread thread_;  // last: starts after the members it uses exist
};

}  // namespace pixfuse
