// RFC 5424 syslog messages and RFC 6587 octet-counting framing.
//
//   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG
//
// PRI = facility * 8 + severity. Header fields are PRINTUSASCII (33..126):
// other bytes become '_', an empty field is the NILVALUE "-", and each is cut
// to its RFC maximum (HOSTNAME 255, APP-NAME 48, PROCID 128, MSGID 32).
// SD-PARAM values escape '"', '\' and ']'. MSG is sent as MSG-UTF8 (with the
// UTF-8 BOM) or MSG-ANY (no BOM) according to BomPolicy: CEF and LEEF
// receivers expect the payload to start with "CEF:"/"LEEF:", so those sinks
// use kNever, which RFC 5424 allows (MSG-ANY).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace scanfleet::siem {

enum class BomPolicy { kNever, kWhenNonAscii, kAlways };

struct StructuredData {
  std::string id;  // SD-ID, e.g. "scanfleet@32473"
  std::vector<std::pair<std::string, std::string>> params;
};

struct SyslogMessage {
  int facility = 13;         // 0..23; 13 = "log audit"
  int severity = 6;          // 0..7
  int64_t timestamp_ms = 0;  // <= 0: NILVALUE
  std::string hostname;
  std::string app_name = "scanfleet";
  std::string procid;
  std::string msgid;
  std::vector<StructuredData> structured_data;
  std::string msg;
};

// Keeps printable US-ASCII, replaces other bytes with '_', cuts to max_length,
// and returns "-" for an empty value.
std::string SyslogHeaderField(std::string_view value, size_t max_length);
std::string EscapeSdParamValue(std::string_view value);
std::string FormatRfc5424(const SyslogMessage& message, BomPolicy bom);
// RFC 6587 octet counting: "<byte length of message> <message>".
std::string FrameOctetCounted(std::string_view message);

}  // namespace scanfleet::siem
