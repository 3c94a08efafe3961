// CWE ids in text; see cwe_text.h.
#include "common/scanners/cwe_text.h"

#include <algorithm>
#include <string>

#include "common/text/ascii.h"

namespace scanfleet {

std::optional<int> CweInText(std::string_view text) {
  std::string lower = Lower(text);
  size_t at = lower.find("cwe-");
  if (at == std::string::npos) return std::nullopt;
  size_t start = at + 4, end = start;
  while (end < lower.size() && lower[end] >= '0' && lower[end] <= '9') ++end;
  if (end == start || end - start > 6) return std::nullopt;
  int cwe = std::stoi(lower.substr(start, end - start));
  return cwe > 0 ? std::optional<int>(cwe) : std::nullopt;
}

void AddCweOf(std::string_view text, std::vector<int>& cwes) {
  if (cwes.size() >= kMaxCwes) return;
  std::optional<int> cwe = CweInText(text);
  if (cwe && std::find(cwes.begin(), cwes.end(), *cwe) == cwes.end()) cwes.push_back(*cwe);
}

}  // namespace scanfleet
