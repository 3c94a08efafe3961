// JobThreadPool: the worker's job threads, a fixed set of them (one per
// slot), fed by the loop with one task per started job.
//
// The loop never has more jobs running than there are threads, so a task
// starts at once; a surplus would wait, first in first out. A task reports
// its own outcome (the worker's tasks queue their result for the loop and
// wake it); the pool only runs them. Shutdown() (also run by the
// destructor) drops the tasks not started, calls the cancel hook of every
// task still running, and joins every thread, so no task outlives the pool.
// Thread-safety: Submit() and Shutdown() from one thread (the loop's); tasks
// run on the pool's threads. A cancel hook runs on the thread that calls
// Shutdown(), under the pool's lock: it must only signal (CancelSignal).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace scanfleet {

class JobThreadPool {
 public:
  explicit JobThreadPool(size_t threads);
  ~JobThreadPool();
  JobThreadPool(const JobThreadPool&) = delete;
  JobThreadPool& operator=(const JobThreadPool&) = delete;

  // Runs `run` on a pool thread; `cancel` asks it to stop soon, and is
  // called only by Shutdown() while `run` runs. Ignored after Shutdown().
  void Submit(std::function<void()> run, std::function<void()> cancel);
  // Drops waiting tasks, cancels running ones and waits for them. Idempotent.
  void Shutdown();

  size_t threads() const { return threads_.size(); }

 private:
  struct Task {
    std::function<void()> run;
    std::function<void()> cancel;
  };
  void Work(size_t index);

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Task> waiting_;
  std::vector<const std::function<void()>*> cancel_of_running_;  // per thread; null when idle
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace scanfleet
