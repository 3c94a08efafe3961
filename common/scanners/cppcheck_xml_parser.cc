// cppcheck XML v2 adapter; see cppcheck_xml_parser.h.
#include "common/scanners/cppcheck_xml_parser.h"

#include <algorithm>
#include <pugixml.hpp>
#include <string>

#include "common/scanners/text_fields.h"

namespace scanfleet {
namespace {

std::optional<Severity> MapSeverity(std::string_view level) {
  if (level == "error") return Severity::kHigh;
  if (level == "warning") return Severity::kMedium;
  if (level == "style" || level == "performance" || level == "portability") return Severity::kLow;
  if (level == "information" || level == "debug") return Severity::kInfo;
  return std::nullopt;
}

}  // namespace

StatusOr<ParseResult> ParseCppcheckXmlV2(std::string_view output, std::string_view tool_version) {
  pugi::xml_document doc;
  pugi::xml_parse_result parsed = doc.load_buffer(output.data(), output.size());
  if (!parsed) {
    return Status::DataLoss(std::string("cppcheck report is not XML: ") + parsed.description());
  }
  pugi::xml_node results = doc.child("results");
  if (!results || std::string(results.attribute("version").value()) != "2") {
    return Status::DataLoss("not a cppcheck XML version 2 report");
  }
  pugi::xml_node errors = results.child("errors");
  if (!errors) return Status::DataLoss("cppcheck report has no <errors> element");
  std::string version = results.child("cppcheck").attribute("version").value();
  if (version.empty()) version = std::string(tool_version);
  ParseResult result;
  for (pugi::xml_node error : errors.children("error")) {
    pugi::xml_node location = error.child("location");
    if (!location) continue;  // about the run, not the code
    std::string id = error.attribute("id").value();
    auto severity = MapSeverity(error.attribute("severity").value());
    std::string path = CleanRelativePath(location.attribute("file").value());
    int line = location.attribute("line").as_int(0);
    if (id.empty() || !severity || path.empty() || line < 0) {
      ++result.skipped_records;
      continue;
    }
    Finding f;
    f.tool = "cppcheck";
    f.tool_version = version;
    f.rule_id = Bounded(id);
    f.title = Bounded(error.attribute("msg").value());
    f.message =
        *error.attribute("verbose").value() ? Bounded(error.attribute("verbose").value()) : f.title;
    f.severity = *severity;
    f.confidence = error.attribute("inconclusive").as_bool(false) ? "low" : "medium";
    if (int cwe = error.attribute("cwe").as_int(0); cwe > 0) f.cwes.push_back(cwe);
    f.path = path;
    f.line = line;
    f.column = std::max(0, location.attribute("column").as_int(0));  // 0 = unknown
    result.findings.push_back(std::move(f));
  }
  AssignFingerprints(result.findings);
  return result;
}

}  // namespace scanfleet
