#include "worker/session/worker_session.h"

#include <algorithm>

namespace scanfleet {

WorkerSession::WorkerSession(SessionConfig config, TimeMs now)
    : config_(config),
      next_hello_ms_(now),
      hello_backoff_ms_(config.hello_retry_min_ms),
      next_heartbeat_ms_(now),
      last_controller_heartbeat_ms_(now) {}

void WorkerSession::Unregister(TimeMs now) {
  registered_ = false;
  hello_backoff_ms_ = config_.hello_retry_min_ms;
  next_hello_ms_ = now;
  // Results the controller never acknowledged go out with the hello: the
  // controller sees them before it gives this worker credit, so a finished
  // attempt is adopted instead of dispatched again (and a frame of them sent
  // in the old session would not be read by a restarted controller).
  for (auto& [key, next_resend] : unacked_) next_resend = now;
}

WorkerSession::Actions WorkerSession::Tick(TimeMs now) {
  Actions actions;
  DurationMs silence = now - last_controller_heartbeat_ms_;
  DurationMs interval =
      controller_interval_ms_ > 0 ? controller_interval_ms_ : config_.heartbeat_interval_ms;
  if (registered_ && silence > interval * config_.controller_dead_after_missed) {
    Unregister(now);
  }
  if (!registered_ && now >= next_hello_ms_) {
    actions.send_hello = true;
    next_hello_ms_ = now + hello_backoff_ms_;
    hello_backoff_ms_ = std::min(hello_backoff_ms_ * 2, config_.hello_retry_max_ms);
  }
  if (now >= next_heartbeat_ms_) {
    actions.send_heartbeat = true;
    // On the clock's multiples of the interval: the heartbeats of a fleet
    // (hosts' clocks agree within milliseconds) arrive together, and the
    // controller reads them in a few wake-ups and one loop iteration instead
    // of one wake-up per worker (the idle cost of N workers: docs/BENCHMARKS.md).
    DurationMs interval = std::max<DurationMs>(config_.heartbeat_interval_ms, 1);
    next_heartbeat_ms_ = (now / interval + 1) * interval;
  }
  for (auto& [key, next_resend] : unacked_) {
    if (now < next_resend) continue;
    actions.resend_results.push_back(key);
    next_resend = now + config_.result_resend_ms;
  }
  return actions;
}

void WorkerSession::OnHelloAck(TimeMs now, DurationMs controller_interval_ms) {
  registered_ = true;
  controller_interval_ms_ = controller_interval_ms;
  hello_backoff_ms_ = config_.hello_retry_min_ms;
  last_controller_heartbeat_ms_ = now;
}

void WorkerSession::OnControllerHeartbeat(uint64_t incarnation, TimeMs now) {
  last_controller_heartbeat_ms_ = now;
  if (incarnation_ != 0 && incarnation != incarnation_) {
    // The controller restarted: it must learn about us again, and results it
    // never acknowledged are re-sent at once.
    Unregister(now);
  }
  incarnation_ = incarnation;
}

void WorkerSession::OnResultSent(AttemptKey key, TimeMs now) {
  unacked_[key] = now + config_.result_resend_ms;
}

void WorkerSession::OnResultAcked(AttemptKey key) { unacked_.erase(key); }

TimeMs WorkerSession::NextDeadline() const {
  TimeMs next = next_heartbeat_ms_;
  if (!registered_) next = std::min(next, next_hello_ms_);
  for (const auto& [key, next_resend] : unacked_) next = std::min(next, next_resend);
  return next;
}

}  // namespace scanfleet
