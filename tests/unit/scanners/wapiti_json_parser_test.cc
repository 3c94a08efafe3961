// wapiti JSON adapter on wapiti 3.0.4's real report of the vulnerable test
// app, on malformed variants and truncations, and live on loopback.
#include "worker/scanners/wapiti_json_parser.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <string>

#include "tests/unit/scanners/test_util.h"

namespace scanfleet {
namespace {

using testing::FixturePath;
using testing::ReadFileOrFail;
using testing::SourcePath;

const Finding* Find(const ParseResult& result, const std::string& rule, const std::string& path,
                    const std::string& parameter) {
  for (const Finding& f : result.findings) {
    if (f.rule_id == rule && f.url.ends_with(path) && f.parameter == parameter) return &f;
  }
  return nullptr;
}

TEST(WapitiJsonParserTest, RealReportHasTheAppsInjections) {
  auto parsed = ParseWapitiJson(ReadFileOrFail(FixturePath("wapiti.json")), "x");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const Finding* sqli = Find(*parsed, "sql-injection", "/item", "id");
  ASSERT_NE(sqli, nullptr);
  EXPECT_EQ(sqli->tool_version, "Wapiti 3.0.4");
  EXPECT_EQ(sqli->severity, Severity::kCritical);
  EXPECT_EQ(sqli->cwes, std::vector<int>{89});
  EXPECT_EQ(sqli->http_method, "GET");
  EXPECT_TRUE(sqli->url.starts_with("http://127.0.0.1:")) << sqli->url;
  EXPECT_NE(sqli->evidence.find("GET /item?id="), std::string::npos);
  EXPECT_NE(sqli->message.find("alter the queries"), std::string::npos);
  const Finding* login = Find(*parsed, "sql-injection", "/login", "password");
  ASSERT_NE(login, nullptr);
  EXPECT_EQ(login->http_method, "POST");
  const Finding* xss = Find(*parsed, "cross-site-scripting", "/search", "q");
  ASSERT_NE(xss, nullptr);
  EXPECT_EQ(xss->severity, Severity::kMedium);
  EXPECT_EQ(xss->cwes, std::vector<int>{79});
  for (const Finding& f : parsed->findings) {
    if (f.rule_id.starts_with("anomaly:")) {
      EXPECT_LE(f.severity, Severity::kLow) << "an anomaly proves no weakness";
      EXPECT_TRUE(f.cwes.empty());
    }
  }
  EXPECT_EQ(parsed->skipped_records, 0u);
}

TEST(WapitiJsonParserTest, MalformedEntriesAreSkippedAndForeignInputIsDataLoss) {
  auto parsed = ParseWapitiJson(
      R"({"infos": {"target": "https://app.test:8443/base/"},
          "vulnerabilities": {"Open Redirect": [
              {"method": "GET", "path": "/go", "level": 1, "parameter": "to", "info": "x"},
              {"method": "GET", "path": "no-slash", "level": 1},
              {"method": "GET", "path": "/x", "level": "high"}, 7],
            "Weird": "not a list"}})",
      "3.0.4");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 1u);
  EXPECT_EQ(parsed->findings[0].url, "https://app.test:8443/go");
  EXPECT_EQ(parsed->findings[0].cwes, std::vector<int>{601});
  EXPECT_EQ(parsed->findings[0].tool_version, "3.0.4");
  EXPECT_EQ(parsed->skipped_records, 4u);
  for (const char* bad : {"", "{}", "[]", R"({"vulnerabilities": {}})", "\xff\xfe{"}) {
    EXPECT_EQ(ParseWapitiJson(bad, "").status().code(), StatusCode::kDataLoss) << bad;
  }
  std::string full = ReadFileOrFail(FixturePath("wapiti.json"));
  for (size_t length = 0; length + 1 < full.size(); length += 7) {
    EXPECT_FALSE(ParseWapitiJson(full.substr(0, length), "").ok()) << length;
  }
}

TEST(WapitiJsonParserTest, LiveScanOfTheLoopbackApp) {
  if (std::system("wapiti --version > /dev/null 2>&1") != 0) GTEST_SKIP();
  FILE* server = popen(
      ("exec python3 " + SourcePath("tests/fixtures/dast/vulnerable_app.py") + " 0").c_str(), "r");
  char line[64] = {0};
  ASSERT_NE(fgets(line, sizeof(line), server), nullptr);
  int port = 0, pid = 0;
  ASSERT_EQ(sscanf(line, "PORT %d PID %d", &port, &pid), 2);
  char dir[] = "/tmp/wapiti-live-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string report = std::string(dir) + "/report.json";
  std::string command = "HOME=" + std::string(dir) +
                        " wapiti -u http://127.0.0.1:" + std::to_string(port) +
                        "/ --scope folder -m sql,xss -d 3 " +
                        "--max-scan-time 120 --flush-session --no-bugreport -f json -o " + report +
                        " > /dev/null 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0);
  kill(pid, SIGTERM);
  pclose(server);
  auto parsed = ParseWapitiJson(ReadFileOrFail(report), "");
  std::system(("rm -rf " + std::string(dir)).c_str());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_NE(Find(*parsed, "sql-injection", "/item", "id"), nullptr);
  EXPECT_NE(Find(*parsed, "cross-site-scripting", "/search", "q"), nullptr);
}

}  // namespace
}  // namespace scanfleet
