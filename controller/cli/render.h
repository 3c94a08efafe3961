// Rendering of API answers for people (tables) and machines (JSON; a finding
// is siem::CanonicalFindingJson, the same object every JSON output carries).
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "proto/scanfleet.pb.h"

namespace scanfleet::cli {

nlohmann::json ScanJson(const v1::ScanStatus& scan);
nlohmann::json WorkerJson(const v1::WorkerStatus& worker);
std::string FindingsTable(const std::vector<v1::Finding>& findings);
std::string ScanSummary(const v1::ScanStatus& scan);
std::string WorkersTable(const std::vector<v1::WorkerStatus>& workers, int64_t now_ms);
std::string ProgressLine(const v1::ScanStatus& scan);
// TEXT padded with spaces to WIDTH (a longer TEXT is kept whole): a table cell.
std::string Pad(const std::string& text, size_t width);
// Whether a scan in STATE is over (succeeded, failed or cancelled).
bool IsTerminal(v1::ScanState state);

}  // namespace scanfleet::cli
