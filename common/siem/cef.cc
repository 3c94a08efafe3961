#include "common/siem/cef.h"

#include "common/siem/event_attributes.h"
#include "common/siem/event_fields.h"

namespace scanfleet::siem {

std::string EscapeCefHeader(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '|') {
      out += '\\';
      out += c;
    } else if (c == '\n' || c == '\r') {
      out += ' ';  // a header is one line; the spec defines no escape for it
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeCefExtension(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '=':
        out += "\\=";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string EscapeLeefValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string FormatCef(const v1::Event& event, std::string_view product_version,
                      bool space_before_extension) {
  std::string out = "CEF:0|";
  for (std::string_view field : {kVendor, kProduct, product_version}) {
    out += EscapeCefHeader(field) + "|";
  }
  out += EscapeCefHeader(EventSignatureId(event)) + "|";
  out += EscapeCefHeader(EventName(event)) + "|";
  out += std::to_string(EventCefSeverity(event)) + "|";
  if (space_before_extension) out += ' ';
  bool first = true;
  for (const auto& attribute : EventAttributes(event)) {
    if (!first) out += ' ';
    first = false;
    out += attribute.cef_key + "=" + EscapeCefExtension(attribute.value);
  }
  return out;
}

std::string FormatLeef(const v1::Event& event, std::string_view product_version) {
  // LEEF 2.0 header: the pipe is escaped in header fields; "x09" names the tab
  // as the attribute delimiter.
  std::string out = "LEEF:2.0|";
  for (std::string_view field : {kVendor, kProduct, product_version}) {
    out += EscapeCefHeader(field) + "|";
  }
  out += EscapeCefHeader(EventSignatureId(event)) + "|x09|";
  bool first = true;
  auto append = [&](std::string_view key, std::string_view value) {
    if (!first) out += '\t';
    first = false;
    out += std::string(key) + "=" + EscapeLeefValue(value);
  };
  append("sev", std::to_string(EventCefSeverity(event)));
  append("name", EventName(event));
  if (event.created_ms() > 0) {
    append("devTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSX");
  }
  for (const auto& attribute : EventAttributes(event)) {
    if (attribute.leef_key.empty()) continue;
    if (attribute.leef_key == "devTime") {
      append("devTime", Rfc3339Ms(event.created_ms()));
      continue;
    }
    append(attribute.leef_key, attribute.value);
  }
  return out;
}

}  // namespace scanfleet::siem
