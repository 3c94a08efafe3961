// The ordered key/value attributes of an event that CEF and LEEF share: one
// list of (CEF key, LEEF key, value), so both formats carry the same facts.
// Empty values are left out. Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "proto/scanfleet.pb.h"

namespace scanfleet::siem {

struct EventAttribute {
  std::string cef_key;   // ArcSight dictionary key (cs1, filePath, ...)
  std::string leef_key;  // LEEF predefined or custom key; empty: CEF only
  std::string value;     // unescaped
};

// Signature id: "<tool>:<rule_id>" for a finding, the topic otherwise.
std::string EventSignatureId(const v1::Event& event);
// Human name: the finding's title (or rule id), "scan <state>", or "<n>
// findings carried from scan <id>".
std::string EventName(const v1::Event& event);
// 0-10 (CefSeverity for findings; 1 for scan events, 5 for failed/dead ones).
int EventCefSeverity(const v1::Event& event);
std::vector<EventAttribute> EventAttributes(const v1::Event& event);

}  // namespace scanfleet::siem
