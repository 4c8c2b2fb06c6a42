// Executor: a fixed set of threads the caller owns, for parallel loops and background tasks.
//
//   pixfuse::Executor executor(4);               // 3 workers + the thread that calls parallel_for
//   executor.parallel_for(n, [&](std::size_t i) { ... });
//   auto task = executor.submit([&] { return decode(next); });   // runs on an idle worker
//   ...                                           // meanwhile, other work
//   auto result = task.get();                     // waits (or runs it here if no worker took it)
//
// Create one per process (or per pool of CPUs you mean to use) and pass it by reference:
// no call ever starts a thread, so an inference server calling pixfuse from many request
// threads gets at most `threads` threads preprocessing, never one pool per call.
//
// Rules that keep it from oversubscribing or deadlocking:
// - parallel_for hands out indices one at a time from an atomic counter (images differ in
//   cost), and the calling thread works too, so a loop always finishes even if every
//   worker is busy with a background task.
// - Calls of parallel_for from several threads at once are serialised: one loop owns the
//   workers at a time and the other callers wait, so the CPU count stays `threads`.
// - parallel_for called from inside a loop body or a background task of the same executor
//   runs inline on the calling thread (nested parallelism would otherwise deadlock).
// - A task whose result is waited for before any worker took it runs on the waiting
//   thread; with threads == 1 (no workers) every task therefore runs when it is waited for.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "pixfuse/core/error.hpp"
#include "pixfuse/cpus.hpp"

namespace pixfuse {

class Executor;

namespace detail {

// A submitted task: queued, then claimed exactly once (by a worker or by a waiter).
class TaskState {
 public:
  virtual ~TaskState() = default;

  bool try_claim() noexcept {
    int queued = 0;
    return state_.compare_exchange_strong(queued, 1, std::memory_order_acq_rel);
  }
  // Runs the claimed task and wakes its waiters.
  void run_claimed() noexcept {
    execute();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      state_.store(2, std::memory_order_release);
    }
    done_.notify_all();
  }
  void wait() noexcept {
    if (try_claim()) {
      run_claimed();
      return;
    }
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return state_.load(std::memory_order_acquire) == 2; });
  }
  bool ready() const noexcept { return state_.load(std::memory_order_acquire) == 2; }

 protected:
  virtual void execute() noexcept = 0;

 private:
  std::atomic<int> state_{0};  // 0 queued, 1 running, 2 done
  std::mutex mutex_;
  std::condition_variable done_;
};

template <class R, class F>
class TypedTaskState final : public TaskState {
 public:
  explicit TypedTaskState(F f) : f_(std::move(f)) {}

  R take() {
    if (error_) std::rethrow_exception(error_);
    if constexpr (!std::is_void_v<R>) return std::move(*result_);
  }

 private:
  void execute() noexcept override {
    try {
      if constexpr (std::is_void_v<R>) f_();
      else result_.emplace(f_());
    } catch (...) {
      error_ = std::current_exception();
    }
  }
  F f_;
  std::conditional_t<std::is_void_v<R>, bool, std::optional<R>> result_{};
  std::exception_ptr error_;
};

}  // namespace detail

// The handle of a submitted task. get() once; wait() and ready() as often as needed.
template <class R>
class Task {
 public:
  Task() = default;

  bool valid() const noexcept { return state_ != nullptr; }
  bool ready() const noexcept { return state_ && state_->ready(); }
  // Waits for the task; runs it on this thread if no worker has started it.
  void wait() const {
    if (!state_) throw Error("task", "a submitted task", "an empty Task");
    state_->wait();
  }
  // The task's result, or its exception rethrown. Leaves the handle empty.
  R get() {
    wait();
    const std::shared_ptr<detail::TaskState> state = std::move(state_);
    return take_(*state);
  }

 private:
  friend class Executor;
  template <class S>
  explicit Task(std::shared_ptr<S> s) : state_(std::move(s)), take_(&take_from<S>) {}
  template <class S>
  static R take_from(detail::TaskState& s) {
    return static_cast<S&>(s).take();
  }

  std::shared_ptr<detail::TaskState> state_;
  R (*take_)(detail::TaskState&) = nullptr;
};

