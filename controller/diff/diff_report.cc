#include "controller/diff/diff_report.h"

#include <set>

#include "common/wire/repo_suppressions_contract.h"

namespace scanfleet {

std::vector<Suppression> RepoSuppressions(const std::vector<std::string>& files,
                                          std::vector<std::string>& notes, int& invalid_files) {
  std::vector<Suppression> all;
  std::set<std::string> seen;
  for (const std::string& text : files) {
    if (!seen.insert(text).second) continue;
    if (text.rfind(kRepoSuppressionsErrorPrefix, 0) == 0) {  // the worker could not take the file
      ++invalid_files;
      notes.push_back("warning: nothing in the repository's suppressions file is suppressed: " +
                      text.substr(sizeof(kRepoSuppressionsErrorPrefix) - 1));
      continue;
    }
    auto parsed = ParseSuppressions(text, std::string("repo:") + kRepoSuppressionsPath);
    if (!parsed.ok()) {
      ++invalid_files;
      notes.push_back(
          "warning: the repository's suppressions file is invalid, nothing in it "
          "is suppressed: " +
          parsed.status().message());
      continue;
    }
    for (Suppression& s : *parsed) all.push_back(std::move(s));
  }
  return all;
}

std::string DiffClassName(v1::DiffClass diff_class) {
  switch (diff_class) {
    case v1::DIFF_NEW:
      return "new";
    case v1::DIFF_UNCHANGED:
      return "unchanged";
    case v1::DIFF_FIXED:
      return "fixed";
    case v1::DIFF_NOT_RECHECKED:
      return "not-rechecked";
    default:
      return "unknown";
  }
}

v1::DiffScanResponse AssembleDiff(ClassifiedResult classified,
                                  const std::vector<Suppression>& suppressions,
                                  const std::string& repo, const std::string& today,
                                  DiffListing listing) {
  constexpr int kSeverities = v1::SEVERITY_CRITICAL + 1;
  v1::DiffScanResponse response;
  for (int i = 0; i < kSeverities; ++i) response.add_new_unsuppressed_by_severity(0);
  for (int i = 0; i <= v1::DIFF_NOT_RECHECKED * kSeverities + v1::SEVERITY_CRITICAL; ++i) {
    response.add_counts_by_class_and_severity(0);
  }
  for (v1::ClassifiedFinding& item : classified.findings) {
    int severity = item.finding().severity();
    int cell = item.diff_class() * kSeverities + severity;
    if (severity >= 0 && severity < kSeverities &&
        cell < response.counts_by_class_and_severity_size()) {
      response.set_counts_by_class_and_severity(cell,
                                                response.counts_by_class_and_severity(cell) + 1);
    }
    const Suppression* match = MatchSuppression(suppressions, item.finding(), repo, today);
    if (match) {
      item.mutable_suppression()->set_reason(match->reason);
      item.mutable_suppression()->set_source(match->source);
      item.mutable_suppression()->set_rule(match->Describe());
      item.mutable_suppression()->set_expires(match->expires);
      response.set_suppressed_count(response.suppressed_count() + 1);
    }
    switch (item.diff_class()) {
      case v1::DIFF_NEW: {
        response.set_new_count(response.new_count() + 1);
        if (!match && severity >= 0 && severity < response.new_unsuppressed_by_severity_size()) {
          response.set_new_unsuppressed_by_severity(
              severity, response.new_unsuppressed_by_severity(severity) + 1);
        }
        break;
      }
      case v1::DIFF_UNCHANGED:
        response.set_unchanged_count(response.unchanged_count() + 1);
        break;
      case v1::DIFF_FIXED:
        response.set_fixed_count(response.fixed_count() + 1);
        break;
      default:
        response.set_not_rechecked_count(response.not_rechecked_count() + 1);
        break;
    }
    if (listing == DiffListing::kAll || item.diff_class() == v1::DIFF_NEW) {
      *response.add_findings() = std::move(item);
    }
  }
  for (std::string& note : classified.notes) response.add_notes(std::move(note));
  return response;
}

}  // namespace scanfleet
