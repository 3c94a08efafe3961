// DiscoverScanners; see scanner_discovery.h.
#include "worker/job/scanner_discovery.h"

#include <algorithm>

#include "common/finding/finding.h"
#include "worker/exec/process_runner.h"
#include "worker/job/builtin_scanner.h"
#include "worker/job/scanner_run.h"

namespace scanfleet {

std::string VersionOfOutput(std::string_view text) {
  std::string_view line = text.substr(0, text.find('\n'));
  for (size_t start = 0; start < text.size();) {
    size_t end = std::min(text.find('\n', start), text.size());
    std::string_view candidate = text.substr(start, end - start);
    if (candidate.find_first_of("0123456789") != std::string_view::npos) {
      line = candidate;
      break;
    }
    start = end + 1;
  }
  return NormalizeSnippet(line).substr(0, 200);
}

namespace {

// The scanner's version command, in the sandbox its runs get.
ProcessSpec VersionProbe(const ScannerSpec& spec, const ScannerSandbox& sandbox) {
  ProcessSpec probe;
  ApplySandbox(sandbox, probe);
  probe.argv = spec.version_argv;
  probe.cwd = std::string("/");  // not = "/": a GCC 12 -Wrestrict false positive
  probe.env = MinimalEnvironment("/tmp");
  probe.timeout_ms = 30000;
  return probe;
}

}  // namespace

std::map<std::string, std::string> DiscoverScanners(const ScannerRegistry& registry,
                                                    const ScannerSandbox& sandbox) {
  std::map<std::string, std::string> found;
  for (const auto& [name, spec] : registry.scanners) {
    if (spec.builtin != ScannerSpec::Builtin::kNone) {
      found[name] = BuiltinScannerVersion(spec);
      continue;
    }
    auto ran = RunProcess(VersionProbe(spec, sandbox));
    if (!ran.ok() || ran->timed_out || ran->term_signal != 0) continue;  // not usable here
    found[name] = VersionOfOutput(ran->stdout_data.empty() ? ran->stderr_data : ran->stdout_data);
  }
  return found;
}

}  // namespace scanfleet
