// libFuzzer target for deployment input that is parsed at startup or per
// submission: the scanner registry JSON and DAST target strings (the first
// input byte picks which).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/scanners/registry.h"
#include "common/target/dast_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    (void)scanfleet::ParseRegistry(input, &scanfleet::DefaultRegistry());
  } else if (auto target = scanfleet::ParseDastTarget(input); target.ok()) {
    static const auto allowlist = scanfleet::TargetAllowlist::Parse({"127.0.0.0/8", "::1"});
    (void)allowlist->Allows(*target);
  }
  return 0;
}
