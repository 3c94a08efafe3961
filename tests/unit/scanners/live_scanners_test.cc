// Runs the real tools, exactly as the registry specifies them, on
// tests/sample-repo and checks the adapters against an independent count of
// the raw records. Skipped when a tool is not installed.
#include <fnmatch.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/scanners/argv_template.h"
#include "common/scanners/registry.h"
#include "tests/unit/scanners/test_util.h"

namespace scanfleet {
namespace {

using ::scanfleet::testing::FixturePath;
using ::scanfleet::testing::ReadFileOrFail;
using ::scanfleet::testing::SampleRepoPath;

struct RunOutput {
  int exit_code = -1;
  std::string out;
};

std::string ShellQuote(const std::string& arg) {
  std::string quoted = "'";
  for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

bool ToolInstalled(const std::string& tool) {
  std::string command = "command -v ";
  command.append(ShellQuote(tool)).append(" >/dev/null 2>&1");
  return std::system(command.c_str()) == 0;
}

// Runs argv in `cwd`, stdout captured, stderr discarded (the worker keeps
// them apart too).
RunOutput Run(const std::vector<std::string>& argv, const std::string& cwd) {
  // Built with append(): g++ 12 -O2 gives a false -Wrestrict on "lit" + str.
  std::string command = "cd ";
  command.append(ShellQuote(cwd)).append(" &&");
  for (const std::string& arg : argv) command.append(" ").append(ShellQuote(arg));
  command.append(" 2>/dev/null");
  RunOutput result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[65536];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) result.out.append(buffer, n);
  const int status = pclose(pipe);
  if (status != -1 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

// Regular files under `root` whose base name matches a pattern, sorted and
// relative (what the worker's FindScanFiles gives a per-file scanner).
std::vector<std::string> MatchingFiles(const std::string& root,
                                       const std::vector<std::string>& patterns) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.is_symlink()) continue;
    std::string name = entry.path().filename().string();
    for (const std::string& pattern : patterns) {
      if (fnmatch(pattern.c_str(), name.c_str(), 0) == 0) {
        files.push_back(std::filesystem::relative(entry.path(), root).generic_string());
        break;
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

std::vector<std::string> Fingerprints(const ParseResult& result) {
  std::vector<std::string> out;
  for (const Finding& f : result.findings) out.push_back(f.fingerprint);
  return out;
}

// Runs `name` from the registry; fills `result` or fails/skips the test.
void RunAndParse(const std::string& name, RunOutput& raw, ParseResult& result,
                 std::string& version) {
  const ScannerSpec* spec = DefaultRegistry().Find(name);
  ASSERT_NE(spec, nullptr);
  ArgvValues values;
  values.workspace = ".";
  // Per-file scanners ({files}) get the sample repo's matching files, as the
  // worker lists them; their output must equal the recorded whole-tree run.
  values.files = MatchingFiles(SampleRepoPath(), spec->file_patterns);
  auto argv = ExpandArgv(spec->argv, values);
  ASSERT_TRUE(argv.ok()) << argv.status().ToString();
  raw = Run(*argv, SampleRepoPath());
  EXPECT_TRUE(spec->ExitCodeMeansRan(raw.exit_code)) << name << " exited " << raw.exit_code;
  version = FirstLine(Run(spec->version_argv, SampleRepoPath()).out);
  StatusOr<ParseResult> parsed = spec->parse(raw.out, version);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  result = *parsed;
}

TEST(LiveScannersTest, FlawfinderMatchesRawRowCount) {
  if (!ToolInstalled("flawfinder")) GTEST_SKIP() << "flawfinder not installed";
  RunOutput raw;
  ParseResult result;
  std::string version;
  ASSERT_NO_FATAL_FAILURE(RunAndParse("flawfinder", raw, result, version));

  // Independent count: with `--csv .` every data row starts with the "./"
  // of its File column and no field spans lines (Context is one source line).
  std::istringstream lines(raw.out);
  size_t rows = 0;
  for (std::string line; std::getline(lines, line);) rows += line.starts_with("./");
  EXPECT_GT(rows, 0u);
  EXPECT_EQ(result.findings.size(), rows);
  EXPECT_EQ(result.skipped_records, 0u);

  // Same tool version as the recorded fixture => identical findings, which
  // also catches a sample repo edited without regenerating the fixture.
  if (version == "2.0.19") {
    StatusOr<ParseResult> fixture =
        DefaultRegistry()
            .Find("flawfinder")
            ->parse(ReadFileOrFail(FixturePath("flawfinder.csv")), version);
    ASSERT_TRUE(fixture.ok());
    EXPECT_EQ(Fingerprints(result), Fingerprints(*fixture));
  }
}

TEST(LiveScannersTest, BanditMatchesRawResultCount) {
  if (!ToolInstalled("bandit")) GTEST_SKIP() << "bandit not installed";
  RunOutput raw;
  ParseResult result;
  std::string version;
  ASSERT_NO_FATAL_FAILURE(RunAndParse("bandit", raw, result, version));

  const nlohmann::json doc = nlohmann::json::parse(raw.out, nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  ASSERT_TRUE(doc.contains("results") && doc["results"].is_array());
  EXPECT_GT(doc["results"].size(), 0u);
  EXPECT_EQ(result.findings.size(), doc["results"].size());
  EXPECT_EQ(result.skipped_records, 0u);
  EXPECT_EQ(raw.exit_code, 1);  // findings present

  if (version == "bandit 1.6.2") {
    StatusOr<ParseResult> fixture = DefaultRegistry().Find("bandit")->parse(
        ReadFileOrFail(FixturePath("bandit.json")), version);
    ASSERT_TRUE(fixture.ok());
    EXPECT_EQ(Fingerprints(result), Fingerprints(*fixture));
  }
}

}  // namespace
}  // namespace scanfleet
