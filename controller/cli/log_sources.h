// The three places `scanfleet verify-log` reads a log from, each fed record by
// record into a LogAuditor (common/eventlog/log_auditor.h):
//   a controller's database, read-only (rows as stored, their stated chain
//     hashes and the signed retention anchor);
//   a SIEM file sink's output in ECS JSON lines (each line's scanfleet.log:
//     the event's bytes and the chain hashes before and at it; a line whose
//     visible fields differ from what its bytes render to is altered);
//   the controller's replay socket (pages verified against its key), after
//     an optional fresh checkpoint.
// Each returns an error only when the source cannot be read at all; what it
// holds is the auditor's to judge. `described` names what was read.
// Thread-safety: one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/api/api_client.h"
#include "common/eventlog/log_auditor.h"
#include "common/security/client_security.h"
#include "common/status/status.h"

namespace scanfleet::cli {

// One line of a SIEM file sink's ECS output as records: the events a topic
// filter left out right before it (by digest), then its own. A line that
// cannot be one (not JSON, OCSF, no scanfleet.log, visible fields that differ
// from its bytes) says why in `mismatch`. Untrusted input: never throws.
std::vector<LogRecord> RecordsOfSinkLine(const std::string& text, uint64_t line_number);

Status AuditDatabase(const std::string& path, LogAuditor& auditor, std::string* described);
Status AuditSinkFile(const std::string& path, LogAuditor& auditor, std::string* described);

struct ReplayAudit {
  uint64_t after_seq = 0;       // start after this seq (0: the whole stored log)
  bool checkpoint_now = false;  // ask the controller to sign its head first
  int timeout_ms = 5000;
};
Status AuditReplay(Context& context, ApiClient& api, const ClientSecurity& security,
                   const ReplayAudit& options, LogAuditor& auditor, std::string* described);

}  // namespace scanfleet::cli
