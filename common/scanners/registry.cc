// Registry loading and validation; see registry.h.
#include "common/scanners/registry.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/scanners/argv_template.h"
#include "common/scanners/default_registry_json.h"
#include "common/scanners/parsers.h"
#include "common/secrets/secret_name.h"

namespace scanfleet {
namespace {

using Json = nlohmann::json;

Status Bad(const std::string& where, const std::string& what) {
  return Status::InvalidArgument("scanner registry: " + where + ": " + what);
}

StatusOr<std::vector<std::string>> StringList(const Json& value, const std::string& where,
                                              bool allow_empty) {
  if (!value.is_array()) return Bad(where, "must be a list of strings");
  std::vector<std::string> out;
  for (const Json& item : value) {
    if (!item.is_string() || item.get_ref<const std::string&>().empty()) {
      return Bad(where, "every entry must be a non-empty string");
    }
    out.push_back(item.get<std::string>());
  }
  if (out.empty() && !allow_empty) return Bad(where, "must not be empty");
  return out;
}

StatusOr<std::vector<int>> IntList(const Json& value, const std::string& where) {
  if (!value.is_array()) return Bad(where, "must be a list of integers");
  std::vector<int> out;
  for (const Json& item : value) {
    if (!item.is_number_integer() || item.get<int64_t>() < 0 || item.get<int64_t>() > 255) {
      return Bad(where, "exit codes are integers 0..255");
    }
    out.push_back(item.get<int>());
  }
  return out;
}

StatusOr<ReportSource> ParseReport(const Json& value, const std::string& where) {
  if (!value.is_string()) return Bad(where, "must be \"stdout\", \"stderr\" or a file path");
  const std::string& text = value.get_ref<const std::string&>();
  if (text == "stdout") return ReportSource{ReportSource::Kind::kStdout, ""};
  if (text == "stderr") return ReportSource{ReportSource::Kind::kStderr, ""};
  if (text.rfind("{output_dir}/", 0) != 0 && text != "{output_file}") {
    return Bad(where, "a report file must be {output_file} or under {output_dir}/");
  }
  if (text.find("..") != std::string::npos) return Bad(where, "must not contain '..'");
  return ReportSource{ReportSource::Kind::kFile, text};
}

// Variables the worker sets itself or that change how the scanner loads code.
bool ReservedVariable(const std::string& name) {
  static const std::set<std::string> kReserved = {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL"};
  return kReserved.count(name) > 0 || name.rfind("LD_", 0) == 0 || name.rfind("GIT_", 0) == 0;
}

StatusOr<std::map<std::string, std::string>> ParseSecrets(const Json& value,
                                                          const std::string& where) {
  if (!value.is_object()) {
    return Bad(where, "must be an object {\"ENV_VAR\": \"secret-name\"}");
  }
  std::map<std::string, std::string> secret_env;
  for (const auto& [variable, name] : value.items()) {
    std::string key = where + "." + variable;
    if (variable.empty() || variable.size() > 128 ||
        variable.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != std::string::npos ||
        std::isdigit(static_cast<unsigned char>(variable.front()))) {
      return Bad(key,
                 "environment variable names are 1-128 of [A-Z0-9_], not starting with a digit");
    }
    if (ReservedVariable(variable)) {
      return Bad(key,
                 "the worker sets this variable itself (PATH, HOME, TMPDIR, LANG, LC_ALL, "
                 "LD_*, GIT_* are reserved)");
    }
    if (!name.is_string()) return Bad(key, "must be a secret name (a string)");
    RETURN_IF_ERROR(
        ValidateSecretName(name.get<std::string>()).WithContext("scanner registry: " + key));
    secret_env[variable] = name.get<std::string>();
  }
  return secret_env;
}

// A scanner the worker answers itself, without a process (see registry.h).
StatusOr<ScannerSpec> ParseBuiltinScanner(const std::string& name, const Json& value,
                                          const std::string& where) {
  if (value["builtin"] != "noop") return Bad(where + ".builtin", "must be \"noop\"");
  for (const char* key : {"parser", "argv", "version_argv", "report", "exit_codes", "files",
                          "secrets", "timeout_ms", "checkout"}) {
    if (value.contains(key)) {
      return Bad(where + "." + key, "a builtin scanner runs no process: remove this key");
    }
  }
  ScannerSpec spec;
  spec.name = name;
  spec.builtin = ScannerSpec::Builtin::kNoop;
  if (!value.contains("kind") || (value["kind"] != "sast" && value["kind"] != "dast")) {
    return Bad(where + ".kind", "must be \"sast\" or \"dast\"");
  }
  spec.kind = value["kind"] == "dast" ? ScannerKind::kDast : ScannerKind::kSast;
  if (!value.contains("pool") || !value["pool"].is_string() ||
      value["pool"].get_ref<const std::string&>().empty()) {
    return Bad(where + ".pool", "must be a pool name");
  }
  spec.pool = value["pool"].get<std::string>();
  if (value.contains("builtin_findings")) {
    const Json& count = value["builtin_findings"];
    if (!count.is_number_unsigned() || count.get<uint64_t>() > kMaxBuiltinFindings) {
      return Bad(where + ".builtin_findings",
                 "must be an integer 0-" + std::to_string(kMaxBuiltinFindings));
    }
    spec.builtin_findings = count.get<uint32_t>();
  }
  return spec;
}

StatusOr<ScannerSpec> ParseScanner(const std::string& name, const Json& value) {
  std::string where = "scanners." + name;
  if (!value.is_object()) return Bad(where, "must be an object");
  static const std::set<std::string> kKeys = {
      "kind",    "pool",       "parser",           "argv",    "version_argv",
      "report",  "exit_codes", "timeout_ms",       "files",   "description",
      "secrets", "builtin",    "builtin_findings", "checkout"};
  for (const auto& [key, unused] : value.items()) {
    if (!kKeys.count(key)) return Bad(where + "." + key, "unknown key");
  }
  if (value.contains("builtin")) return ParseBuiltinScanner(name, value, where);
  for (const char* key : {"kind", "pool", "parser", "argv", "version_argv", "exit_codes"}) {
    if (!value.contains(key)) return Bad(where, std::string("missing \"") + key + "\"");
  }
  ScannerSpec spec;
  spec.name = name;
  const Json& kind = value["kind"];
  if (kind == "sast") {
    spec.kind = ScannerKind::kSast;
  } else if (kind == "dast") {
    spec.kind = ScannerKind::kDast;
  } else {
    return Bad(where + ".kind", "must be \"sast\" or \"dast\"");
  }
  if (!value["pool"].is_string() || value["pool"].get_ref<const std::string&>().empty()) {
    return Bad(where + ".pool", "must be a pool name");
  }
  spec.pool = value["pool"].get<std::string>();
  if (!value["parser"].is_string()) return Bad(where + ".parser", "must be a parser name");
  spec.parser = value["parser"].get<std::string>();
  spec.parse = FindParser(spec.parser);
  if (spec.parse == nullptr) {
    std::string known;
    for (const std::string& parser : ParserNames()) known += (known.empty() ? "" : ", ") + parser;
    return Bad(where + ".parser", "unknown parser '" + spec.parser + "' (known: " + known + ")");
  }
  ASSIGN_OR_RETURN(spec.argv, StringList(value["argv"], where + ".argv", false));
  ASSIGN_OR_RETURN(spec.version_argv,
                   StringList(value["version_argv"], where + ".version_argv", false));
  if (value.contains("report")) {
    ASSIGN_OR_RETURN(spec.report, ParseReport(value["report"], where + ".report"));
  }
  const Json& codes = value["exit_codes"];
  if (!codes.is_object() || !codes.contains("clean")) {
    return Bad(where + ".exit_codes", "must be {\"clean\": [...], \"findings\": [...]}");
  }
  ASSIGN_OR_RETURN(spec.clean_exit_codes, IntList(codes["clean"], where + ".exit_codes.clean"));
  if (codes.contains("findings")) {
    ASSIGN_OR_RETURN(spec.findings_exit_codes,
                     IntList(codes["findings"], where + ".exit_codes.findings"));
  }
  if (spec.clean_exit_codes.empty() && spec.findings_exit_codes.empty()) {
    return Bad(where + ".exit_codes", "no exit code means success");
  }
  if (value.contains("timeout_ms")) {
    if (!value["timeout_ms"].is_number_integer() || value["timeout_ms"].get<int64_t>() <= 0) {
      return Bad(where + ".timeout_ms", "must be a positive integer");
    }
    spec.timeout_ms = value["timeout_ms"].get<int64_t>();
  }
  if (value.contains("files")) {
    ASSIGN_OR_RETURN(spec.file_patterns, StringList(value["files"], where + ".files", false));
  }
  if (value.contains("checkout")) {
    if (value["checkout"] != "files" && value["checkout"] != "tree") {
      return Bad(where + ".checkout", "must be \"files\" or \"tree\"");
    }
    spec.checkout_files_only = value["checkout"] == "files";
    if (spec.checkout_files_only && spec.file_patterns.empty()) {
      return Bad(where + ".checkout",
                 "\"files\" needs the \"files\" patterns the scanner is given");
    }
  }
  if (value.contains("secrets")) {
    ASSIGN_OR_RETURN(spec.secret_env, ParseSecrets(value["secrets"], where + ".secrets"));
  }
  RETURN_IF_ERROR(
      ValidateArgvTemplate(spec.argv, spec.kind == ScannerKind::kDast, !spec.file_patterns.empty())
          .WithContext(where + ".argv"));
  if (spec.report.kind == ReportSource::Kind::kFile) {
    RETURN_IF_ERROR(ValidateArgvTemplate({"report", spec.report.path_template},
                                         spec.kind == ScannerKind::kDast, false)
                        .WithContext(where + ".report"));
  }
  return spec;
}

}  // namespace

bool ScannerSpec::ExitCodeMeansRan(int code) const {
  return std::count(clean_exit_codes.begin(), clean_exit_codes.end(), code) > 0 ||
         std::count(findings_exit_codes.begin(), findings_exit_codes.end(), code) > 0;
}

const ScannerSpec* ScannerRegistry::Find(std::string_view name) const {
  auto it = scanners.find(std::string(name));
  return it == scanners.end() ? nullptr : &it->second;
}

StatusOr<ScannerRegistry> ParseRegistry(std::string_view json, const ScannerRegistry* base) {
  Json doc = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Bad("document", "is not a JSON object");
  }
  for (const auto& [key, unused] : doc.items()) {
    if (key != "scanners" && key != "profiles" && key != "_comment") {
      return Bad(key, "unknown key (expected \"scanners\" and \"profiles\")");
    }
  }
  ScannerRegistry registry = base ? *base : ScannerRegistry{};
  if (doc.contains("scanners")) {
    if (!doc["scanners"].is_object()) return Bad("scanners", "must be an object");
    for (const auto& [name, value] : doc["scanners"].items()) {
      if (name.empty() || name.size() > 64 ||
          name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") != std::string::npos) {
        return Bad("scanners." + name, "names are 1-64 of [a-z0-9-_]");
      }
      ASSIGN_OR_RETURN(ScannerSpec spec, ParseScanner(name, value));
      registry.scanners[name] = std::move(spec);
    }
  }
  if (doc.contains("profiles")) {
    if (!doc["profiles"].is_object()) return Bad("profiles", "must be an object");
    for (const auto& [name, value] : doc["profiles"].items()) {
      ASSIGN_OR_RETURN(registry.profiles[name], StringList(value, "profiles." + name, false));
    }
  }
  for (const auto& [profile, names] : registry.profiles) {
    for (const std::string& name : names) {
      if (!registry.scanners.count(name)) {
        return Bad("profiles." + profile, "names unknown scanner '" + name + "'");
      }
    }
  }
  return registry;
}

std::string_view DefaultRegistryJson() { return kDefaultRegistryJson; }

const ScannerRegistry& DefaultRegistry() {
  static const ScannerRegistry* const kRegistry = [] {
    auto parsed = ParseRegistry(kDefaultRegistryJson);
    SF_CHECK(parsed.ok());  // the shipped file is tested; a failure is a build bug
    return new ScannerRegistry(std::move(parsed).value());
  }();
  return *kRegistry;
}

StatusOr<ScannerRegistry> LoadRegistry(const std::string& path) {
  if (path.empty()) return DefaultRegistry();
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read scanner registry " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > (1 << 20)) {
    return Status::InvalidArgument("scanner registry " + path + " is larger than 1 MiB");
  }
  auto registry = ParseRegistry(text.str(), &DefaultRegistry());
  if (!registry.ok()) {
    return registry.status().WithContext(path);
  }
  return registry;
}

}  // namespace scanfleet
