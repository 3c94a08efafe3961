// libFuzzer target for the wire gate every untrusted frame passes:
// DecodeEnvelope, then what the receivers read of a batch: a worker batch's
// results and their findings, a control batch's job targets.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/wire/convert.h"
#include "common/wire/envelope.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  scanfleet::WireCounters counters;
  auto envelope = scanfleet::DecodeEnvelope(
      std::string_view(reinterpret_cast<const char*>(data), size), 1 << 20, counters);
  if (!envelope.ok()) return 0;
  for (const auto& result : envelope->worker_batch().results()) {
    for (const auto& finding : result.findings()) (void)scanfleet::FindingFromProto(finding);
  }
  volatile size_t target_bytes = 0;
  for (const auto& job : envelope->control_batch().jobs()) {
    target_bytes = target_bytes + job.target().repo().size() + job.target().ref().size();
  }
  return 0;
}
