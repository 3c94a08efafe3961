// EventSink: where the SIEM bridge forwards events (syslog over TCP, a
// JSON-lines file or stdout, Splunk HTTP Event Collector).
//
// Contract: Deliver() gets events in seq order and returns OK only once every
// one of them is delivered by the sink's own definition (documented per sink).
// On an error the caller waits and calls Deliver() again with the same events
// (or a batch that starts with them); a sink remembers the highest seq it
// delivered in this process and skips those, so retries repeat as little as
// the transport allows. An error that retrying cannot fix (e.g. a rejected
// credential) is FailedPrecondition: the bridge stops, the cursor stays
// before the batch. Any other error is retried. A sink never drops an event it could render; events
// a format cannot represent (e.g. a scan event for OCSF 2002) are skipped. Thread-safety: one
// thread per sink.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/eventlog/logged_event.h"
#include "common/status/status.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet::siem {

enum class EventFormat { kCef, kLeef, kEcs, kOcsf };

StatusOr<EventFormat> ParseEventFormat(std::string_view name);  // "cef", "leef", "ecs", "ocsf"
std::string_view EventFormatName(EventFormat format);
// The event as one line of `format` without a newline; nullopt when the format
// has no representation of this kind of event. The JSON formats also carry
// the event's bytes and chain hashes (LogProofJson), when it has them, so
// `scanfleet verify-log` can check the output offline.
// cef_extension_space: see FormatCef.
std::optional<std::string> RenderEvent(EventFormat format, const LoggedEvent& logged,
                                       std::string_view product_version,
                                       bool cef_extension_space = false);

class EventSink {
 public:
  virtual ~EventSink() = default;
  // For logs: e.g. "syslog-tcp://127.0.0.1:514 (cef)".
  virtual std::string Describe() const = 0;
  virtual Status Deliver(const std::vector<LoggedEvent>& events) = 0;
};

}  // namespace scanfleet::siem
