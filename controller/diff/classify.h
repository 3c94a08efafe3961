// Classification of a scan's findings against its baseline, by fingerprint
// (common/finding: tool + rule + path + snippet, never the line number).
//
// Per scanner: a current finding is new when the baseline has no finding with
// its fingerprint, unchanged otherwise. A baseline finding absent now is fixed
// ONLY when its scanner ran in both scans with the same profile and every job
// of that scanner in the current scan succeeded and was complete (no skipped
// output records); otherwise it is "not re-checked", with the reason: a
// failed, cancelled, partial or missing scanner run never closes findings.
// Renames (git's, recorded by incremental scans) carry a baseline finding's
// identity to the new path: its fingerprint is recomputed there with the
// same function (AssignFingerprints).
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "proto/scanfleet.pb.h"

namespace scanfleet {

// One scanner's jobs in one scan.
struct ScannerRun {
  bool complete = false;       // every job succeeded, none partial
  std::string why_incomplete;  // e.g. "job 7 failed: scanner exited 2"
};

// One side of a diff: a scan's findings with the scanner (registry name) whose
// job produced each, in job order then the tool's order.
struct DiffSide {
  std::string profile;
  std::vector<std::pair<std::string, v1::Finding>> findings;  // (scanner, finding)
  std::map<std::string, ScannerRun> runs;                     // by scanner
};

struct ClassifiedResult {
  std::vector<v1::ClassifiedFinding> findings;  // current ones, then baseline-only ones
  std::vector<std::string> notes;
};

// Renames are (from, to) path pairs of the current scan relative to the baseline.
// The sides' findings move into the result (pass copies to keep them).
ClassifiedResult ClassifyFindings(DiffSide current, DiffSide baseline,
                                  const std::vector<std::pair<std::string, std::string>>& renames);

// Every current finding new (no baseline), with the reason as a note.
ClassifiedResult AllNew(DiffSide current, const std::string& why_no_baseline);

}  // namespace scanfleet
