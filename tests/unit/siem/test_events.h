// Events with hostile field values, and a sink that records what it was
// given, shared by the SIEM tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/siem/event_sink.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet::siem::testing {

inline v1::Event HostileFinding() {
  v1::Event event;
  event.set_seq(42);
  event.set_topic("finding.high.bandit");
  event.set_created_ms(1'700'000'000'123);
  event.set_scan_id(7);
  event.set_job_id(9);
  v1::Finding* f = event.mutable_finding();
  f->set_tool("bandit");
  f->set_tool_version("1.7.5");
  f->set_rule_id("B602|x");
  f->set_title("pipe|back\\slash\nnewline");
  f->set_message("a=b c\\d\r\ne|f");
  f->set_severity(v1::SEVERITY_HIGH);
  f->set_confidence("high");
  f->add_cwes(78);
  f->add_cwes(88);
  f->set_path("src/dir/ünï.py");
  f->set_line(12);
  f->set_column(3);
  f->set_end_line(14);
  f->set_snippet("subprocess.call(cmd, shell=True)\tx");
  f->set_fingerprint("abc123");
  return event;
}

// Events as a subscriber hands them to sinks (without bytes or chain hashes:
// sinks that verify-log reads are tested with real ones elsewhere).
inline std::vector<LoggedEvent> LoggedAll(std::vector<v1::Event> events) {
  std::vector<LoggedEvent> logged(events.size());
  for (size_t i = 0; i < events.size(); ++i) logged[i].event = std::move(events[i]);
  return logged;
}

// What an incremental job carried forward (topic "scan.carried"), with a
// scanner name no SIEM format may pass through unescaped.
inline v1::Event CarriedEvent() {
  v1::Event event;
  event.set_seq(43);
  event.set_topic("scan.carried");
  event.set_created_ms(1'700'000'000'456);
  event.set_scan_id(8);
  event.set_job_id(11);
  v1::CarriedFindings* carried = event.mutable_carried();
  carried->set_base_scan_id(7);
  carried->set_job_id(11);
  carried->set_scanner("flaw|finder=x");
  carried->set_count(10713);
  carried->add_base_job_ids(9);
  return event;
}

// Records the seq of every event delivered; refuses (Unavailable) the first
// `failures` calls.
class RecordingSink final : public EventSink {
 public:
  std::string Describe() const override { return "recording"; }
  Status Deliver(const std::vector<LoggedEvent>& events) override {
    ++calls;
    if (failures > 0) {
      --failures;
      return Status::Unavailable("down");
    }
    for (const auto& logged : events) {
      seqs.push_back(logged.event.seq());
      for (const auto& left_out : logged.skipped) skipped_seqs.push_back(left_out.seq);
    }
    return Status::Ok();
  }
  int failures = 0;
  int calls = 0;
  std::vector<uint64_t> seqs;
  std::vector<uint64_t> skipped_seqs;  // filtered-out events attached to delivered ones
};

}  // namespace scanfleet::siem::testing
