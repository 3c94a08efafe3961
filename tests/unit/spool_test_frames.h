// Result frames for the result spool's tests (spool_test, spool_fault_test).
#pragma once

#include <cstdint>
#include <string>

#include "common/wire/envelope.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet::testing {

// The spool's frame size limit in these tests.
inline constexpr int64_t kMaxSpoolFrameBytes = 1 << 20;

// An encoded JobResult for JOB_ID's ATTEMPT, as SENDER would send it.
inline std::string ResultFrame(uint64_t job_id, uint32_t attempt, const std::string& error = "",
                               const std::string& sender = "worker-1") {
  v1::Envelope envelope;
  v1::JobResult* result = envelope.mutable_result();
  result->mutable_job()->set_job_id(job_id);
  result->mutable_job()->set_attempt(attempt);
  result->set_error(error);
  return EncodeEnvelope(envelope, 7, sender, 1'700'000'000'000);
}

}  // namespace scanfleet::testing
