// The controller's SQLite schema, as an ordered list of migrations.
// migrations[i] takes the schema from version i to i+1; never edit a shipped
// migration, append a new one.
#pragma once

#include <string>
#include <vector>

namespace scanfleet {

const std::vector<std::string>& ControllerMigrations();

// The predicate of the partial index jobs_unfinished, written exactly as the
// index says it (a query uses the index only when its WHERE repeats it).
// Equality terms, not `state IN (...)`: SQLite builds an ephemeral table for a
// constant IN list of more than two values every time it evaluates one, and
// the index predicate is evaluated on every write to a job.
inline constexpr char kUnfinishedJob[] =
    "(state='queued' OR state='dispatched' OR state='running')";

}  // namespace scanfleet
