#include "common/siem/syslog_message.h"

#include <algorithm>

#include "common/siem/event_fields.h"

namespace scanfleet::siem {

namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

bool HasNonAscii(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) > 127; });
}

// SD-NAME: PRINTUSASCII except '=', ' ', ']', '"'; at most 32 characters.
std::string SdName(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 32)) {
    bool allowed = c > 32 && c < 127 && c != '=' && c != ']' && c != '"';
    out += allowed ? c : '_';
  }
  return out.empty() ? "_" : out;
}

}  // namespace

std::string SyslogHeaderField(std::string_view value, size_t max_length) {
  std::string out;
  for (char c : value.substr(0, max_length)) out += (c >= 33 && c <= 126) ? c : '_';
  return out.empty() ? "-" : out;
}

std::string EscapeSdParamValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '"' || c == '\\' || c == ']') out += '\\';
    out += c;
  }
  return out;
}

std::string FormatRfc5424(const SyslogMessage& message, BomPolicy bom) {
  int facility = std::clamp(message.facility, 0, 23);
  int severity = std::clamp(message.severity, 0, 7);
  std::string out = "<" + std::to_string(facility * 8 + severity) + ">1 ";
  out += message.timestamp_ms > 0 ? Rfc3339Ms(message.timestamp_ms) : "-";
  out += ' ' + SyslogHeaderField(message.hostname, 255);
  out += ' ' + SyslogHeaderField(message.app_name, 48);
  out += ' ' + SyslogHeaderField(message.procid, 128);
  out += ' ' + SyslogHeaderField(message.msgid, 32);
  out += ' ';
  if (message.structured_data.empty()) {
    out += '-';
  } else {
    for (const auto& element : message.structured_data) {
      out += '[' + SdName(element.id);
      for (const auto& [name, value] : element.params) {
        out += ' ' + SdName(name) + "=\"" + EscapeSdParamValue(value) + '"';
      }
      out += ']';
    }
  }
  if (message.msg.empty()) return out;
  out += ' ';
  bool with_bom =
      bom == BomPolicy::kAlways || (bom == BomPolicy::kWhenNonAscii && HasNonAscii(message.msg));
  if (with_bom) out += kUtf8Bom;
  out += message.msg;
  return out;
}

std::string FrameOctetCounted(std::string_view message) {
  return std::to_string(message.size()) + " " + std::string(message);
}

}  // namespace scanfleet::siem
