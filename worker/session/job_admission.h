// DecideAdmission: whether the worker runs a job that reached it or gives it
// back (application-level accept, "credits").
//
// The worker reads its pool sockets all the time, so a job never waits in a
// busy worker's socket buffer; every job that arrives is either run or
// declined at once with a reason, and the controller requeues a declined
// attempt without counting a failure. Pure: the loop gathers the facts and
// performs the answer.
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
};

struct Admission {
  enum class Kind {
    kRun,      // accept and run it
    kDecline,  // send JobDeclined{reason, detail}
    kIgnore,   // a duplicate of the attempt running here: neither run nor decline
  };
  Kind kind = Kind::kRun;
  v1::DeclineReason reason = v1::DECLINE_UNSPECIFIED;
  std::string detail;
};

// Checks, in order: draining, the same job already running (the same attempt
// is ignored; an earlier attempt that is still stopping declines the new one),
// the scanner, a free slot.
Admission DecideAdmission(const v1::JobAssignment& job, const AdmissionFacts& facts);

}  // namespace scanfleet
