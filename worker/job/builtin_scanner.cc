// Builtin scanners; see builtin_scanner.h.
#include "worker/job/builtin_scanner.h"

#include <vector>

#include "common/finding/finding.h"
#include "common/wire/convert.h"

namespace scanfleet {

std::string BuiltinScannerVersion(const ScannerSpec&) { return "scanfleet builtin noop 1"; }

v1::JobResult RunBuiltinScanner(const v1::JobAssignment& job, const ScannerSpec& spec) {
  v1::JobResult result;
  *result.mutable_job() = job.job();
  result.set_tool_version(BuiltinScannerVersion(spec));
  std::vector<Finding> findings(spec.builtin_findings);
  std::string path = "noop/" + std::to_string(job.job().job_id()) + ".txt";
  for (uint32_t i = 0; i < spec.builtin_findings; ++i) {
    Finding& finding = findings[i];
    finding.tool = spec.name;
    finding.tool_version = result.tool_version();
    finding.rule_id = "noop-" + std::to_string(i % 8);
    finding.title = "synthetic finding";
    finding.message = "emitted by the builtin noop scanner (benchmarking/diagnostics)";
    finding.severity = static_cast<Severity>(i % 5);
    finding.path = path;
    finding.line = static_cast<int>(i) + 1;
    finding.snippet = "line " + std::to_string(i + 1);
  }
  AssignFingerprints(findings);
  result.mutable_findings()->Reserve(static_cast<int>(findings.size()));
  for (const Finding& finding : findings) FindingToProto(finding, result.add_findings());
  result.set_failure(v1::FAILURE_NONE);
  return result;
}

}  // namespace scanfleet
