// Scanner argv templates and their typed placeholders.
//
// A registry argv is a list of literal words and placeholders. Placeholders
// are filled only with values that were validated for their type, and no
// filled-in word may start with '-', so nothing a job carries (a file name in
// the repository, a target URL) can become an option or a command:
//   {workspace}   the checkout root (SAST)
//   {files}       a whole word: expands to one "./"-prefixed word per file (SAST)
//   {target_url} {target_host} {target_port}   the parsed DAST target (DAST)
//   {output_dir} {output_file}                 a private directory / a file in it
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status/status.h"
#include "common/target/dast_target.h"

namespace scanfleet {

struct ArgvValues {
  std::string workspace;
  std::vector<std::string> files;  // relative to the checkout root
  std::optional<DastTarget> target;
  std::string output_dir;
  std::string output_file;
};

// Checks a template when the registry is loaded: argv[0] literal, only known
// placeholders, {files} only as a whole word and only when the scanner has
// file patterns, SAST placeholders only for SAST scanners and DAST ones only
// for DAST scanners.
Status ValidateArgvTemplate(const std::vector<std::string>& argv, bool dast, bool has_files);

// Fills a validated template. InvalidArgument when a value is unusable (a
// file name with a control character, a word that would start with '-').
StatusOr<std::vector<std::string>> ExpandArgv(const std::vector<std::string>& argv,
                                              const ArgvValues& values);

}  // namespace scanfleet
