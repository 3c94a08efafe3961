#include "common/siem/event_sink.h"

#include "common/siem/cef.h"
#include "common/siem/json_formats.h"

namespace scanfleet::siem {

StatusOr<EventFormat> ParseEventFormat(std::string_view name) {
  if (name == "cef") return EventFormat::kCef;
  if (name == "leef") return EventFormat::kLeef;
  if (name == "ecs") return EventFormat::kEcs;
  if (name == "ocsf") return EventFormat::kOcsf;
  return Status::InvalidArgument("unknown format \"" + std::string(name) +
                                 "\" (cef, leef, ecs, ocsf)");
}

std::string_view EventFormatName(EventFormat format) {
  switch (format) {
    case EventFormat::kCef:
      return "cef";
    case EventFormat::kLeef:
      return "leef";
    case EventFormat::kEcs:
      return "ecs";
    case EventFormat::kOcsf:
      return "ocsf";
  }
  return "?";
}

std::optional<std::string> RenderEvent(EventFormat format, const LoggedEvent& logged,
                                       std::string_view product_version, bool cef_extension_space) {
  const v1::Event& event = logged.event;
  switch (format) {
    case EventFormat::kCef:
      return FormatCef(event, product_version, cef_extension_space);
    case EventFormat::kLeef:
      return FormatLeef(event, product_version);
    case EventFormat::kEcs: {
      nlohmann::json ecs = EcsJson(event, product_version);
      if (!logged.bytes.empty()) ecs["scanfleet"]["log"] = LogProofJson(logged);
      return JsonLine(ecs);
    }
    case EventFormat::kOcsf: {
      auto ocsf = OcsfVulnerabilityFinding(event, product_version);
      if (!ocsf) return std::nullopt;
      if (!logged.bytes.empty()) (*ocsf)["unmapped"]["scanfleet"]["log"] = LogProofJson(logged);
      return JsonLine(*ocsf);
    }
  }
  return std::nullopt;
}

}  // namespace scanfleet::siem
