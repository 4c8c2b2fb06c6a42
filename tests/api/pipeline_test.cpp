// Pipeline: order, each item once, the depth bound, overlap (shown with latches, not
// clocks), and errors from either side.
#include "pixfuse/pipeline.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "latch.hpp"
#include "pixfuse/executor.hpp"

namespace pf = pixfuse;

namespace {

TEST(Pipeline, RejectsDepthZero) {
  try {
    pf::Pipeline p(0);
    FAIL() << "expected an exception";
  } catch (const pf::Error& e) {
    EXPECT_STREQ(e.what(), "pipeline depth: expected at least 1, got 0");
  }
}

TEST(Pipeline, EveryItemOnceInOrderWithinDepth) {
  for (std::size_t depth : {1u, 2u, 3u}) {
    pf::Pipeline pipeline(depth);
    std::atomic<std::size_t> alive{0}, max_alive{0};
    std::vector<std::size_t> consumed;
    std::vector<std::size_t> produced;
    const pf::PipelineStats stats = pipeline.run(
        40,
        [&](std::size_t k) {
          produced.push_back(k);  // one producer call at a time: no lock needed
          const std::size_t now = alive.fetch_add(1) + 1;
          std::size_t seen = max_alive.load();
          while (now > seen && !max_alive.compare_exchange_weak(seen, now)) {
          }
          std::this_thread::yield();
          return std::make_unique<std::string>("item " + std::to_string(k));  // move-only
        },
        [&](std::size_t k, std::unique_ptr<std::string>& item) {
          EXPECT_EQ(*item, "item " + std::to_string(k));
          consumed.push_back(k);
          alive.fetch_sub(1);
        });
    ASSERT_EQ(consumed.size(), 40u);
    for (std::size_t k = 0; k < 40; ++k) {
      EXPECT_EQ(consumed[k], k);
      EXPECT_EQ(produced[k], k);
    }
    EXPECT_LE(max_alive.load(), depth);
    EXPECT_EQ(stats.items, 40u);
    EXPECT_GE(stats.max_in_flight, 1u);
    EXPECT_LE(stats.max_in_flight, depth);
  }
}

using api_test::Latch;

TEST(Pipeline, ProducesNextWhileConsumingAndNoFurther) {
  // consume(k) waits until produce(k+1) has run: it must overlap. produce(k+2) must not
  // start before consume(k) has returned (depth 2).
  const std::size_t n = 12;
  pf::Pipeline pipeline(2);
  std::vector<Latch> produced(n);
  std::atomic<std::size_t> consumed{0};
  bool overlapped = true, bounded = true;
  pipeline.run(
      n,
      [&](std::size_t k) {
        if (k >= 2 && consumed.load() < k - 1) bounded = false;
        produced[k].open();
        return k;
      },
      [&](std::size_t k, std::size_t item) {
        EXPECT_EQ(item, k);
        if (k + 1 < n && !produced[k + 1].wait()) overlapped = false;
        consumed.store(k + 1);
      });
  EXPECT_TRUE(overlapped);
  EXPECT_TRUE(bounded);
  EXPECT_EQ(consumed.load(), n);
}

TEST(Pipeline, ProducerErrorArrivesAfterEarlierItems) {
  pf::Pipeline pipeline;
  std::vector<std::size_t> consumed;
  try {
    pipeline.run(
        10,
        [](std::size_t k) {
          if (k == 4) throw pf::Error("batch 4", "readable files", "a truncated JPEG");
          return k;
        },
        [&](std::size_t k, std::size_t) { consumed.push_back(k); });
    FAIL() << "expected an exception";
  } catch (const pf::Error& e) {
    EXPECT_STREQ(e.what(), "batch 4: expected readable files, got a truncated JPEG");
  }
  EXPECT_EQ(consumed, (std::vector<std::size_t>{0, 1, 2, 3}));
  // The pipeline runs again.
  std::size_t sum = 0;
  pipeline.run(
      5, [](std::size_t k) { return k; }, [&](std::size_t, std::size_t v) { sum += v; });
  EXPECT_EQ(sum, 10u);
}

TEST(Pipeline, ConsumerErrorStopsTheProducer) {
  pf::Pipeline pipeline(3);
  std::atomic<std::size_t> produced{0};
  EXPECT_THROW(pipeline.run(
                   100,
                   [&](std::size_t k) {
                     produced.fetch_add(1);
                     return k;
                   },
                   [](std::size_t k, std::size_t) {
                     if (k == 5) throw std::runtime_error("disk full");
                   }),
               std::runtime_error);
  // Items 0..5 consumed or failing, at most depth - 1 more produced behind them.
  EXPECT_LE(produced.load(), 6u + 2u);
  EXPECT_GE(produced.load(), 6u);
}

TEST(Pipeline, EmptyRunAndBothSidesOnOneExecutor) {
  pf::Pipeline pipeline;
  EXPECT_EQ(pipeline
                .run(
                    0, [](std::size_t k) { return k; }, [](std::size_t, std::size_t) {})
                .items,
            0u);

  // Producer and consumer both use the executor's loops; they take turns and finish.
  pf::Executor executor(2);
  std::vector<long long> sums;
  pipeline.run(
      8,
      [&](std::size_t k) {
        std::vector<int> batch(256);
        executor.parallel_for(batch.size(),
                              [&](std::size_t i) { batch[i] = static_cast<int>(i + k); });
        return batch;
      },
      [&](std::size_t, std::vector<int>& batch) {
        std::vector<long long> partial(batch.size());
        executor.parallel_for(batch.size(), [&](std::size_t i) { partial[i] = 2LL * batch[i]; });
        long long s = 0;
        for (long long v : partial) s += v;
        sums.push_back(s);
      });
  ASSERT_EQ(sums.size(), 8u);
  for (std::size_t k = 0; k < 8; ++k)
    EXPECT_EQ(sums[k], 2LL * (32640 + 256LL * static_cast<long long>(k)));
}

}  // namespace
