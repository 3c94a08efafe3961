// CancelSignal: a one-shot, thread-safe "stop now" that a poll() loop can wait
// on (an eventfd that becomes readable once Cancel() is called).
// Thread-safety: Cancel() and cancelled() may be called from any thread.
#pragma once

#include <atomic>

namespace scanfleet {

class CancelSignal {
 public:
  CancelSignal();
  ~CancelSignal();
  CancelSignal(const CancelSignal&) = delete;
  CancelSignal& operator=(const CancelSignal&) = delete;

  void Cancel();  // idempotent
  bool cancelled() const { return cancelled_.load(); }
  int fd() const { return fd_; }  // readable once cancelled

 private:
  int fd_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace scanfleet
