#include "common/siem/hec_events.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/siem/json_formats.h"

namespace scanfleet::siem {

namespace {

std::string Quoted(std::string_view text) { return JsonLine(nlohmann::json(std::string(text))); }

// HEC's "time" is epoch seconds with an optional fraction: "1700000000.123".
std::string EpochSecondsMillis(int64_t ms) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return buffer;
}

}  // namespace

std::optional<std::string> HecEventObject(const HecEnvelope& envelope, const LoggedEvent& logged) {
  const v1::Event& event = logged.event;
  auto rendered = RenderEvent(envelope.format, logged, envelope.product_version);
  if (!rendered) return std::nullopt;
  std::string object = "{";
  if (event.created_ms() > 0) object += "\"time\":" + EpochSecondsMillis(event.created_ms()) + ",";
  object += "\"host\":" + Quoted(envelope.host);
  object += ",\"source\":" + Quoted(envelope.source);
  object += ",\"sourcetype\":" + Quoted(envelope.sourcetype);
  if (!envelope.index.empty()) object += ",\"index\":" + Quoted(envelope.index);
  object += ",\"event\":" + *rendered + "}";
  return object;
}

std::vector<HecRequest> SplitHecRequests(const HecEnvelope& envelope,
                                         const std::vector<LoggedEvent>& events,
                                         size_t max_body_bytes) {
  std::vector<HecRequest> requests;
  HecRequest current;
  for (const auto& logged : events) {
    auto object = HecEventObject(envelope, logged);
    if (object && !current.body.empty() && current.body.size() + object->size() > max_body_bytes) {
      requests.push_back(std::move(current));
      current = HecRequest();
    }
    if (object) current.body += *object;
    current.last_seq = logged.event.seq();
  }
  if (current.last_seq != 0) requests.push_back(std::move(current));
  return requests;
}

HecReply ParseHecReply(std::string_view body) {
  HecReply reply;
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    reply.text = std::string(body.substr(0, 200));
    return reply;
  }
  if (auto code = json.find("code"); code != json.end() && code->is_number_integer()) {
    reply.code = code->get<int>();
  }
  if (auto text = json.find("text"); text != json.end() && text->is_string()) {
    reply.text = text->get<std::string>();
  }
  return reply;
}

}  // namespace scanfleet::siem
