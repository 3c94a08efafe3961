// libFuzzer target: `scanfleet verify-log --file` reads lines a SIEM file
// sink wrote, which anyone with access to the file may have edited. Each line
// (raw, and a valid ECS line with the input spliced into it) becomes a record
// and goes through the auditor; nothing may crash, and a line that was
// changed must never verify as the original.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "common/eventlog/chain.h"
#include "common/eventlog/log_auditor.h"
#include "common/siem/event_sink.h"
#include "controller/cli/log_sources.h"

namespace {

// One finding event as the bridge writes it (seq 1, after the genesis hash).
std::string ValidLine() {
  scanfleet::LoggedEvent logged;
  logged.event.set_seq(1);
  logged.event.set_topic("finding.high.flawfinder");
  logged.event.mutable_finding()->set_tool("flawfinder");
  logged.event.mutable_finding()->set_message("strcpy");
  logged.bytes = scanfleet::CanonicalEventBytes(logged.event);
  logged.prev_chain = scanfleet::GenesisChainHash();
  logged.chain = scanfleet::NextChainHash(logged.prev_chain, 1, logged.bytes);
  return *scanfleet::siem::RenderEvent(scanfleet::siem::EventFormat::kEcs, logged, "0.1.0");
}

bool Verifies(const std::string& line) {
  scanfleet::LogAuditor auditor(
      [](const scanfleet::v1::LogCheckpoint&) { return scanfleet::Status::Ok(); });
  auditor.StartAfter(0, scanfleet::GenesisChainHash());
  for (const auto& record : scanfleet::cli::RecordsOfSinkLine(line, 1)) auditor.Add(record);
  return auditor.Finish().ok();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string valid = ValidLine();
  std::string input(reinterpret_cast<const char*>(data), size);
  (void)Verifies(input);
  if (size > 0) {
    std::string spliced = valid;
    size_t at = data[0] % (valid.size() + 1);
    spliced.replace(at, std::min(size - 1, valid.size() - at), input.substr(1));
    if (spliced != valid && Verifies(spliced)) {
      // Only formatting that parses to the same JSON may pass (e.g. "1" vs "1.0"
      // is not it: the values must be equal).
      auto a = nlohmann::json::parse(spliced, nullptr, false);
      auto b = nlohmann::json::parse(valid, nullptr, false);
      if (a != b) __builtin_trap();
    }
  }
  return 0;
}
