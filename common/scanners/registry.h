// The scanner registry: which tools scanfleet can run and exactly how.
//
// It is configuration, not code: a JSON document (shipped defaults in
// default_registry.json, compiled in; a deployment's --scanner-registry file
// replaces or adds scanners and profiles by name). For each scanner: its kind
// (sast or dast), the pool that runs it, an argv template whose typed
// placeholders are filled only with validated values (argv_template.h), the
// command that prints its version, the parser of its report, where the report
// is read from, which exit codes mean "ran, nothing found" and "ran, findings
// found" (anything else is a failed run), its timeout and the secrets it
// needs in its environment ("secrets": {"ENV_VAR": "secret-name"}; only the
// name is configuration, the worker resolves the value). Profiles name sets
// of scanners.
//
// Loading validates everything and names the offending key in the error, so
// a bad deployment file stops a process at start instead of failing jobs.
// Thread-safety: a ScannerRegistry is an immutable value once loaded.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/scanners/parse_result.h"
#include "common/status/status.h"

namespace scanfleet {

enum class ScannerKind { kSast, kDast };

// Where a scanner's report comes from.
struct ReportSource {
  enum class Kind { kStdout, kStderr, kFile };
  Kind kind = Kind::kStdout;
  std::string path_template;  // kFile: e.g. "{output_dir}/report.xml"
};

// The most findings a builtin noop scanner may be configured to emit per job.
inline constexpr uint32_t kMaxBuiltinFindings = 10000;

struct ScannerSpec {
  // kNoop: a benchmarking/diagnostic scanner the worker answers itself, with
  // no checkout and no process: a clean result carrying `builtin_findings`
  // synthetic findings ("builtin": "noop" in the registry). It measures the
  // scheduler's own overhead (make bench) and checks a fleet's plumbing.
  enum class Builtin { kNone, kNoop };

  std::string name;  // key jobs refer to, e.g. "cppcheck"
  Builtin builtin = Builtin::kNone;
  uint32_t builtin_findings = 0;  // kNoop: findings per job
  ScannerKind kind = ScannerKind::kSast;
  std::string pool;                       // pool whose workers run it
  std::vector<std::string> argv;          // template; argv[0] is the program
  std::vector<std::string> version_argv;  // prints the version (stdout or stderr)
  std::string parser;                     // name in the parser table (parsers.h)
  ParseFn parse = nullptr;                // resolved from `parser`
  ReportSource report;
  std::vector<int> clean_exit_codes;       // ran, found nothing
  std::vector<int> findings_exit_codes;    // ran, found something
  std::vector<std::string> file_patterns;  // for {files}: basename globs, e.g. "*.sh"
  // "checkout": "files" — the scanner reads nothing but the files it is given,
  // so a job checks out only those (and the repository's suppressions file);
  // "tree" (the default) checks out the whole commit.
  bool checkout_files_only = false;
  int64_t timeout_ms = 600000;
  // Environment variable -> secret name; the value is resolved on the worker
  // and given to the scanner in its environment, never in argv.
  std::map<std::string, std::string> secret_env;

  bool ExitCodeMeansRan(int code) const;
};

struct ScannerRegistry {
  std::map<std::string, ScannerSpec> scanners;
  std::map<std::string, std::vector<std::string>> profiles;

  const ScannerSpec* Find(std::string_view name) const;
};

// Parses and validates one registry document. When `base` is given, the
// document's scanners and profiles replace base's of the same name and add new
// ones (a deployment file on top of the defaults).
StatusOr<ScannerRegistry> ParseRegistry(std::string_view json,
                                        const ScannerRegistry* base = nullptr);

// The shipped defaults (default_registry.json), parsed once.
const ScannerRegistry& DefaultRegistry();
// The shipped defaults as text, for `--print-registry`.
std::string_view DefaultRegistryJson();

// The defaults, overlaid with the file at `path` when it is not empty.
StatusOr<ScannerRegistry> LoadRegistry(const std::string& path);

}  // namespace scanfleet
