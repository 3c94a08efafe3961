// Runs the real sqlmap (when installed) against the vulnerable test app on
// an ephemeral loopback port with the recommended argv, and parses what it
// printed: the app's injectable parameters must be found, a single-URL run's
// log plus target.txt must name the URL, and a closed port must be an error.
// Each run is bounded by `timeout`; nothing leaves 127.0.0.1.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <cstdio>
#include <string>

#include "common/scanners/sqlmap_parser.h"
#include "tests/unit/scanners/test_util.h"

namespace scanfleet {
namespace {

using testing::FixturePath;
using testing::ReadFileOrFail;
using testing::SourcePath;

class SqlmapLiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("sqlmap --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no sqlmap";
    server_ = popen(
        ("exec python3 " + SourcePath("tests/fixtures/dast/vulnerable_app.py") + " 0").c_str(),
        "r");
    ASSERT_NE(server_, nullptr);
    char line[64] = {0};
    ASSERT_NE(fgets(line, sizeof(line), server_), nullptr);
    ASSERT_EQ(sscanf(line, "PORT %d PID %d", &port_, &pid_), 2);
    char dir[] = "/tmp/sqlmap-live-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
  }

  void TearDown() override {
    StopServer();
    if (!dir_.empty()) std::system(("rm -rf " + dir_).c_str());
  }

  void StopServer() {
    if (server_ == nullptr) return;
    kill(pid_, SIGTERM);
    pclose(server_);
    server_ = nullptr;
  }

  // Runs sqlmap the way the worker does (fixed environment without TERM,
  // stdin from /dev/null); returns its stdout, or "" when it failed.
  std::string RunSqlmap(const std::string& arguments, const std::string& output_dir) {
    const std::string stdout_path = dir_ + "/stdout.txt";
    const std::string command = "env -i PATH=/usr/bin:/bin HOME=" + dir_ + " TMPDIR=" + dir_ +
                                " LANG=C.UTF-8 LC_ALL=C.UTF-8 timeout 180 sqlmap " + arguments +
                                " --output-dir=" + output_dir + " < /dev/null > " + stdout_path +
                                " 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << command;
    return ReadFileOrFail(stdout_path);
  }

  std::string Url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  // The recommended argv of the registry, minus {target_url}/{output_dir}.
  static constexpr const char* kRecommended =
      "--batch --ignore-stdin --crawl=2 --forms --ignore-redirects "
      "'--answers=keep testing=Y,skip further tests=N' --level 1 --risk 1 --technique=BEU "
      "--disable-coloring --flush-session";

  FILE* server_ = nullptr;
  int port_ = 0;
  int pid_ = 0;
  std::string dir_;
};

const Finding* FindSqlmap(const ParseResult& result, const std::string& url, const std::string& method,
                    const std::string& parameter) {
  for (const Finding& f : result.findings) {
    if (f.url == url && f.http_method == method && f.parameter == parameter) return &f;
  }
  return nullptr;
}

TEST_F(SqlmapLiveTest, CrawlFromTheRootFindsWhatTheFixtureRecorded) {
  const std::string output = RunSqlmap("-u " + Url("/") + " " + kRecommended, dir_ + "/crawl");
  auto parsed = ParseSqlmapLog(output, "");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << output;
  EXPECT_EQ(parsed->skipped_records, 0u);
  const Finding* id = FindSqlmap(*parsed, Url("/item?id=1"), "GET", "id");
  ASSERT_NE(id, nullptr) << output;
  EXPECT_EQ(id->severity, Severity::kHigh);
  EXPECT_NE(id->evidence.find("Type: boolean-based blind"), std::string::npos);

  // Same tool version as the fixture: the same points, at this run's port.
  auto recorded = ParseSqlmapLog(ReadFileOrFail(FixturePath("sqlmap.txt")), "");
  ASSERT_TRUE(recorded.ok() && !recorded->findings.empty());
  if (id->tool_version != recorded->findings[0].tool_version) return;
  ASSERT_EQ(parsed->findings.size(), recorded->findings.size());
  for (const Finding& want : recorded->findings) {
    const std::string path = want.url.substr(want.url.find('/', 7));
    EXPECT_NE(FindSqlmap(*parsed, Url(path), want.http_method, want.parameter), nullptr)
        << want.http_method << " " << path << " " << want.parameter;
  }
}

TEST_F(SqlmapLiveTest, SingleUrlLogWithTargetFileNamesTheUrl) {
  const std::string out = dir_ + "/single";
  const std::string output = RunSqlmap("-u '" + Url("/item?id=1") +
                                           "' --batch --ignore-stdin --level 1 --risk 1 "
                                           "--technique=BE --disable-coloring --flush-session",
                                       out);
  auto from_stdout = ParseSqlmapLog(output, "");
  ASSERT_TRUE(from_stdout.ok()) << from_stdout.status().ToString();
  ASSERT_EQ(from_stdout->findings.size(), 1u) << output;
  EXPECT_TRUE(from_stdout->findings[0].url.empty());  // a single-URL run never prints it

  const std::string log = ReadFileOrFail(out + "/127.0.0.1/log");
  const std::string target = ReadFileOrFail(out + "/127.0.0.1/target.txt");
  auto joined = ParseSqlmapLog(target + "\n" + log, "1.7.2#stable");
  ASSERT_TRUE(joined.ok()) << joined.status().ToString();
  ASSERT_EQ(joined->findings.size(), 1u);
  EXPECT_EQ(joined->findings[0].url, Url("/item?id=1"));
  EXPECT_EQ(joined->findings[0].parameter, "id");
  EXPECT_EQ(joined->findings[0].evidence, from_stdout->findings[0].evidence);
}

TEST_F(SqlmapLiveTest, ClosedPortIsUnavailableNotClean) {
  StopServer();  // its port is now closed
  const std::string output = RunSqlmap("-u " + Url("/") + " " + kRecommended, dir_ + "/down");
  auto parsed = ParseSqlmapLog(output, "");
  EXPECT_EQ(parsed.status().code(), StatusCode::kUnavailable) << output;
}

}  // namespace
}  // namespace scanfleet
