// libFuzzer target for one scanner adapter, chosen at build time by
// SCANFLEET_FUZZ_PARSER (a parser-table name, e.g. "sarif"). Any input must
// give a result or an error Status: never a crash, a hang, a leak or UB, and
// every finding must be well-formed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/scanners/parsers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const scanfleet::ParseFn parse = scanfleet::FindParser(SCANFLEET_FUZZ_PARSER);
  if (parse == nullptr) std::abort();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = parse(input, "fuzz");
  if (!parsed.ok()) return 0;
  for (const scanfleet::Finding& finding : parsed->findings) {
    if (finding.fingerprint.size() != 32 || finding.tool.empty()) std::abort();
  }
  return 0;
}
