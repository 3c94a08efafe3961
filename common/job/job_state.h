// The job vocabulary shared by the controller, its CLI and the worker: the
// names of job states, attempt outcomes and decline reasons, and the parsing
// of those names back into the proto enums.
//
// The names are part of the product, not decoration: the controller's store
// keeps job states and attempt outcomes as these words in SQLite, and the CLI,
// its JSON and the reports print them ("queued", "dead", ...). Each name comes
// from one switch over every enumerator with no default, so a value added to
// proto/scanfleet.proto breaks the -Wswitch build until it is named here; each
// parser is derived from its name function, so the two cannot disagree. A
// value outside its enum (proto3 enums are open: a newer peer may send one)
// is named "unknown" and no name parses to it.
// Thread-safety: pure functions.
#pragma once

#include <string_view>

#include "common/status/status.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

// "queued", "dispatched", "running", "succeeded", "failed", "dead"
// (JOB_DEAD_LETTERED), "cancelled"; "unspecified" for JOB_STATE_UNSPECIFIED.
std::string_view JobStateName(v1::JobState state);
// The state JobStateName spells `name` (exactly, case included);
// InvalidArgument for anything else, "unspecified" included.
StatusOr<v1::JobState> ParseJobState(std::string_view name);

// A job's state as a peer reported it: job_state when set, else (a peer that
// predates that field) its deprecated `state` string parsed, else
// JOB_STATE_UNSPECIFIED.
v1::JobState JobStateOf(const v1::JobStatus& job);
// Sets job_state and, for clients that predate it, the deprecated `state`.
void SetJobState(v1::JobStatus* job, v1::JobState state);

// "pending", "succeeded", "failed", "retry", "requeued", "stale",
// "cancelled"; "unspecified" for ATTEMPT_OUTCOME_UNSPECIFIED.
std::string_view AttemptOutcomeName(v1::AttemptOutcome outcome);
// The outcome AttemptOutcomeName spells `name`; InvalidArgument otherwise.
StatusOr<v1::AttemptOutcome> ParseAttemptOutcome(std::string_view name);

// Why a worker gave an attempt back, for logs: "no free slot", "scanner
// missing", "draining", "handed back"; "unspecified" for DECLINE_UNSPECIFIED.
std::string_view DeclineReasonName(v1::DeclineReason reason);
// The reason DeclineReasonName spells `name`; InvalidArgument otherwise.
StatusOr<v1::DeclineReason> ParseDeclineReason(std::string_view name);

}  // namespace scanfleet
