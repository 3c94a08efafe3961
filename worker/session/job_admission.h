// DecideAdmission: what the worker does with a job that reached it: run it,
// queue it (credit "prefetch"), give it back, or ignore a duplicate.
//
// The worker reads its jobs socket all the time, so a job never waits in a
// socket buffer. A job runs at once when a slot is free and no job waits
// before it; otherwise, while fewer than `prefetch` jobs wait here, it joins
// the local queue (FIFO, not accepted yet: the acceptance is sent when it
// starts); otherwise it is declined with a reason, and the controller
// requeues a declined attempt without counting a failure. Pure: the loop
// gathers the facts and performs the answer.
// Thread-safety: a pure function.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "proto/scanfleet.pb.h"

namespace scanfleet {

// What the worker knows when a job arrives.
struct AdmissionFacts {
  bool draining = false;
  uint32_t free_slots = 0;
  const std::map<std::string, std::string>* scanners = nullptr;  // available scanner -> version
  // Attempt of the same job already running here, if any.
  std::optional<uint32_t> running_attempt;
  // Attempt of the same job waiting in the local queue, if any.
  std::optional<uint32_t> queued_attempt;
  uint32_t queued = 0;    // jobs waiting in the local queue
  uint32_t prefetch = 0;  // how many may wait there (WorkerConfig.prefetch)
};

struct Admission {
  enum class Kind {
    kRun,      // accept and run it
    kQueue,    // append it to the local queue; accept it when it starts
    kDecline,  // send JobDeclined{reason, detail}
    kIgnore,   // a duplicate (or an older attempt) of one running or queued here
  };
  Kind kind = Kind::kRun;
  v1::DeclineReason reason = v1::DECLINE_UNSPECIFIED;
  std::string detail;
  // kRun / kQueue / kDecline of a newer attempt of a job that waits in the
  // queue: that earlier attempt is superseded (the controller gave up on it)
  // and leaves the queue without a word.
  bool drop_queued_attempt = false;
};

// Checks, in order: draining; the same job already running (the same attempt
// is ignored; an earlier attempt that is still stopping declines the new
// one); the same job queued (the same or an older attempt is ignored, a newer
// one supersedes the queued one); the scanner; a free slot with nobody
// waiting before it; room in the queue.
Admission DecideAdmission(const v1::JobAssignment& job, const AdmissionFacts& facts);

}  // namespace scanfleet
