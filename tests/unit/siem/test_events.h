// Events with hostile field values shared by the SIEM tests.
#pragma once

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

}  // namespace scanfleet::siem::testing
