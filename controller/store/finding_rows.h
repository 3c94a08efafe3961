// Reading stored findings back into wire findings: the column list and the
// row reader shared by the store's queries.
// Thread-safety: pure functions over a statement the caller owns.
#pragma once

#include "common/store/database.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

// The finding columns, in the order ReadFindingRow expects them (prefix each
// with a table alias by passing it, e.g. "f.").
std::string FindingColumns(const std::string& alias = "");

// The finding in the current row, whose columns FindingColumns() start at `first`.
v1::Finding ReadFindingRow(Statement& row, int first = 0);

}  // namespace scanfleet
