// Parses the bridge's --sink arguments into sinks:
//   syslog-tcp://HOST:PORT[?format=cef|leef][&cef-extension-space=1]
//                                     (default cef; HOST may be [v6])
//   file:PATH[?format=ecs|ocsf]                 (default ecs)
//   stdout[?format=ecs|ocsf]                    (default ecs)
//   splunk-hec://HOST:PORT[/PATH]?token-env=VAR[&index=I][&sourcetype=S]
//              [&format=ecs|ocsf]   (HTTP; splunk-hecs:// is HTTPS, with an
//              optional &ca-file=PATH; default PATH /services/collector/event,
//              sourcetype scanfleet:FORMAT). The HEC token is read from the
//              environment variable VAR by MakeSink, never from the URI.
// Thread-safety: ParseSinkUri is pure; MakeSink reads the environment.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/siem/event_sink.h"

namespace scanfleet::siem {

struct SinkSpec {
  enum class Kind { kSyslogTcp, kFile, kStdout, kSplunkHec } kind = Kind::kStdout;
  std::string host;
  int port = 0;
  std::string path;
  EventFormat format = EventFormat::kEcs;
  bool cef_extension_space = false;  // "&cef-extension-space=1", see FormatCef
  // Splunk HEC only.
  bool https = false;
  std::string token_env;  // name of the environment variable holding the token
  std::string index;
  std::string sourcetype;
  std::string ca_file;
};

StatusOr<SinkSpec> ParseSinkUri(std::string_view uri);

struct SinkContext {
  std::string product_version;
  std::string hostname;  // syslog HOSTNAME field, HEC "host"
};
// Fails when a HEC token variable is unset or empty.
StatusOr<std::unique_ptr<EventSink>> MakeSink(const SinkSpec& spec, const SinkContext& context);

}  // namespace scanfleet::siem
