// libFuzzer target for the wire gate every untrusted frame passes:
// DecodeEnvelope, then the conversion of a result's findings.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/wire/convert.h"
#include "common/wire/envelope.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  scanfleet::WireCounters counters;
  auto envelope = scanfleet::DecodeEnvelope(
      std::string_view(reinterpret_cast<const char*>(data), size), 1 << 20, counters);
  if (!envelope.ok() || !envelope->has_result()) return 0;
  for (const auto& finding : envelope->result().findings()) {
    (void)scanfleet::FindingFromProto(finding);
  }
  return 0;
}
