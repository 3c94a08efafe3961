#include "common/siem/json_text.h"

#include <nlohmann/json.hpp>

#include "common/siem/event_fields.h"
#include "common/text/utf8.h"

namespace scanfleet::siem {

namespace {

void AppendNumber(int64_t value, std::string& out) { out += std::to_string(value); }

}  // namespace

void AppendJsonString(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t start = out.size();
  out.push_back('"');
  // Runs of bytes that need no escape are appended at once; a byte >= 0x80
  // must start a valid UTF-8 sequence, else the whole string is redone below.
  size_t run = 0;
  for (size_t at = 0; at < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[at]);
    if (c >= 0x80) {
      size_t length = Utf8SequenceLength(text, at);
      if (length == 0) {
        // Rare (the wire sanitizes findings): exactly what dump(replace) writes.
        out.resize(start);
        out += nlohmann::json(std::string(text))
                   .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        return;
      }
      at += length;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') {
      ++at;
      continue;
    }
    out.append(text.data() + run, at - run);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
    run = ++at;
  }
  out.append(text.data() + run, text.size() - run);
  out.push_back('"');
}

void AppendCanonicalFindingJson(const v1::Finding& f, std::string& out) {
  // Keys in sorted order, as nlohmann's std::map objects dump them.
  bool first = true;
  auto key = [&](const char* name) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('"');
    out += name;
    out += "\":";
  };
  out.push_back('{');
  key("column");
  AppendNumber(f.column(), out);
  key("confidence");
  AppendJsonString(f.confidence(), out);
  key("cwes");
  out.push_back('[');
  for (int i = 0; i < f.cwes_size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendNumber(f.cwes(i), out);
  }
  out.push_back(']');
  key("end_line");
  AppendNumber(f.end_line(), out);
  key("evidence");
  AppendJsonString(f.evidence(), out);
  key("fingerprint");
  AppendJsonString(f.fingerprint(), out);
  key("http_method");
  AppendJsonString(f.http_method(), out);
  key("line");
  AppendNumber(f.line(), out);
  key("message");
  AppendJsonString(f.message(), out);
  key("parameter");
  AppendJsonString(f.parameter(), out);
  key("path");
  AppendJsonString(f.path(), out);
  key("rule_id");
  AppendJsonString(f.rule_id(), out);
  key("severity");
  AppendJsonString(CanonicalSeverityName(f.severity()), out);
  key("snippet");
  AppendJsonString(f.snippet(), out);
  key("title");
  AppendJsonString(f.title(), out);
  key("tool");
  AppendJsonString(f.tool(), out);
  key("tool_version");
  AppendJsonString(f.tool_version(), out);
  key("url");
  AppendJsonString(f.url(), out);
  out.push_back('}');
}

}  // namespace scanfleet::siem
