// The controller's SQLite schema, as an ordered list of migrations.
// migrations[i] takes the schema from version i to i+1; never edit a shipped
// migration, append a new one.
#pragma once

#include <string>
#include <vector>

#include "common/status/status.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

const std::vector<std::string>& ControllerMigrations();

// The predicate of the partial index jobs_unfinished, written exactly as the
// index says it (a query uses the index only when its WHERE repeats it).
// Equality terms, not `state IN (...)`: SQLite builds an ephemeral table for a
// constant IN list of more than two values every time it evaluates one, and
// the index predicate is evaluated on every write to a job.
inline constexpr char kUnfinishedJob[] =
    "(state='queued' OR state='dispatched' OR state='running')";

// jobs.state and attempts.outcome hold the names of v1::JobState and
// v1::AttemptOutcome (JobStateName, AttemptOutcomeName in common/job), which
// the SQL above and in the queries spells out. A state read back: DataLoss for
// any other text, which this store never writes.
StatusOr<v1::JobState> StoredJobState(const std::string& text);

}  // namespace scanfleet
