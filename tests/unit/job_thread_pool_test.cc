// JobThreadPool: tasks run on as many threads at once as the pool has, a
// surplus waits and runs in order, Shutdown() cancels the running tasks,
// drops the waiting ones and joins. Waits are on condition variables with
// deadlines, never sleeps.
// Thread-safety: the test thread submits; tasks run on the pool's threads.
#include "worker/loop/job_thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace scanfleet {
namespace {

constexpr auto kPoolWait = std::chrono::seconds(10);

// What the tasks of a test share: how many started, which finished, and a
// gate that holds them until the test (or a cancel hook) opens it.
class TaskBoard {
 public:
  // A task that records its start, waits for the gate, records its end.
  std::function<void()> Task(int id) {
    return [this, id] {
      std::unique_lock<std::mutex> lock(mutex_);
      ++started_;
      changed_.notify_all();
      changed_.wait_for(lock, kPoolWait, [this] { return open_; });
      finished_.push_back(id);
      changed_.notify_all();
    };
  }
  std::function<void()> Cancel() {
    return [this] {
      ++cancels_;
      Open();
    };
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  bool AwaitStarted(int count) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, kPoolWait, [&] { return started_ >= count; });
  }
  bool AwaitFinished(size_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, kPoolWait, [&] { return finished_.size() >= count; });
  }
  int started() {
    std::lock_guard<std::mutex> lock(mutex_);
    return started_;
  }
  std::vector<int> finished() {
    std::lock_guard<std::mutex> lock(mutex_);
    return finished_;
  }
  int cancels() const { return cancels_; }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
  int started_ = 0;
  std::vector<int> finished_;
  std::atomic<int> cancels_{0};
};

TEST(JobThreadPoolTest, TasksRunAtOnceUpToTheThreadsAndASurplusWaitsInOrder) {
  TaskBoard board;
  JobThreadPool pool(2);
  EXPECT_EQ(pool.threads(), 2u);
  for (int id = 1; id <= 4; ++id) pool.Submit(board.Task(id), board.Cancel());
  ASSERT_TRUE(board.AwaitStarted(2));  // two run together
  EXPECT_EQ(board.started(), 2);       // the others wait for a thread
  board.Open();
  ASSERT_TRUE(board.AwaitFinished(4));
  pool.Shutdown();
  EXPECT_EQ(board.finished().size(), 4u);  // each ran once
}

TEST(JobThreadPoolTest, WaitingTasksStartFirstInFirstOut) {
  TaskBoard board;
  board.Open();
  JobThreadPool pool(1);
  for (int id = 1; id <= 5; ++id) pool.Submit(board.Task(id), board.Cancel());
  ASSERT_TRUE(board.AwaitFinished(5));
  EXPECT_EQ(board.finished(), (std::vector<int>{1, 2, 3, 4, 5}));
}

TEST(JobThreadPoolTest, ShutdownCancelsRunningTasksDropsWaitingOnesAndJoins) {
  TaskBoard board;
  {
    JobThreadPool pool(1);
    pool.Submit(board.Task(1), board.Cancel());
    pool.Submit(board.Task(2), board.Cancel());
    ASSERT_TRUE(board.AwaitStarted(1));
    pool.Shutdown();  // returns only once task 1 has ended
    EXPECT_EQ(board.finished(), std::vector<int>{1});
    EXPECT_EQ(board.cancels(), 1);
    pool.Submit(board.Task(3), board.Cancel());  // ignored
    pool.Shutdown();                             // idempotent
  }
  EXPECT_EQ(board.started(), 1) << "a dropped or late task ran";
}

TEST(JobThreadPoolTest, TheDestructorShutsDown) {
  TaskBoard board;
  {
    JobThreadPool pool(3);
    for (int id = 1; id <= 3; ++id) pool.Submit(board.Task(id), board.Cancel());
    ASSERT_TRUE(board.AwaitStarted(3));
  }
  EXPECT_EQ(board.finished().size(), 3u);
  EXPECT_EQ(board.cancels(), 3);
}

}  // namespace
}  // namespace scanfleet
