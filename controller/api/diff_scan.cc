// ApiHandler::Diff: a scan's findings classified against its baseline.
#include <spdlog/spdlog.h>

#include <map>
#include <optional>
#include <set>
#include <utility>

#include "controller/api/api_handler.h"
#include "controller/diff/diff_report.h"

namespace scanfleet {

namespace {

// The findings `response` lists (read with their identity fields only) replaced
// by the scan's stored ones, every field, matched by tool and fingerprint (a
// fingerprint is unique per tool in a scan). Reads only the listed files.
Status ReadListedInFull(FindingRecords& findings, uint64_t scan_id,
                        v1::DiffScanResponse& response) {
  std::set<std::string> paths;
  for (const v1::ClassifiedFinding& item : response.findings()) paths.insert(item.finding().path());
  if (paths.empty()) return Status::Ok();
  ASSIGN_OR_RETURN(std::vector<JobFinding> stored,
                   findings.ListWithJobs(scan_id, {FindingFields::kAll, &paths}));
  std::map<std::pair<std::string, std::string>, const v1::Finding*> by_key;
  for (const JobFinding& f : stored) {
    by_key.emplace(std::make_pair(f.finding.tool(), f.finding.fingerprint()), &f.finding);
  }
  for (v1::ClassifiedFinding& item : *response.mutable_findings()) {
    auto full = by_key.find({item.finding().tool(), item.finding().fingerprint()});
    if (full != by_key.end()) *item.mutable_finding() = *full->second;
  }
  return Status::Ok();
}

}  // namespace

StatusOr<v1::DiffScanResponse> ApiHandler::Diff(const v1::DiffScanRequest& request, TimeMs now) {
  // Listing only new findings, both sides are classified on what identifies a
  // finding, and only the new ones are read in full afterwards.
  FindingRead read{request.new_only() ? FindingFields::kIdentity : FindingFields::kAll};
  ASSIGN_OR_RETURN(ScanDiffData current, store_.views().LoadDiffData(request.scan_id(), read));
  BaselineChoice baseline = current.baseline;
  std::optional<ScanDiffData> base;
  if (request.baseline_scan_id() != 0) {
    if (request.baseline_scan_id() == request.scan_id()) {
      return Status::InvalidArgument("a scan cannot be its own baseline");
    }
    ASSIGN_OR_RETURN(ScanDiffData other,
                     store_.views().LoadDiffData(request.baseline_scan_id(), read));
    if (other.repo != current.repo) {
      return Status::InvalidArgument("baseline scan " + std::to_string(request.baseline_scan_id()) +
                                     " is of another target (" + other.repo + ")");
    }
    baseline = {request.baseline_scan_id(),
                "scan " + std::to_string(request.baseline_scan_id()) + ", given for this diff"};
    base = std::move(other);
  } else if (baseline.scan_id != 0) {
    ASSIGN_OR_RETURN(ScanDiffData stored, store_.views().LoadDiffData(baseline.scan_id, read));
    base = std::move(stored);
  }
  ClassifiedResult classified;
  if (!base) {
    classified = AllNew(std::move(current.side),
                        baseline.note.empty() ? "none was recorded" : baseline.note);
  } else {
    classified = ClassifyFindings(std::move(current.side), std::move(base->side), current.renames);
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
      AssembleDiff(std::move(classified), suppressions, current.repo, UtcDate(now),
                   request.new_only() ? DiffListing::kNewOnly : DiffListing::kAll);
  if (request.new_only()) {
    RETURN_IF_ERROR(ReadListedInFull(store_.findings(), request.scan_id(), response));
  }
  for (std::string& note : notes) response.add_notes(std::move(note));
  response.set_scan_id(request.scan_id());
  response.set_baseline_scan_id(baseline.scan_id);
  response.set_state(current.state);
  return response;
}

}  // namespace scanfleet
