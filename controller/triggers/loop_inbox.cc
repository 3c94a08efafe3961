#include "controller/triggers/loop_inbox.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace scanfleet {

StatusOr<std::unique_ptr<LoopInbox>> LoopInbox::Create() {
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return Status::Internal(std::string("eventfd: ") + std::strerror(errno));
  return std::unique_ptr<LoopInbox>(new LoopInbox(fd));
}

LoopInbox::~LoopInbox() { close(event_fd_); }

std::future<v1::ApiResponse> LoopInbox::Post(v1::ApiRequest request) {
  std::future<v1::ApiResponse> future;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return std::promise<v1::ApiResponse>().get_future();
    pending_.push_back(Item{std::move(request), {}});
    future = pending_.back().reply.get_future();
  }
  uint64_t one = 1;
  // Only fails when the counter would overflow, i.e. it is already readable.
  (void)!write(event_fd_, &one, sizeof(one));
  return future;
}

void LoopInbox::Close() {
  std::deque<Item> dropped;
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  dropped.swap(pending_);
}

std::deque<LoopInbox::Item> LoopInbox::Take() {
  uint64_t count = 0;
  (void)!read(event_fd_, &count, sizeof(count));
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(pending_, {});
}

}  // namespace scanfleet
