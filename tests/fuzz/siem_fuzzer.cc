// libFuzzer target for the SIEM formatters: scanner-controlled finding text
// (any bytes, split on NUL into fields) must never break a record's framing.
// Invariants: CEF and LEEF are one line; the RFC 5424 header is printable
// ASCII; octet counting counts bytes; ECS/OCSF lines are one parseable JSON
// line. Also feeds the bytes to the --sink URI parser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/siem/cef.h"
#include "common/siem/event_sink.h"
#include "common/siem/json_formats.h"
#include "common/siem/sink_uri.h"
#include "common/siem/syslog_message.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scanfleet;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)siem::ParseSinkUri(input);
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= input.size(); ++i) {
    if (i == input.size() || input[i] == '\0') {
      parts.emplace_back(input.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.resize(10);
  v1::Event event;
  event.set_seq(size);
  event.set_topic(parts[0]);
  event.set_created_ms(static_cast<int64_t>(size) * 1000003);
  v1::Finding* f = event.mutable_finding();
  f->set_tool(parts[1]);
  f->set_rule_id(parts[2]);
  f->set_title(parts[3]);
  f->set_message(parts[4]);
  f->set_path(parts[5]);
  f->set_snippet(parts[6]);
  f->set_url(parts[7]);
  f->set_fingerprint(parts[8]);
  f->set_evidence(parts[9]);
  f->set_line(static_cast<int>(size));

  for (bool space : {false, true}) {
    std::string cef = siem::FormatCef(event, "0.1.0", space);
    Require(cef.find('\n') == std::string::npos && cef.find('\r') == std::string::npos);
  }
  std::string leef = siem::FormatLeef(event, "0.1.0");
  Require(leef.find('\n') == std::string::npos && leef.find('\r') == std::string::npos);

  siem::SyslogMessage message;
  message.hostname = parts[3];
  message.msgid = parts[0];
  message.procid = parts[2];
  message.structured_data.push_back({parts[1], {{parts[2], parts[4]}}});
  message.msg = leef;
  std::string syslog = siem::FormatRfc5424(message, siem::BomPolicy::kWhenNonAscii);
  // Header: PRI VERSION and six space-separated PRINTUSASCII fields.
  size_t fields = 0, at = 0;
  while (fields < 6) {
    size_t space = syslog.find(' ', at);
    Require(space != std::string::npos);
    for (size_t i = at; i < space; ++i) Require(syslog[i] >= 33 && syslog[i] <= 126);
    at = space + 1;
    ++fields;
  }
  std::string framed = siem::FrameOctetCounted(syslog);
  Require(framed == std::to_string(syslog.size()) + " " + syslog);

  for (auto format : {siem::EventFormat::kEcs, siem::EventFormat::kOcsf}) {
    scanfleet::LoggedEvent logged;
    logged.event = event;
    logged.bytes = std::string(reinterpret_cast<const char*>(data), std::min<size_t>(size, 64));
    auto line = siem::RenderEvent(format, logged, "0.1.0");
    Require(line.has_value() && line->find('\n') == std::string::npos);
    Require(nlohmann::json::accept(*line));
  }
  return 0;
}
