// The one controller file that reads suppression files. nlohmann/json's
// non-throwing parse, every type checked before it is read: no exception on
// untrusted input.
#include "controller/diff/suppressions.h"

#include <fnmatch.h>

#include <ctime>
#include <nlohmann/json.hpp>

namespace scanfleet {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxSuppressions = 10000;
constexpr size_t kMaxFieldBytes = 4096;

bool IsDate(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  int month = (text[5] - '0') * 10 + (text[6] - '0');
  int day = (text[8] - '0') * 10 + (text[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

StatusOr<std::string> OptionalString(const Json& entry, const char* key, size_t index) {
  auto it = entry.find(key);
  if (it == entry.end()) return std::string();
  if (!it->is_string()) {
    return Status::InvalidArgument("suppression " + std::to_string(index) + ": \"" + key +
                                   "\" must be a string");
  }
  std::string value = it->get<std::string>();
  if (value.size() > kMaxFieldBytes) {
    return Status::InvalidArgument("suppression " + std::to_string(index) + ": \"" + key +
                                   "\" is longer than " + std::to_string(kMaxFieldBytes) +
                                   " bytes");
  }
  return value;
}

StatusOr<Suppression> ParseEntry(const Json& entry, size_t index, const std::string& source) {
  std::string where = "suppression " + std::to_string(index);
  if (!entry.is_object()) return Status::InvalidArgument(where + " is not an object");
  for (const auto& [key, value] : entry.items()) {
    if (key != "fingerprint" && key != "rule" && key != "path" && key != "reason" &&
        key != "expires" && key != "repo") {
      return Status::InvalidArgument(where + ": unknown key \"" + key + "\"");
    }
  }
  Suppression suppression;
  suppression.source = source;
  ASSIGN_OR_RETURN(std::string fingerprint, OptionalString(entry, "fingerprint", index));
  ASSIGN_OR_RETURN(std::string rule, OptionalString(entry, "rule", index));
  ASSIGN_OR_RETURN(std::string path, OptionalString(entry, "path", index));
  ASSIGN_OR_RETURN(suppression.reason, OptionalString(entry, "reason", index));
  ASSIGN_OR_RETURN(suppression.expires, OptionalString(entry, "expires", index));
  ASSIGN_OR_RETURN(suppression.repo, OptionalString(entry, "repo", index));
  int matchers = !fingerprint.empty() + !rule.empty() + !path.empty();
  if (matchers != 1) {
    return Status::InvalidArgument(where + " must name exactly one of fingerprint, rule, path");
  }
  if (suppression.reason.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument(where + " has no reason (a reason is mandatory)");
  }
  if (!suppression.expires.empty() && !IsDate(suppression.expires)) {
    return Status::InvalidArgument(where + ": \"expires\" must be a date YYYY-MM-DD");
  }
  if (!fingerprint.empty()) {
    suppression.kind = Suppression::Kind::kFingerprint;
    suppression.pattern = fingerprint;
  } else if (!rule.empty()) {
    suppression.kind = Suppression::Kind::kRule;
    size_t colon = rule.find(':');
    if (colon != std::string::npos) {
      suppression.tool = rule.substr(0, colon);
      suppression.pattern = rule.substr(colon + 1);
      if (suppression.tool.empty() || suppression.pattern.empty()) {
        return Status::InvalidArgument(where + ": rule must be \"tool:rule_id\" or \"rule_id\"");
      }
    } else {
      suppression.pattern = rule;
    }
  } else {
    suppression.kind = Suppression::Kind::kPathGlob;
    suppression.pattern = path;
  }
  return suppression;
}

}  // namespace

std::string Suppression::Describe() const {
  switch (kind) {
    case Kind::kFingerprint:
      return "fingerprint:" + pattern;
    case Kind::kRule:
      return "rule:" + (tool.empty() ? pattern : tool + ":" + pattern);
    case Kind::kPathGlob:
      return "path:" + pattern;
  }
  return "";
}

StatusOr<std::vector<Suppression>> ParseSuppressions(std::string_view text,
                                                     const std::string& source) {
  if (text.size() > kMaxSuppressionsFileBytes) {
    return Status::InvalidArgument(source + " is larger than " +
                                   std::to_string(kMaxSuppressionsFileBytes) + " bytes");
  }
  Json document = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return Status::InvalidArgument(source + " is not valid JSON");
  if (!document.is_object()) return Status::InvalidArgument(source + " is not a JSON object");
  auto list = document.find("suppressions");
  if (list == document.end() || !list->is_array()) {
    return Status::InvalidArgument(source + " has no \"suppressions\" array");
  }
  if (list->size() > kMaxSuppressions) {
    return Status::InvalidArgument(source + " has more than " + std::to_string(kMaxSuppressions) +
                                   " suppressions");
  }
  std::vector<Suppression> suppressions;
  for (size_t i = 0; i < list->size(); ++i) {
    auto entry = ParseEntry((*list)[i], i, source);
    if (!entry.ok()) return entry.status().WithContext(source);
    suppressions.push_back(std::move(entry).value());
  }
  return suppressions;
}

std::string UtcDate(int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[16];
  std::strftime(text, sizeof(text), "%Y-%m-%d", &utc);
  return text;
}

const Suppression* MatchSuppression(const std::vector<Suppression>& suppressions,
                                    const v1::Finding& finding, const std::string& repo,
                                    const std::string& today) {
  for (const Suppression& s : suppressions) {
    if (!s.expires.empty() && today > s.expires) continue;
    if (!s.repo.empty() && s.repo != repo) continue;
    bool matches = false;
    switch (s.kind) {
      case Suppression::Kind::kFingerprint:
        matches = finding.fingerprint() == s.pattern;
        break;
      case Suppression::Kind::kRule:
        matches = finding.rule_id() == s.pattern && (s.tool.empty() || s.tool == finding.tool());
        break;
      case Suppression::Kind::kPathGlob:
        matches =
            !finding.path().empty() && fnmatch(s.pattern.c_str(), finding.path().c_str(), 0) == 0;
        break;
    }
    if (matches) return &s;
  }
  return nullptr;
}

}  // namespace scanfleet
