#include "common/siem/sink_uri.h"

#include <charconv>

#include "common/siem/json_lines_sink.h"
#include "common/siem/syslog_tcp_sink.h"

namespace scanfleet::siem {

namespace {

// Reads "format=X&cef-extension-space=1" and checks the format fits the sink.
Status ParseQuery(std::string_view query, bool syslog, SinkSpec& spec) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (param.starts_with("format=")) {
      ASSIGN_OR_RETURN(spec.format, ParseEventFormat(param.substr(7)));
    } else if (syslog && param == "cef-extension-space=1") {
      spec.cef_extension_space = true;
    } else {
      return Status::InvalidArgument("unknown sink option \"" + std::string(param) + "\"");
    }
  }
  bool syslog_format = spec.format == EventFormat::kCef || spec.format == EventFormat::kLeef;
  if (syslog != syslog_format) {
    return Status::InvalidArgument(syslog ? "syslog sinks carry cef or leef"
                                          : "file and stdout sinks write ecs or ocsf");
  }
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
    RETURN_IF_ERROR(ParseQuery(query, false, spec));
    return spec;
  }
  if (uri.starts_with("file:")) {
    spec.kind = SinkSpec::Kind::kFile;
    spec.path = std::string(uri.substr(5));
    if (spec.path.empty()) return Status::InvalidArgument("file: sink needs a path");
    RETURN_IF_ERROR(ParseQuery(query, false, spec));
    return spec;
  }
  constexpr std::string_view kSyslog = "syslog-tcp://";
  if (!uri.starts_with(kSyslog)) {
    return Status::InvalidArgument("unknown sink \"" + std::string(uri) +
                                   "\" (syslog-tcp://HOST:PORT, file:PATH, stdout)");
  }
  spec.kind = SinkSpec::Kind::kSyslogTcp;
  spec.format = EventFormat::kCef;
  std::string_view address = uri.substr(kSyslog.size());
  auto colon = address.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument("syslog-tcp sink needs HOST:PORT");
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
  RETURN_IF_ERROR(ParseQuery(query, true, spec));
  return spec;
}

std::unique_ptr<EventSink> MakeSink(const SinkSpec& spec, const SinkContext& context) {
  switch (spec.kind) {
    case SinkSpec::Kind::kSyslogTcp: {
      SyslogSinkOptions options;
      options.format = spec.format;
      options.hostname = context.hostname;
      options.product_version = context.product_version;
      options.cef_extension_space = spec.cef_extension_space;
      return std::make_unique<SyslogTcpSink>(MakeTcpConnector(spec.host, spec.port, 5000), options);
    }
    case SinkSpec::Kind::kFile:
      return std::make_unique<JsonLinesSink>(spec.path, spec.format, context.product_version);
    case SinkSpec::Kind::kStdout:
      return std::make_unique<JsonLinesSink>("-", spec.format, context.product_version);
  }
  return nullptr;
}

}  // namespace scanfleet::siem
