// Value types the scheduler core hands back to the controller loop.
//
// The core only decides; the loop persists each decision in the current
// transaction, commits, and only then sends what depends on it.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/time/clock.h"
#include "common/wire/failure_class.h"

namespace scanfleet {

// Send attempt `attempt` of a job to worker `worker_id`, which has credit for
// it (a v1 loop may send it on the pool's socket instead: whichever worker
// accepts the attempt is charged with it).
struct DispatchJob {
  uint64_t job_id = 0;
  uint32_t attempt = 0;
  std::string pool;
  TimeMs accept_by_ms = 0;
  std::string worker_id = {};  // the worker the job is for
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
//
// A result of the live attempt is applied. A result of an earlier attempt is
// ADOPTED (applied as if live, `adopted` set) when the job is not terminal, no
// later attempt of it has been accepted by any worker and no result of it or a
// later attempt has been applied yet: finished work is never thrown away just
// because nobody acknowledged it in time (a controller restart, an acceptance
// or lease deadline). Anything else is stale: recorded, never applied.
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
  RequeueJob requeue;  // set for kRetry (its attempt is live_attempt)
  // The result belongs to an earlier attempt than the job's current one and is
  // applied in its place (never set for kStale).
  bool adopted = false;
  // The job's current attempt number, which its stored row carries and a
  // terminal transition is fenced on: the result's own attempt unless adopted
  // from an earlier one. 0 for kStale.
  uint32_t live_attempt = 0;
  // Set when an adopted result abandons a later attempt that was dispatched
  // but not accepted: tell the worker it was dispatched to to drop it (any
  // other worker that accepts it later is told by OnAccepted returning false).
  std::optional<CancelAttempt> cancel;
};

}  // namespace scanfleet
