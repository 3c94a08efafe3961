// LoopInbox: hands API requests from other threads (the webhook HTTP server)
// to the controller loop, and the loop's answers back.
//
// A poster calls Post() and waits on the future; the loop polls fd(), takes
// the pending requests with Take(), handles them in its transaction and, only
// after the commit, fulfils each promise. The loop never waits on a poster.
// If the loop goes away first, the poster's future reports a broken promise.
// Thread-safety: Post() from any thread; fd() and Take() from the loop thread.
#pragma once

#include <deque>
#include <future>
#include <memory>
#include <mutex>

#include "common/status/status.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

class LoopInbox {
 public:
  struct Item {
    v1::ApiRequest request;
    std::promise<v1::ApiResponse> reply;
  };

  static StatusOr<std::unique_ptr<LoopInbox>> Create();
  ~LoopInbox();
  LoopInbox(const LoopInbox&) = delete;
  LoopInbox& operator=(const LoopInbox&) = delete;

  // After Close(), the returned future reports a broken promise at once.
  std::future<v1::ApiResponse> Post(v1::ApiRequest request);
  // Drops every pending request (their posters see a broken promise) and
  // refuses new ones: the loop is stopping.
  void Close();
  // Readable while requests are pending.
  int fd() const { return event_fd_; }
  // Every pending request, oldest first; clears fd()'s readiness.
  std::deque<Item> Take();

 private:
  explicit LoopInbox(int event_fd) : event_fd_(event_fd) {}

  int event_fd_;
  std::mutex mutex_;
  std::deque<Item> pending_;
  bool closed_ = false;
};

}  // namespace scanfleet
