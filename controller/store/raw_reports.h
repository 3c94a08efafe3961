// RawReports: the compressed scanner report of the attempt that ended each
// job (the raw_reports table), kept for re-parsing with a newer parser until
// --raw-report-retention-ms. Writes go into the caller's open transaction.
// Thread-safety: like Database, used on the controller loop thread only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status/status.h"
#include "common/store/database.h"
#include "common/time/clock.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

// A kept report of a finished job, for re-parsing.
struct RawReport {
  uint64_t job_id = 0;
  uint32_t attempt = 0;
  std::string scanner;
  v1::JobState state = v1::JOB_STATE_UNSPECIFIED;  // the job's terminal state
  std::string report;  // zlib-compressed
  std::string tool_version;
};

class RawReports {
 public:
  explicit RawReports(Database& db) : db_(db) {}

  // Keeps the result's report as its job's (replacing an earlier one); a
  // result without a report keeps nothing.
  Status Keep(const v1::JobResult& result, TimeMs now);
  // Reports kept for the scan's finished jobs, and how many finished jobs have none.
  StatusOr<std::vector<RawReport>> LoadOfScan(uint64_t scan_id, uint32_t* without_report);
  // Deletes reports older than `before_ms`; returns how many.
  StatusOr<int64_t> PruneBefore(TimeMs before_ms);

 private:
  Database& db_;
};

}  // namespace scanfleet
