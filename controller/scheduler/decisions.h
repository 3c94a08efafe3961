// Value types the scheduler core hands back to the controller loop.
//
// The core only decides; the loop persists each decision in the current
// transaction, commits, and only then sends what depends on it.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "common/time/clock.h"
#include "common/wire/failure_class.h"

namespace scanfleet {

// Send attempt `attempt` of a job on its pool's socket.
struct DispatchJob {
  uint64_t job_id = 0;
  uint32_t attempt = 0;
  std::string pool;
  TimeMs accept_by_ms = 0;
};

// Put a job back in the queue; its attempt `attempt` is abandoned.
struct RequeueJob {
  uint64_t job_id = 0;
  uint32_t attempt = 0;      // the abandoned attempt
  TimeMs not_before_ms = 0;  // earliest next dispatch
  uint32_t failures = 0;     // failures counted so far
  std::string reason;
};

// A worker stopped heartbeating; its attempts were requeued separately.
struct WorkerLost {
  std::string worker_id;
};

// A worker dead (or gone) for longer than the retention window was forgotten:
// it is no longer listed, and whatever the loop keeps per worker id goes too.
// A worker that comes back with the same id is a new worker.
struct WorkerForgotten {
  std::string worker_id;
};

// Tell a worker to stop an attempt that is no longer live.
struct CancelAttempt {
  std::string worker_id;
  uint64_t job_id = 0;
  uint32_t attempt = 0;
  std::string reason;
};

// No live worker of the job's pool has had its scanner for the whole
// unschedulable timeout: the job fails with this reason instead of waiting
// forever (a missing scanner is an error, not a silent empty result).
struct AbandonJob {
  uint64_t job_id = 0;
  uint32_t attempt = 0;  // the job's last attempt number (0 if never dispatched)
  std::string reason;
};

using Decision =
    std::variant<DispatchJob, RequeueJob, WorkerLost, CancelAttempt, AbandonJob, WorkerForgotten>;

// What to do with a result a worker sent.
struct ResultVerdict {
  enum class Kind {
    kSucceeded,     // live attempt succeeded: store findings, job is terminal
    kFailed,        // live attempt failed in a way no retry can fix: job is terminal
    kDeadLettered,  // retryable failures used up the job's attempts: job is terminal
                    // until an operator retries it
    kRetry,         // live attempt failed, job requeued (see requeue)
    kStale,         // superseded or unknown attempt: record, never apply
  };
  Kind kind = Kind::kStale;
  RequeueJob requeue;  // set for kRetry
};

}  // namespace scanfleet
