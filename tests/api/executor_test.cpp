// Executor: every index once, dynamic distribution, exceptions, concurrent and nested
// callers, background tasks. No timing: overlap is shown with latches, not clocks.
#include "pixfuse/executor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "latch.hpp"

namespace pf = pixfuse;

namespace {

using api_test::Latch;

TEST(Executor, RejectsZeroThreads) {
  EXPECT_THROW(pf::Executor(0), pf::Error);
  try {
    pf::Executor e(-2);
  } catch (const pf::Error& e) {
    EXPECT_STREQ(e.what(), "Executor threads: expected at least 1, got -2");
  }
}

TEST(Executor, EveryIndexExactlyOnce) {
  for (int threads : {1, 2, 4}) {
    pf::Executor executor(threads);
    EXPECT_EQ(executor.threads(), threads);
    for (std::size_t n : {0u, 1u, 7u, 1000u}) {
      std::vector<std::atomic<int>> hits(n);
      executor.parallel_for(n, [&](std::size_t i) { hits[i].fetch_add(1); });
      for (std::size_t i = 0; i < n; ++i)
        ASSERT_EQ(hits[i].load(), 1) << "threads " << threads << " n " << n;
    }
  }
}

TEST(Executor, UsesItsWorkers) {
  // Item 0 blocks until another thread has taken item 1: only possible if a worker joins.
  pf::Executor executor(2);
  Latch second_item_started;
  std::set<std::thread::id> ids;
  std::mutex ids_mutex;
  bool unblocked = false;
  executor.parallel_for(2, [&](std::size_t i) {
    {
      std::lock_guard<std::mutex> lock(ids_mutex);
      ids.insert(std::this_thread::get_id());
    }
    if (i == 0) {
      unblocked = second_item_started.wait();
    } else {
      second_item_started.open();
    }
  });
  EXPECT_TRUE(unblocked);
  EXPECT_EQ(ids.size(), 2u);
}

TEST(Executor, DynamicDistributionAroundASlowItem) {
  // While one thread is stuck on item 0, the other takes every remaining item.
  pf::Executor executor(2);
  Latch rest_done;
  std::atomic<int> done{0};
  const std::size_t n = 50;
  bool all_others_ran = false;
  executor.parallel_for(n, [&](std::size_t i) {
    if (i == 0) {
      all_others_ran = rest_done.wait();
      return;
    }
    if (done.fetch_add(1) + 1 == static_cast<int>(n - 1)) rest_done.open();
  });
  EXPECT_TRUE(all_others_ran);
  EXPECT_EQ(done.load(), static_cast<int>(n - 1));
}

TEST(Executor, RethrowsLowestFailingIndexAfterRunningAll) {
  pf::Executor executor(3);
  std::atomic<int> ran{0};
  try {
    executor.parallel_for(100, [&](std::size_t i) {
      ran.fetch_add(1);
      if (i == 17 || i == 60) throw std::runtime_error("item " + std::to_string(i));
    });
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "item 17");
  }
  EXPECT_EQ(ran.load(), 100);
  // Still usable afterwards.
  std::atomic<int> again{0};
  executor.parallel_for(10, [&](std::size_t) { again.fetch_add(1); });
  EXPECT_EQ(again.load(), 10);
}

TEST(Executor, ConcurrentCallersAreSerialisedAndComplete) {
  pf::Executor executor(2);
  std::atomic<int> inside{0}, max_inside{0};
  std::vector<std::thread> callers;
  std::vector<long long> sums(4, 0);
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        std::vector<int> values(64, 0);
        executor.parallel_for(values.size(), [&](std::size_t i) {
          const int now = inside.fetch_add(1) + 1;
          int seen = max_inside.load();
          while (now > seen && !max_inside.compare_exchange_weak(seen, now)) {
          }
          values[i] = static_cast<int>(i) * (t + 1);
          inside.fetch_sub(1);
        });
        for (int v : values) sums[static_cast<std::size_t>(t)] += v;
      }
    });
  for (auto& c : callers) c.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(sums[static_cast<std::size_t>(t)], 20LL * 2016 * (t + 1));
  // One loop at a time, each on at most the executor's 2 threads.
  EXPECT_LE(max_inside.load(), 2);
}

TEST(Executor, NestedLoopsRunInline) {
  pf::Executor executor(2);
  std::vector<std::atomic<int>> hits(8 * 8);
  executor.parallel_for(8, [&](std::size_t i) {
    const std::thread::id outer = std::this_thread::get_id();
    executor.parallel_for(8, [&](std::size_t j) {
      EXPECT_EQ(std::this_thread::get_id(), outer);
      hits[i * 8 + j].fetch_add(1);
    });
  });
  for (auto& h : hits) EXPECT_EQ(h.load(), 1);
}

TEST(Executor, TaskReturnsValueAndRunsInBackground) {
  pf::Executor executor(2);
  Latch task_started, may_finish;
  pf::Task<int> task = executor.submit([&] {
    task_started.open();
    EXPECT_TRUE(may_finish.wait());
    return 42;
  });
  // The worker runs it while this thread goes on.
  EXPECT_TRUE(task_started.wait());
  EXPECT_FALSE(task.ready());
  may_finish.open();
  EXPECT_EQ(task.get(), 42);
  EXPECT_FALSE(task.valid());
}

TEST(Executor, TaskExceptionReachesGet) {
  pf::Executor executor(2);
  pf::Task<void> task = executor.submit([] { throw pf::Error("decode", "a JPEG", "garbage"); });
  try {
    task.get();
    FAIL() << "expected an exception";
  } catch (const pf::Error& e) {
    EXPECT_STREQ(e.what(), "decode: expected a JPEG, got garbage");
  }
}

TEST(Executor, WithoutWorkersTasksRunWhenWaitedFor) {
  pf::Executor executor(1);
  const std::thread::id me = std::this_thread::get_id();
  pf::Task<std::thread::id> task = executor.submit([] { return std::this_thread::get_id(); });
  EXPECT_FALSE(task.ready());
  EXPECT_EQ(task.get(), me);
}

TEST(Executor, LoopProgressesWhileTheOnlyWorkerRunsATask) {
  pf::Executor executor(2);
  Latch task_started, loop_done;
  pf::Task<void> task = executor.submit([&] {
    task_started.open();
    EXPECT_TRUE(loop_done.wait());
  });
  ASSERT_TRUE(task_started.wait());
  std::atomic<int> ran{0};
  executor.parallel_for(100, [&](std::size_t) { ran.fetch_add(1); });  // the caller does it all
  EXPECT_EQ(ran.load(), 100);
  loop_done.open();
  task.get();
}

TEST(Executor, DestructorFinishesSubmittedTasks) {
  std::atomic<int> ran{0};
  for (int threads : {1, 3}) {
    ran = 0;
    {
      pf::Executor executor(threads);
      for (int i = 0; i < 10; ++i) executor.submit([&] { ran.fetch_add(1); });
    }
    EXPECT_EQ(ran.load(), 10) << "threads " << threads;
  }
}

}  // namespace
