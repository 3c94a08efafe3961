// shellcheck json1 adapter; see shellcheck_json1_parser.h.
#include "worker/scanners/shellcheck_json1_parser.h"

#include <nlohmann/json.hpp>

namespace scanfleet {
namespace {

using Json = nlohmann::json;

std::optional<Severity> MapLevel(const Json& level) {
  if (!level.is_string()) return std::nullopt;
  const std::string& text = level.get_ref<const std::string&>();
  if (text == "error") return Severity::kHigh;
  if (text == "warning") return Severity::kMedium;
  if (text == "info") return Severity::kLow;
  if (text == "style") return Severity::kInfo;
  return std::nullopt;
}

int IntOr(const Json& object, const char* key, int fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int>() : fallback;
}

}  // namespace

StatusOr<ParseResult> ParseShellcheckJson1(std::string_view output, std::string_view tool_version) {
  Json doc = Json::parse(output.begin(), output.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("comments") ||
      !doc["comments"].is_array()) {
    return Status::DataLoss("not a shellcheck json1 report (no \"comments\" list)");
  }
  ParseResult result;
  for (const Json& comment : doc["comments"]) {
    if (!comment.is_object()) {
      ++result.skipped_records;
      continue;
    }
    auto file = comment.find("file");
    auto code = comment.find("code");
    auto severity = MapLevel(comment.value("level", Json()));
    int line = IntOr(comment, "line", -1);
    if (file == comment.end() || !file->is_string() || code == comment.end() ||
        !code->is_number_integer() || !severity || line < 1) {
      ++result.skipped_records;
      continue;
    }
    Finding f;
    f.tool = "shellcheck";
    f.tool_version = std::string(tool_version);
    f.rule_id = "SC" + std::to_string(code->get<int64_t>());
    auto message = comment.find("message");
    f.message = message != comment.end() && message->is_string() ? message->get<std::string>() : "";
    f.title = f.message.substr(0, 120);
    f.severity = *severity;
    f.confidence = "high";
    f.path = CleanRelativePath(file->get<std::string>());
    f.line = line;
    f.column = IntOr(comment, "column", 0);
    f.end_line = IntOr(comment, "endLine", 0);
    result.findings.push_back(std::move(f));
  }
  AssignFingerprints(result.findings);
  return result;
}

}  // namespace scanfleet
