// JSON renderings of one scanfleet event for JSON-lines sinks:
//   ECS: Elastic Common Schema field names (event.*, vulnerability.*, rule.*,
//        file.*, url.*, http.*, observer.*) plus the canonical finding under
//        "scanfleet.finding";
//   OCSF: Vulnerability Finding (class_uid 2002, category_uid 2, OCSF 1.1).
// Field mappings are in docs/SIEM.md.
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/eventlog/logged_event.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet::siem {

nlohmann::json EcsJson(const v1::Event& event, std::string_view product_version);
// nullopt for events that are not findings: OCSF class 2002 describes findings only.
std::optional<nlohmann::json> OcsfVulnerabilityFinding(const v1::Event& event,
                                                       std::string_view product_version);
// What lets `scanfleet verify-log` check a file of these lines offline: the
// event's canonical bytes (base64) and the chain hashes before and at it
// (hex), and the [seq, digest] of the events a topic filter left out right
// before it: {"event", "prev", "chain"[, "skipped"]} (docs/SIEM.md).
nlohmann::json LogProofJson(const LoggedEvent& logged);

// One line without the trailing newline; invalid UTF-8 is replaced, never thrown on.
std::string JsonLine(const nlohmann::json& value);

}  // namespace scanfleet::siem
