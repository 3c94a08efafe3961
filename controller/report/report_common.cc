#include "controller/report/report_common.h"

#include <array>
#include <cstdio>
#include <ctime>

namespace scanfleet::report {

std::string_view SeverityTitle(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
      return "Critical";
    case Severity::kHigh:
      return "High";
    case Severity::kMedium:
      return "Medium";
    case Severity::kLow:
      return "Low";
    case Severity::kInfo:
      break;
  }
  return "Info";
}

std::string_view SecuritySeverityScore(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
      return "9.5";
    case Severity::kHigh:
      return "8.0";
    case Severity::kMedium:
      return "5.5";
    case Severity::kLow:
      return "3.0";
    case Severity::kInfo:
      break;
  }
  return "0.0";
}

std::string_view ToolInformationUri(std::string_view tool) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kHomes = {{
      {"flawfinder", "https://dwheeler.com/flawfinder/"},
      {"bandit", "https://bandit.readthedocs.io/"},
      {"cppcheck", "https://cppcheck.sourceforge.io/"},
      {"shellcheck", "https://www.shellcheck.net/"},
      {"semgrep", "https://semgrep.dev/"},
      {"nmap", "https://nmap.org/"},
      {"wapiti", "https://wapiti-scanner.github.io/"},
      {"sqlmap", "https://sqlmap.org/"},
      {"nuclei", "https://github.com/projectdiscovery/nuclei"},
      {"zap", "https://www.zaproxy.org/"},
  }};
  for (const auto& [name, uri] : kHomes) {
    if (name == tool) return uri;
  }
  return {};
}

std::string IsoTime(int64_t unix_ms, bool with_zone) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, with_zone ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%dT%H:%M:%S",
                &utc);
  return buffer;
}

std::string StableUuid(std::string_view seed) {
  // Two FNV-1a 64-bit hashes with different offsets give 128 bits; stable and
  // dependency-free. Identity, not security: the fingerprint already is one.
  auto fnv = [&](uint64_t hash) {
    for (unsigned char c : seed) {
      hash ^= c;
      hash *= 0x100000001b3ULL;
    }
    return hash;
  };
  uint64_t high = fnv(0xcbf29ce484222325ULL);
  uint64_t low = fnv(0x84222325cbf29ce4ULL);
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(high >> 32),
                static_cast<unsigned long long>((high >> 16) & 0xFFFF),
                static_cast<unsigned long long>(high & 0xFFFF),
                static_cast<unsigned long long>(low >> 48),
                static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return buffer;
}

std::string ValidUtf8Text(std::string_view text) {
  std::string valid;
  valid.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    size_t length = byte < 0x80                      ? 1
                    : (byte >= 0xC2 && byte <= 0xDF) ? 2
                    : (byte >= 0xE0 && byte <= 0xEF) ? 3
                    : (byte >= 0xF0 && byte <= 0xF4) ? 4
                                                     : 0;
    bool ok = length > 0 && i + length <= text.size();
    for (size_t k = 1; ok && k < length; ++k) {
      ok = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    }
    if (ok && length >= 3) {
      // No overlong forms, no surrogates, nothing above U+10FFFF.
      auto second = static_cast<unsigned char>(text[i + 1]);
      ok = !(byte == 0xE0 && second < 0xA0) && !(byte == 0xED && second >= 0xA0) &&
           !(byte == 0xF0 && second < 0x90) && !(byte == 0xF4 && second >= 0x90);
    }
    if (ok) {
      valid.append(text.substr(i, length));
      i += length;
    } else {
      valid += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return valid;
}

std::string ScannedThing(const ScanReport& report) {
  if (report.dast()) return report.target_url;
  const std::string& version = report.resolved_commit.empty() ? report.ref : report.resolved_commit;
  return version.empty() ? report.repo : report.repo + "@" + version;
}

}  // namespace scanfleet::report

namespace scanfleet::report {

namespace {

// The state of a tool that appears only in findings: its scan's, as a job state.
v1::JobState JobStateOfScan(v1::ScanState state) {
  switch (state) {
    case v1::SCAN_QUEUED:
      return v1::JOB_QUEUED;
    case v1::SCAN_RUNNING:
      return v1::JOB_RUNNING;
    case v1::SCAN_SUCCEEDED:
      return v1::JOB_SUCCEEDED;
    case v1::SCAN_FAILED:
      return v1::JOB_FAILED;
    case v1::SCAN_CANCELLED:
      return v1::JOB_CANCELLED;
    case v1::SCAN_STATE_UNSPECIFIED:
    case v1::ScanState_INT_MIN_SENTINEL_DO_NOT_USE_:
    case v1::ScanState_INT_MAX_SENTINEL_DO_NOT_USE_:
      break;
  }
  return v1::JOB_STATE_UNSPECIFIED;
}

}  // namespace

std::vector<ToolSection> ToolSections(const ScanReport& report) {
  std::vector<ToolSection> sections;
  auto find = [&](const std::string& tool) -> ToolSection* {
    for (ToolSection& section : sections) {
      if (section.run.tool == tool) return &section;
    }
    return nullptr;
  };
  for (const ToolRun& run : report.runs) {
    if (ToolSection* existing = find(run.tool)) {
      // Two jobs of one tool: the section is only as good as its worst job.
      if (!run.succeeded()) existing->run = run;
      continue;
    }
    sections.push_back({run, {}});
  }
  for (const Finding& finding : report.findings) {
    ToolSection* section = find(finding.tool);
    if (!section) {
      sections.push_back({ToolRun{finding.tool, "", JobStateOfScan(report.state), ""}, {}});
      section = &sections.back();
    }
    if (section->run.version.empty()) section->run.version = finding.tool_version;
    section->findings.push_back(&finding);
  }
  return sections;
}

}  // namespace scanfleet::report
