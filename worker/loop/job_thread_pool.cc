// JobThreadPool: fixed job threads with a cancelling shutdown; see
// job_thread_pool.h.
// Thread-safety: see job_thread_pool.h; every shared field is under mutex_.
#include "worker/loop/job_thread_pool.h"

#include "common/status/status.h"

namespace scanfleet {

JobThreadPool::JobThreadPool(size_t threads) : cancel_of_running_(threads, nullptr) {
  SF_CHECK(threads > 0);
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this, i] { Work(i); });
}

JobThreadPool::~JobThreadPool() { Shutdown(); }

void JobThreadPool::Submit(std::function<void()> run, std::function<void()> cancel) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    waiting_.push_back(Task{std::move(run), std::move(cancel)});
  }
  wake_.notify_one();
}

void JobThreadPool::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    waiting_.clear();
    for (const std::function<void()>* cancel : cancel_of_running_) {
      if (cancel != nullptr && *cancel) (*cancel)();
    }
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

void JobThreadPool::Work(size_t index) {
  while (true) {
    Task task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
      if (stopping_) return;
      task = std::move(waiting_.front());
      waiting_.pop_front();
      cancel_of_running_[index] = &task.cancel;
    }
    task.run();
    std::lock_guard<std::mutex> lock(mutex_);
    cancel_of_running_[index] = nullptr;
  }
}

}  // namespace scanfleet
