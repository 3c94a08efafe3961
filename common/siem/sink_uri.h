// Parses the bridge's --sink arguments into sinks:
//   syslog-tcp://HOST:PORT[?format=cef|leef][&cef-extension-space=1]
//                                     (default cef; HOST may be [v6])
//   file:PATH[?format=ecs|ocsf]                 (default ecs)
//   stdout[?format=ecs|ocsf]                    (default ecs)
// Thread-safety: pure functions.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/siem/event_sink.h"

namespace scanfleet::siem {

struct SinkSpec {
  enum class Kind { kSyslogTcp, kFile, kStdout } kind = Kind::kStdout;
  std::string host;
  int port = 0;
  std::string path;
  EventFormat format = EventFormat::kEcs;
  bool cef_extension_space = false;  // "&cef-extension-space=1", see FormatCef
};

StatusOr<SinkSpec> ParseSinkUri(std::string_view uri);

struct SinkContext {
  std::string product_version;
  std::string hostname;  // syslog HOSTNAME field
};
std::unique_ptr<EventSink> MakeSink(const SinkSpec& spec, const SinkContext& context);

}  // namespace scanfleet::siem
