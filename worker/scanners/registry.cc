#include "worker/scanners/registry.h"

#include "worker/scanners/bandit_parser.h"
#include "worker/scanners/flawfinder_parser.h"

namespace scanfleet {
namespace {

constexpr int64_t kTenMinutesMs = 10 * 60 * 1000;

std::vector<ScannerSpec> MakeBuiltinScanners() {
  std::vector<ScannerSpec> specs;
  // --csv alone already implies --quiet and drops the banner and summary, so
  // stdout is exactly one header row plus one row per hit. Flawfinder exits 0
  // whether or not it finds anything (we never pass --error-level); a
  // non-zero exit is a real failure, e.g. 15 when a source file is not UTF-8,
  // in which case it prints the error after the CSV header on stdout.
  specs.push_back(ScannerSpec{
      .name = "flawfinder",
      .pool = "sast",
      .argv = {"flawfinder", "--csv", "."},
      .version_argv = {"flawfinder", "--version"},
      .ok_exit_codes = {0},
      .parse = &ParseFlawfinderCsv,
      .timeout_ms = kTenMinutesMs,
  });
  // -q silences the INFO banner bandit writes to stderr; stdout is the JSON
  // document either way. Bandit exits 1 when it reports issues, 0 when clean.
  // An uncaught Python exception also exits 1, but then stdout is not JSON and
  // the adapter returns DataLoss.
  specs.push_back(ScannerSpec{
      .name = "bandit",
      .pool = "sast",
      .argv = {"bandit", "-r", "-f", "json", "-q", "."},
      .version_argv = {"bandit", "--version"},
      .ok_exit_codes = {0, 1},
      .parse = &ParseBanditJson,
      .timeout_ms = kTenMinutesMs,
  });
  return specs;
}

}  // namespace

const std::vector<ScannerSpec>& BuiltinScanners() {
  static const std::vector<ScannerSpec>* const kSpecs =
      new std::vector<ScannerSpec>(MakeBuiltinScanners());
  return *kSpecs;
}

const ScannerSpec* FindScanner(std::string_view name) {
  for (const ScannerSpec& spec : BuiltinScanners()) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

}  // namespace scanfleet
