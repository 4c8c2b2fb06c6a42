// A one-shot flag a test thread can wait on; the timeout only turns a would-be hang into
// a failure.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace api_test {

class Latch {
 public:
  void open() {
    {
      std::lock_guard<std::mutex> lock(m_);
      open_ = true;
    }
    cv_.notify_all();
  }
  bool wait() {
    std::unique_lock<std::mutex> lock(m_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return open_; });
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  bool open_ = false;
};

}  // namespace api_test
