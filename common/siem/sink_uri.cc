#include "common/siem/sink_uri.h"

#include <charconv>
#include <cstdlib>

#include "common/siem/json_lines_sink.h"
#include "common/siem/splunk_hec_sink.h"
#include "common/siem/syslog_tcp_sink.h"

namespace scanfleet::siem {

namespace {

constexpr std::string_view kSyslog = "syslog-tcp://";
constexpr std::string_view kHec = "splunk-hec://";
constexpr std::string_view kHecs = "splunk-hecs://";

// Reads "format=X&cef-extension-space=1&token-env=..." and checks the options
// and the format fit the sink.
Status ParseQuery(std::string_view query, SinkSpec& spec) {
  const bool syslog = spec.kind == SinkSpec::Kind::kSyslogTcp;
  const bool hec = spec.kind == SinkSpec::Kind::kSplunkHec;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto equals = param.find('=');
    std::string_view name = param.substr(0, equals);
    std::string value(equals == std::string_view::npos ? "" : param.substr(equals + 1));
    if (name == "format") {
      ASSIGN_OR_RETURN(spec.format, ParseEventFormat(value));
    } else if (syslog && param == "cef-extension-space=1") {
      spec.cef_extension_space = true;
    } else if (hec && name == "token-env" && !value.empty()) {
      spec.token_env = value;
    } else if (hec && name == "index" && !value.empty()) {
      spec.index = value;
    } else if (hec && name == "sourcetype" && !value.empty()) {
      spec.sourcetype = value;
    } else if (hec && spec.https && name == "ca-file" && !value.empty()) {
      spec.ca_file = value;
    } else {
      return Status::InvalidArgument("unknown sink option \"" + std::string(param) + "\"");
    }
  }
  bool syslog_format = spec.format == EventFormat::kCef || spec.format == EventFormat::kLeef;
  if (syslog != syslog_format) {
    return Status::InvalidArgument(syslog ? "syslog sinks carry cef or leef"
                                          : "file, stdout and splunk-hec sinks write ecs or ocsf");
  }
  if (hec && spec.token_env.empty()) {
    return Status::InvalidArgument(
        "splunk-hec sink needs token-env=VAR (the environment variable holding the HEC token)");
  }
  if (hec && spec.sourcetype.empty()) {
    spec.sourcetype = "scanfleet:" + std::string(EventFormatName(spec.format));
  }
  return Status::Ok();
}

// "HOST:PORT" (HOST may be [v6]) into spec.host and spec.port.
Status ParseHostPort(std::string_view address, SinkSpec& spec) {
  auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument("sink needs HOST:PORT");
  }
  std::string_view host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string_view port = address.substr(colon + 1);
  auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), spec.port);
  if (error != std::errc() || end != port.data() + port.size() || spec.port < 1 ||
      spec.port > 65535) {
    return Status::InvalidArgument("bad port \"" + std::string(port) + "\"");
  }
  spec.host = std::string(host);
  return Status::Ok();
}

}  // namespace

StatusOr<SinkSpec> ParseSinkUri(std::string_view uri) {
  SinkSpec spec;
  std::string_view query;
  if (auto mark = uri.find('?'); mark != std::string_view::npos) {
    query = uri.substr(mark + 1);
    uri = uri.substr(0, mark);
  }
  if (uri == "stdout") {
    spec.kind = SinkSpec::Kind::kStdout;
  } else if (uri.starts_with("file:")) {
    spec.kind = SinkSpec::Kind::kFile;
    spec.path = std::string(uri.substr(5));
    if (spec.path.empty()) return Status::InvalidArgument("file: sink needs a path");
  } else if (uri.starts_with(kSyslog)) {
    spec.kind = SinkSpec::Kind::kSyslogTcp;
    spec.format = EventFormat::kCef;
    RETURN_IF_ERROR(ParseHostPort(uri.substr(kSyslog.size()), spec));
  } else if (uri.starts_with(kHec) || uri.starts_with(kHecs)) {
    spec.kind = SinkSpec::Kind::kSplunkHec;
    spec.https = uri.starts_with(kHecs);
    std::string_view rest = uri.substr(spec.https ? kHecs.size() : kHec.size());
    auto slash = rest.find('/');
    spec.path = slash == std::string_view::npos ? "/services/collector/event"
                                                : std::string(rest.substr(slash));
    RETURN_IF_ERROR(ParseHostPort(rest.substr(0, slash), spec));
  } else {
    return Status::InvalidArgument(
        "unknown sink \"" + std::string(uri) +
        "\" (syslog-tcp://HOST:PORT, file:PATH, stdout, splunk-hec[s]://HOST:PORT)");
  }
  RETURN_IF_ERROR(ParseQuery(query, spec));
  return spec;
}

StatusOr<std::unique_ptr<EventSink>> MakeSink(const SinkSpec& spec, const SinkContext& context) {
  std::unique_ptr<EventSink> sink;
  switch (spec.kind) {
    case SinkSpec::Kind::kSyslogTcp: {
      SyslogSinkOptions options;
      options.format = spec.format;
      options.hostname = context.hostname;
      options.product_version = context.product_version;
      options.cef_extension_space = spec.cef_extension_space;
      sink = std::make_unique<SyslogTcpSink>(MakeTcpConnector(spec.host, spec.port, 5000), options);
      break;
    }
    case SinkSpec::Kind::kFile:
      sink = std::make_unique<JsonLinesSink>(spec.path, spec.format, context.product_version);
      break;
    case SinkSpec::Kind::kStdout:
      sink = std::make_unique<JsonLinesSink>("-", spec.format, context.product_version);
      break;
    case SinkSpec::Kind::kSplunkHec: {
      const char* token = std::getenv(spec.token_env.c_str());
      if (token == nullptr || *token == '\0') {
        return Status::InvalidArgument("environment variable " + spec.token_env +
                                       " (token-env, the HEC token) is unset or empty");
      }
      SplunkHecOptions options;
      options.host = spec.host;
      options.port = spec.port;
      options.https = spec.https;
      options.ca_file = spec.ca_file;
      options.path = spec.path;
      options.token = token;
      options.envelope.host = context.hostname;
      options.envelope.sourcetype = spec.sourcetype;
      options.envelope.index = spec.index;
      options.envelope.format = spec.format;
      options.envelope.product_version = context.product_version;
      sink = std::make_unique<SplunkHecSink>(std::move(options));
      break;
    }
  }
  return sink;
}

}  // namespace scanfleet::siem