class Executor {
 public:
  // `threads` in all, the calling thread included: threads - 1 workers start here, once.
  explicit Executor(int threads = default_threads()) : threads_(threads) {
    if (threads < 1) detail::fail_mismatch("Executor threads", "at least 1", threads);
    workers_.reserve(static_cast<std::size_t>(threads - 1));
    for (int t = 1; t < threads; ++t) workers_.emplace_back([this] { work(); });
  }
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Finishes every submitted task (running the ones no worker took), then joins.
  ~Executor() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
    for (auto& task : tasks_)
      if (task->try_claim()) task->run_claimed();
  }

  // The CPUs this process may use: affinity mask and cgroup CPU quota (cpus.hpp); at least 1.
  static int default_threads() noexcept {
    try {
      return available_cpus();
    } catch (...) {
      const unsigned n = std::thread::hardware_concurrency();
      return n == 0 ? 1 : static_cast<int>(n);
    }
  }
  int threads() const noexcept { return threads_; }

  // f(i) for every i in [0, n), spread over the workers and this thread. Every index
  // runs even when some throw; then the exception of the lowest failing index is rethrown.
  // Allocates nothing.
  template <class F>
  void parallel_for(std::size_t n, F&& f) {
    if (n == 0) return;
    Loop loop;
    loop.body = &call_body<std::remove_reference_t<F>>;
    loop.context = const_cast<void*>(static_cast<const void*>(std::addressof(f)));
    loop.count = n;
    if (workers_.empty() || n == 1 || current_executor() == this) {
      run_items(loop);  // nothing to share, or nested: inline
    } else {
      std::lock_guard<std::mutex> one_loop_at_a_time(loop_owner_);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        loop_ = &loop;
      }
      wake_.notify_all();
      {
        InsideScope inside(this);
        run_items(loop);
      }
      std::unique_lock<std::mutex> lock(mutex_);
      loop_ = nullptr;  // no late joiners; wait for the workers still on an item
      loop_done_.wait(lock, [&] { return loop.participants == 0; });
    }
    if (loop.error) std::rethrow_exception(loop.error);
  }

  // Runs f() in the background on an idle worker; the returned Task waits for it.
  template <class F>
  auto submit(F&& f) -> Task<std::invoke_result_t<std::decay_t<F>&>> {
    using R = std::invoke_result_t<std::decay_t<F>&>;
    auto state = std::make_shared<detail::TypedTaskState<R, std::decay_t<F>>>(std::forward<F>(f));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      tasks_.push_back(state);
    }
    wake_.notify_one();
    return Task<R>(std::move(state));
  }

 private:
  struct Loop {
    void (*body)(void* context, std::size_t i) = nullptr;
    void* context = nullptr;
    std::size_t count = 0;
    std::atomic<std::size_t> next{0};
    int participants = 0;  // workers inside run_items, guarded by Executor::mutex_
    std::mutex error_mutex;
    std::size_t error_index = std::numeric_limits<std::size_t>::max();
    std::exception_ptr error;
  };

  template <class F>
  static void call_body(void* context, std::size_t i) {
    (*static_cast<F*>(context))(i);
  }

  static void run_items(Loop& loop) noexcept {
    for (std::size_t i; (i = loop.next.fetch_add(1, std::memory_order_relaxed)) < loop.count;) {
      try {
        loop.body(loop.context, i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(loop.error_mutex);
        if (i < loop.error_index) {
          loop.error_index = i;
          loop.error = std::current_exception();
        }
      }
    }
  }

  // The executor whose loop or task this thread is running (for nested calls).
  static const Executor*& current_executor() noexcept {
    thread_local const Executor* current = nullptr;
    return current;
  }
  struct InsideScope {
    const Executor* saved;
    explicit InsideScope(const Executor* e) : saved(current_executor()) { current_executor() = e; }
    ~InsideScope() { current_executor() = saved; }
    InsideScope(const InsideScope&) = delete;
    InsideScope& operator=(const InsideScope&) = delete;
  };

  // A worker: joins the current loop, else runs a queued task, else sleeps.
  void work() {
    InsideScope inside(this);
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stopping_ || has_open_loop() || !tasks_.empty(); });
      if (has_open_loop()) {
        Loop& loop = *loop_;
        ++loop.participants;
        lock.unlock();
        run_items(loop);
        lock.lock();
        if (--loop.participants == 0) loop_done_.notify_all();
      } else if (!tasks_.empty()) {
        std::shared_ptr<detail::TaskState> task = std::move(tasks_.front());
        tasks_.pop_front();
        lock.unlock();
        if (task->try_claim()) task->run_claimed();
        task.reset();
        lock.lock();
      } else if (stopping_) {
        return;
      }
    }
  }
  bool has_open_loop() const noexcept {
    return loop_ != nullptr && loop_->next.load(std::memory_order_relaxed) < loop_->count;
  }

  const int threads_;
  std::vector<std::thread> workers_;
  std::mutex loop_owner_;  // held by the one parallel_for that owns the workers
  std::mutex mutex_;       // guards loop_, tasks_, stopping_, Loop::participants
  std::condition_variable wake_, loop_done_;
  Loop* loop_ = nullptr;
  std::deque<std::shared_ptr<detail::TaskState>> tasks_;
  bool stopping_ = false;
};

}  // namespace pixfuse
