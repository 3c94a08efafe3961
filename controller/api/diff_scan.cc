// ApiHandler::Diff: a scan's findings classified against its baseline.
#include <spdlog/spdlog.h>

#include <utility>

#include "controller/api/api_handler.h"
#include "controller/diff/diff_report.h"

namespace scanfleet {

StatusOr<v1::DiffScanResponse> ApiHandler::Diff(const v1::DiffScanRequest& request, TimeMs now) {
  ASSIGN_OR_RETURN(ScanDiffData current, store_.views().LoadDiffData(request.scan_id()));
  BaselineChoice baseline = current.baseline;
  if (request.baseline_scan_id() != 0) {
    if (request.baseline_scan_id() == request.scan_id()) {
      return Status::InvalidArgument("a scan cannot be its own baseline");
    }
    ASSIGN_OR_RETURN(ScanDiffData other, store_.views().LoadDiffData(request.baseline_scan_id()));
    if (other.repo != current.repo) {
      return Status::InvalidArgument("baseline scan " + std::to_string(request.baseline_scan_id()) +
                                     " is of another target (" + other.repo + ")");
    }
    baseline = {request.baseline_scan_id(),
                "scan " + std::to_string(request.baseline_scan_id()) + ", given for this diff"};
  }
  ClassifiedResult classified;
  if (baseline.scan_id == 0) {
    classified = AllNew(std::move(current.side),
                        baseline.note.empty() ? "none was recorded" : baseline.note);
  } else {
    ASSIGN_OR_RETURN(ScanDiffData base, store_.views().LoadDiffData(baseline.scan_id));
    classified = ClassifyFindings(std::move(current.side), std::move(base.side), current.renames);
    classified.notes.insert(classified.notes.begin(), "baseline: " + baseline.note);
  }
  std::vector<std::string> notes;
  int invalid_files = 0;
  std::vector<Suppression> suppressions =
      RepoSuppressions(current.repo_suppressions, notes, invalid_files);
  if (invalid_files > 0) {
    invalid_repo_suppression_files_ += static_cast<uint64_t>(invalid_files);
    spdlog::warn("scan {}: invalid repository suppressions file ({} seen so far): {}",
                 request.scan_id(), invalid_repo_suppression_files_, notes.back());
  }
  suppressions.insert(suppressions.end(), config_.suppressions.begin(), config_.suppressions.end());
  v1::DiffScanResponse response =
      AssembleDiff(std::move(classified), suppressions, current.repo, UtcDate(now));
  for (std::string& note : notes) response.add_notes(std::move(note));
  response.set_scan_id(request.scan_id());
  response.set_baseline_scan_id(baseline.scan_id);
  response.set_state(current.state);
  return response;
}

}  // namespace scanfleet
