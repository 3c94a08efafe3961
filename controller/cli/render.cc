#include "controller/cli/render.h"

#include <algorithm>
#include <sstream>

#include "common/finding/finding.h"
#include "common/job/job_state.h"
#include "common/wire/convert.h"

namespace scanfleet::cli {

namespace {

std::string Truncate(const std::string& text, size_t width) {
  std::string flat = NormalizeSnippet(text);
  if (flat.size() <= width) return flat;
  return flat.substr(0, width - 3) + "...";
}

}  // namespace

std::string Pad(const std::string& text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

bool IsTerminal(v1::ScanState state) {
  return state == v1::SCAN_SUCCEEDED || state == v1::SCAN_FAILED || state == v1::SCAN_CANCELLED;
}

nlohmann::json ScanJson(const v1::ScanStatus& scan) {
  nlohmann::json jobs = nlohmann::json::array();
  for (const auto& job : scan.jobs()) {
    jobs.push_back({{"job_id", job.job_id()},
                    {"scanner", job.scanner()},
                    {"pool", job.pool()},
                    {"state", std::string(JobStateName(JobStateOf(job)))},
                    {"attempt", job.attempt()},
                    {"worker_id", job.worker_id()},
                    {"error", job.error()},
                    {"findings", job.findings()},
                    {"resolved_commit", job.resolved_commit()},
                    {"skipped_records", job.skipped_records()},
                    {"failures", job.failures()},
                    {"output_tail", job.output_tail()},
                    {"note", job.note()},
                    {"shard_index", job.shard_index()},
                    {"shard_count", job.shard_count()},
                    {"carried_findings", job.carried_findings()}});
  }
  nlohmann::json by_severity = nlohmann::json::object();
  for (int i = 0; i < scan.findings_by_severity_size(); ++i) {
    by_severity[std::string(SeverityName(static_cast<Severity>(i)))] = scan.findings_by_severity(i);
  }
  return {{"scan_id", scan.scan_id()},
          {"state", ScanStateName(scan.state())},
          {"repo", scan.target().repo()},
          {"ref", scan.target().ref()},
          {"branch", scan.target().branch()},
          {"url", scan.target().url()},
          {"profile", scan.profile()},
          {"jobs_total", scan.jobs_total()},
          {"jobs_done", scan.jobs_done()},
          {"jobs_failed", scan.jobs_failed()},
          {"findings", scan.findings()},
          {"findings_by_severity", by_severity},
          {"created_ms", scan.created_ms()},
          {"finished_ms", scan.finished_ms()},
          {"jobs", jobs},
          {"secrets", std::vector<std::string>(scan.target().secret_names().begin(),
                                               scan.target().secret_names().end())},
          {"repo_token_secret", scan.target().repo_token_secret()}};
}

nlohmann::json WorkerJson(const v1::WorkerStatus& w) {
  nlohmann::json scanners = nlohmann::json::object();
  for (const auto& s : w.scanners()) scanners[s.name()] = s.version();
  return {{"worker_id", w.worker_id()},
          {"pools", std::vector<std::string>(w.pools().begin(), w.pools().end())},
          {"scanners", scanners},
          {"slots", w.slots()},
          {"running", w.running()},
          {"alive", w.alive()},
          {"draining", w.draining()},
          {"last_seen_ms", w.last_seen_ms()},
          {"hostname", w.hostname()}};
}

std::string FindingsTable(const std::vector<v1::Finding>& findings) {
  std::ostringstream out;
  out << Pad("SEVERITY", 9) << Pad("TOOL", 11) << Pad("RULE", 9) << Pad("LOCATION", 28)
      << "MESSAGE\n";
  for (const auto& f : findings) {
    std::string location = f.path() + ":" + std::to_string(f.line());
    out << Pad(std::string(SeverityName(SeverityFromProto(f.severity()))), 9) << Pad(f.tool(), 11)
        << Pad(f.rule_id(), 9) << Pad(Truncate(location, 27), 28)
        << Truncate(f.title().empty() ? f.message() : f.title() + ": " + f.message(), 80) << "\n";
  }
  out << findings.size() << " finding" << (findings.size() == 1 ? "" : "s") << "\n";
  return out.str();
}

std::string ScanSummary(const v1::ScanStatus& scan) {
  std::ostringstream out;
  out << "scan " << scan.scan_id() << " " << ScanStateName(scan.state()) << ": " << scan.jobs_done()
      << "/" << scan.jobs_total() << " jobs done";
  if (scan.jobs_failed() > 0) out << " (" << scan.jobs_failed() << " failed)";
  out << ", " << scan.findings() << " findings";
  if (scan.findings_by_severity_size() > 0) {
    out << " (";
    bool first = true;
    for (int i = scan.findings_by_severity_size() - 1; i >= 0; --i) {
      if (!first) out << ", ";
      first = false;
      out << SeverityName(static_cast<Severity>(i)) << " " << scan.findings_by_severity(i);
    }
    out << ")";
  }
  out << "\n";
  for (const auto& job : scan.jobs()) {
    v1::JobState state = JobStateOf(job);
    std::string scanner = job.scanner();
    if (job.shard_count() > 1) {
      scanner += " [shard " + std::to_string(job.shard_index() + 1) + "/" +
                 std::to_string(job.shard_count()) + "]";
    }
    out << "  job " << job.job_id() << " " << Pad(scanner, 11)
        << Pad(std::string(JobStateName(state)), 11) << "attempt " << job.attempt() << ", "
        << job.findings() << " findings";
    if (!job.resolved_commit().empty()) out << ", commit " << job.resolved_commit().substr(0, 12);
    if (job.skipped_records() > 0) {
      out << ", " << job.skipped_records() << " malformed output records skipped";
    }
    if (job.failures() > 0) out << ", " << job.failures() << " failed attempts";
    if (!job.error().empty()) out << ", error: " << Truncate(job.error(), 100);
    if (!job.note().empty()) out << " (" << job.note() << ")";
    out << "\n";
    if (state == v1::JOB_DEAD_LETTERED && !job.output_tail().empty()) {
      out << "    last output: " << Truncate(job.output_tail(), 300) << "\n";
      out << "    (dead-lettered: `scanfleet retry " << scan.scan_id() << "` re-queues it)\n";
    }
  }
  return out.str();
}

std::string WorkersTable(const std::vector<v1::WorkerStatus>& workers, int64_t now_ms) {
  std::ostringstream out;
  out << Pad("WORKER", 20) << Pad("STATE", 7) << Pad("POOLS", 12) << Pad("SLOTS", 8)
      << Pad("SEEN", 8) << "SCANNERS\n";
  for (const auto& w : workers) {
    std::string pools, scanners;
    for (const auto& p : w.pools()) pools += (pools.empty() ? "" : ",") + p;
    for (const auto& s : w.scanners()) scanners += (scanners.empty() ? "" : ",") + s.name();
    std::string seen = std::to_string(std::max<int64_t>(0, now_ms - w.last_seen_ms()) / 1000) + "s";
    out << Pad(w.worker_id(), 20)
        << Pad(!w.alive()     ? "dead"
               : w.draining() ? "drain"
                              : "alive",
               7)
        << Pad(pools, 12) << Pad(std::to_string(w.running()) + "/" + std::to_string(w.slots()), 8)
        << Pad(seen, 8) << scanners << "\n";
  }
  return out.str();
}

std::string ProgressLine(const v1::ScanStatus& scan) {
  return "scan " + std::to_string(scan.scan_id()) + " " + std::string(ScanStateName(scan.state())) +
         ": jobs " + std::to_string(scan.jobs_done()) + "/" + std::to_string(scan.jobs_total()) +
         " done, " + std::to_string(scan.findings()) + " findings so far";
}

}  // namespace scanfleet::cli
