// libFuzzer target for suppressions files (.scanfleet/suppressions.json from a
// scanned, untrusted repository, or the controller's --suppressions file):
// parse, then match every parsed entry against a fixed finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "controller/diff/diff_report.h"
#include "controller/diff/suppressions.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = scanfleet::ParseSuppressions(input, "repo:fuzz");
  if (parsed.ok()) {
    scanfleet::v1::Finding finding;
    finding.set_tool("flawfinder");
    finding.set_rule_id("FF1004");
    finding.set_path("src/vendor/a.c");
    finding.set_fingerprint("0123456789abcdef");
    for (const auto& suppression : *parsed) (void)suppression.Describe();
    (void)scanfleet::MatchSuppression(*parsed, finding, "/srv/repo", "2026-11-23");
  }
  std::vector<std::string> notes;
  int invalid = 0;
  (void)scanfleet::RepoSuppressions({std::string(input)}, notes, invalid);
  return 0;
}
