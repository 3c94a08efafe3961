#include "controller/diff/classify.h"

#include <set>

#include "common/finding/finding.h"
#include "common/wire/convert.h"

namespace scanfleet {
namespace {

// Baseline findings as they would be fingerprinted at the current paths: each
// group of findings of one renamed file (per scanner, in the tool's order) is
// moved to the new path and fingerprinted again, so occurrence indexes come
// out exactly as a scan of the renamed file would give them.
std::vector<std::pair<std::string, v1::Finding>> ApplyRenames(
    const std::vector<std::pair<std::string, v1::Finding>>& baseline,
    const std::vector<std::pair<std::string, std::string>>& renames) {
  if (renames.empty()) return baseline;
  std::map<std::string, std::string> new_path(renames.begin(), renames.end());
  std::vector<std::pair<std::string, v1::Finding>> moved = baseline;
  // (scanner, new path) -> indexes into `moved`, in order.
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> groups;
  for (size_t i = 0; i < moved.size(); ++i) {
    auto renamed = new_path.find(moved[i].second.path());
    if (renamed == new_path.end()) continue;
    moved[i].second.set_path(renamed->second);
    groups[{moved[i].first, renamed->second}].push_back(i);
  }
  for (const auto& [key, indexes] : groups) {
    std::vector<Finding> group;
    for (size_t i : indexes) group.push_back(FindingFromProto(moved[i].second));
    AssignFingerprints(group);
    for (size_t k = 0; k < indexes.size(); ++k) {
      moved[indexes[k]].second.set_fingerprint(group[k].fingerprint);
    }
  }
  return moved;
}

v1::ClassifiedFinding Classified(const v1::Finding& finding, v1::DiffClass diff_class,
                                 const std::string& note = "") {
  v1::ClassifiedFinding classified;
  *classified.mutable_finding() = finding;
  classified.set_diff_class(diff_class);
  classified.set_note(note);
  return classified;
}

}  // namespace

ClassifiedResult AllNew(const DiffSide& current, const std::string& why_no_baseline) {
  ClassifiedResult result;
  for (const auto& [scanner, finding] : current.findings) {
    result.findings.push_back(Classified(finding, v1::DIFF_NEW));
  }
  result.notes.push_back("no baseline: " + why_no_baseline + "; every finding is new");
  return result;
}

ClassifiedResult ClassifyFindings(const DiffSide& current, const DiffSide& baseline_as_stored,
                                  const std::vector<std::pair<std::string, std::string>>& renames) {
  ClassifiedResult result;
  auto baseline = ApplyRenames(baseline_as_stored.findings, renames);
  std::set<std::pair<std::string, std::string>> in_baseline, in_current;
  for (const auto& [scanner, finding] : baseline)
    in_baseline.insert({scanner, finding.fingerprint()});
  for (const auto& [scanner, finding] : current.findings) {
    in_current.insert({scanner, finding.fingerprint()});
    bool known = in_baseline.count({scanner, finding.fingerprint()}) > 0;
    result.findings.push_back(Classified(finding, known ? v1::DIFF_UNCHANGED : v1::DIFF_NEW));
  }
  // Why a baseline scanner's findings cannot be closed, if they cannot.
  auto why_not_rechecked = [&](const std::string& scanner) -> std::string {
    if (current.profile != baseline_as_stored.profile) {
      return "profile changed ('" + baseline_as_stored.profile + "' -> '" + current.profile + "')";
    }
    auto run = current.runs.find(scanner);
    if (run == current.runs.end()) return scanner + " did not run in this scan";
    if (!run->second.complete) return scanner + " did not complete: " + run->second.why_incomplete;
    return "";
  };
  std::map<std::string, std::string> not_rechecked;
  for (const auto& [scanner, finding] : baseline) not_rechecked.emplace(scanner, "");
  for (const auto& [scanner, run] : baseline_as_stored.runs) not_rechecked.emplace(scanner, "");
  for (auto& [scanner, why] : not_rechecked) {
    why = why_not_rechecked(scanner);
    if (!why.empty()) result.notes.push_back("findings of " + scanner + " not re-checked: " + why);
  }
  for (const auto& [scanner, finding] : baseline) {
    if (in_current.count({scanner, finding.fingerprint()})) continue;
    const std::string& why = not_rechecked[scanner];
    result.findings.push_back(why.empty() ? Classified(finding, v1::DIFF_FIXED)
                                          : Classified(finding, v1::DIFF_NOT_RECHECKED, why));
  }
  return result;
}

}  // namespace scanfleet
