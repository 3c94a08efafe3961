#include "controller/diff/classify.h"

#include <string_view>
#include <unordered_set>

#include "common/finding/finding.h"
#include "common/wire/convert.h"

namespace scanfleet {
namespace {

// A finding's identity in a diff: (scanner, fingerprint), viewing strings that
// outlive the set that holds it.
using FindingKey = std::pair<std::string_view, std::string_view>;
struct FindingKeyHash {
  size_t operator()(const FindingKey& key) const {
    std::hash<std::string_view> hash;
    return hash(key.first) * 31 + hash(key.second);
  }
};
using FindingKeys = std::unordered_set<FindingKey, FindingKeyHash>;

FindingKeys KeysOf(const std::vector<std::pair<std::string, v1::Finding>>& findings) {
  FindingKeys keys;
  keys.reserve(findings.size());
  for (const auto& [scanner, finding] : findings) keys.insert({scanner, finding.fingerprint()});
  return keys;
}

// Baseline findings as they would be fingerprinted at the current paths: each
// group of findings of one renamed file (per scanner, in the tool's order) is
// moved to the new path and fingerprinted again, so occurrence indexes come
// out exactly as a scan of the renamed file would give them.
void ApplyRenames(std::vector<std::pair<std::string, v1::Finding>>& baseline,
                  const std::vector<std::pair<std::string, std::string>>& renames) {
  if (renames.empty()) return;
  std::map<std::string, std::string> new_path(renames.begin(), renames.end());
  // (scanner, new path) -> indexes into `baseline`, in order.
  std::map<std::pair<std::string, std::string>, std::vector<size_t>> groups;
  for (size_t i = 0; i < baseline.size(); ++i) {
    auto renamed = new_path.find(baseline[i].second.path());
    if (renamed == new_path.end()) continue;
    baseline[i].second.set_path(renamed->second);
    groups[{baseline[i].first, renamed->second}].push_back(i);
  }
  for (const auto& [key, indexes] : groups) {
    std::vector<Finding> group;
    for (size_t i : indexes) group.push_back(FindingFromProto(baseline[i].second));
    AssignFingerprints(group);
    for (size_t k = 0; k < indexes.size(); ++k) {
      baseline[indexes[k]].second.set_fingerprint(group[k].fingerprint);
    }
  }
}

v1::ClassifiedFinding Classified(v1::Finding&& finding, v1::DiffClass diff_class,
                                 const std::string& note = "") {
  v1::ClassifiedFinding classified;
  *classified.mutable_finding() = std::move(finding);
  classified.set_diff_class(diff_class);
  classified.set_note(note);
  return classified;
}

}  // namespace

ClassifiedResult AllNew(DiffSide current, const std::string& why_no_baseline) {
  ClassifiedResult result;
  result.findings.reserve(current.findings.size());
  for (auto& [scanner, finding] : current.findings) {
    result.findings.push_back(Classified(std::move(finding), v1::DIFF_NEW));
  }
  result.notes.push_back("no baseline: " + why_no_baseline + "; every finding is new");
  return result;
}

ClassifiedResult ClassifyFindings(DiffSide current, DiffSide baseline,
                                  const std::vector<std::pair<std::string, std::string>>& renames) {
  ClassifiedResult result;
  ApplyRenames(baseline.findings, renames);
  // Both sides' identities first: the findings move into the result below.
  std::vector<bool> known;  // per current finding: in the baseline
  std::vector<bool> gone;   // per baseline finding: not in the current scan
  {
    FindingKeys in_baseline = KeysOf(baseline.findings);
    FindingKeys in_current = KeysOf(current.findings);
    known.reserve(current.findings.size());
    for (const auto& [scanner, finding] : current.findings) {
      known.push_back(in_baseline.count({scanner, finding.fingerprint()}) > 0);
    }
    gone.reserve(baseline.findings.size());
    for (const auto& [scanner, finding] : baseline.findings) {
      gone.push_back(in_current.count({scanner, finding.fingerprint()}) == 0);
    }
  }
  // Why a baseline scanner's findings cannot be closed, if they cannot.
  auto why_not_rechecked = [&](const std::string& scanner) -> std::string {
    if (current.profile != baseline.profile) {
      return "profile changed ('" + baseline.profile + "' -> '" + current.profile + "')";
    }
    auto run = current.runs.find(scanner);
    if (run == current.runs.end()) return scanner + " did not run in this scan";
    if (!run->second.complete) return scanner + " did not complete: " + run->second.why_incomplete;
    return "";
  };
  std::map<std::string, std::string> not_rechecked;
  for (const auto& [scanner, finding] : baseline.findings) not_rechecked.emplace(scanner, "");
  for (const auto& [scanner, run] : baseline.runs) not_rechecked.emplace(scanner, "");
  for (auto& [scanner, why] : not_rechecked) {
    why = why_not_rechecked(scanner);
    if (!why.empty()) result.notes.push_back("findings of " + scanner + " not re-checked: " + why);
  }
  result.findings.reserve(current.findings.size());
  for (size_t i = 0; i < current.findings.size(); ++i) {
    result.findings.push_back(Classified(std::move(current.findings[i].second),
                                         known[i] ? v1::DIFF_UNCHANGED : v1::DIFF_NEW));
  }
  for (size_t i = 0; i < baseline.findings.size(); ++i) {
    if (!gone[i]) continue;
    auto& [scanner, finding] = baseline.findings[i];
    const std::string& why = not_rechecked[scanner];
    result.findings.push_back(why.empty()
                                  ? Classified(std::move(finding), v1::DIFF_FIXED)
                                  : Classified(std::move(finding), v1::DIFF_NOT_RECHECKED, why));
  }
  return result;
}

}  // namespace scanfleet
