// wapiti JSON adapter on wapiti 3.0.4's real reports of the vulnerable test
// app (a short module list, the registry's module list, an unreachable
// target), on hand-made variants, truncations and hostile input, and live
// against the app on a loopback port this test starts.
#include "common/scanners/wapiti_json_parser.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "common/scanners/text_fields.h"
#include "tests/unit/scanners/test_util.h"

namespace scanfleet {
namespace {

using testing::FixturePath;
using testing::ReadFileOrFail;
using testing::SourcePath;

const Finding* FindWapiti(const ParseResult& result, const std::string& rule, const std::string& path,
                    const std::string& parameter) {
  for (const Finding& f : result.findings) {
    if (f.rule_id == rule && f.url.ends_with(path) && f.parameter == parameter) return &f;
  }
  return nullptr;
}

size_t CountRule(const ParseResult& result, const std::string& rule) {
  size_t count = 0;
  for (const Finding& f : result.findings) count += f.rule_id == rule;
  return count;
}

ParseResult ParseOrFail(const std::string& report) {
  auto parsed = ParseWapitiJson(report, "3.0.4");
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? *parsed : ParseResult();
}

TEST(WapitiJsonParserTest, RealReportHasTheAppsInjections) {
  ParseResult result = ParseOrFail(ReadFileOrFail(FixturePath("wapiti.json")));
  ASSERT_EQ(result.findings.size(), 7u);
  EXPECT_EQ(CountRule(result, "sql-injection"), 3u);
  EXPECT_EQ(CountRule(result, "cross-site-scripting"), 2u);
  EXPECT_EQ(CountRule(result, "anomaly:internal-server-error"), 2u);
  const Finding* sqli = FindWapiti(result, "sql-injection", "/item", "id");
  ASSERT_NE(sqli, nullptr);
  EXPECT_EQ(sqli->tool, "wapiti");
  EXPECT_EQ(sqli->tool_version, "Wapiti 3.0.4");
  EXPECT_EQ(sqli->title, "SQL Injection");
  EXPECT_EQ(sqli->severity, Severity::kCritical);
  EXPECT_EQ(sqli->confidence, "medium");
  EXPECT_EQ(sqli->cwes, std::vector<int>{89});
  EXPECT_EQ(sqli->http_method, "GET");
  EXPECT_EQ(sqli->url, "http://127.0.0.1:39011/item");
  EXPECT_EQ(sqli->evidence,
            "SQL Injection (DMBS: SQLite) via injection in the parameter id\n"
            "GET /item?id=2%C2%BF%27%22%28 HTTP/1.1");
  EXPECT_TRUE(sqli->message.starts_with("SQL injection vulnerabilities allow an attacker"));
  const Finding* login = FindWapiti(result, "sql-injection", "/login", "password");
  ASSERT_NE(login, nullptr);
  EXPECT_EQ(login->http_method, "POST");
  EXPECT_EQ(login->evidence,
            "SQL Injection (DMBS: SQLite) via injection in the parameter password\n"
            "POST /login HTTP/1.1\nuser=alice&password=Letm3in_%C2%BF%27%22%28")
      << "a POST's payload is in its body";
  const Finding* xss = FindWapiti(result, "cross-site-scripting", "/search", "q");
  ASSERT_NE(xss, nullptr);
  EXPECT_EQ(xss->severity, Severity::kMedium);
  EXPECT_EQ(xss->cwes, std::vector<int>{79});
  EXPECT_EQ(xss->url, "http://127.0.0.1:39011/search");
  const Finding* anomaly = FindWapiti(result, "anomaly:internal-server-error", "/item", "id");
  ASSERT_NE(anomaly, nullptr);
  EXPECT_EQ(anomaly->severity, Severity::kLow) << "level 3, but an anomaly proves no weakness";
  EXPECT_TRUE(anomaly->cwes.empty());
  EXPECT_EQ(result.skipped_records, 0u);
  EXPECT_NE(sqli->fingerprint, FindWapiti(result, "cross-site-scripting", "/item", "id")->fingerprint);
}

TEST(WapitiJsonParserTest, RealRegistryRunKeepsRepeatedAnomaliesApart) {
  ParseResult result = ParseOrFail(ReadFileOrFail(FixturePath("wapiti_registry.json")));
  ASSERT_EQ(result.findings.size(), 11u);
  EXPECT_EQ(CountRule(result, "sql-injection"), 3u);
  EXPECT_EQ(CountRule(result, "cross-site-scripting"), 2u);
  EXPECT_EQ(CountRule(result, "anomaly:internal-server-error"), 6u)
      << "three modules each hit the 500 on /item id and /login user";
  std::set<std::string> fingerprints;
  for (const Finding& f : result.findings) fingerprints.insert(f.fingerprint);
  EXPECT_EQ(fingerprints.size(), result.findings.size());
}

TEST(WapitiJsonParserTest, RealUnreachableTargetLooksClean) {
  // wapiti 3.0.4 exits 0 and writes an empty report when it cannot connect;
  // only its stdout says "found 0 URLs and forms".
  ParseResult result = ParseOrFail(ReadFileOrFail(FixturePath("wapiti_unreachable.json")));
  EXPECT_TRUE(result.findings.empty());
  EXPECT_EQ(result.skipped_records, 0u);
}

TEST(WapitiJsonParserTest, CwesComeFromTheClassificationReferences) {
  ParseResult result = ParseOrFail(R"({"infos": {"target": "http://h:81"},
      "classifications": {
        "Weak credentials": {"ref": {"a": "https://cwe.mitre.org/data/definitions/798.html",
                                     "b": "https://cwe.mitre.org/data/definitions/521.html",
                                     "c": "https://owasp.org/x", "d": 5}},
        "New Thing": {"desc": "D", "ref": {"CWE": "https://cwe.mitre.org/data/definitions/1336.html"}},
        "Secure Flag cookie": {"desc": "S", "ref": null}},
      "vulnerabilities": {
        "Weak credentials": [{"method": "POST", "path": "/login", "level": 1, "info": "i"}],
        "New Thing": [{"method": "GET", "path": "/", "level": "3"}],
        "Secure Flag cookie": [{"method": "GET", "path": "/", "level": 1}],
        "Mystery": [{"path": "/m", "level": 0}]},
      "additionals": {"Fingerprint web technology":
        [{"method": "GET", "path": "/", "level": 1, "info": "Python 3.11"}]}})");
  ASSERT_EQ(result.findings.size(), 5u);
  // nlohmann::json keeps object keys sorted: categories come alphabetically.
  EXPECT_EQ(result.findings[0].rule_id, "mystery");
  EXPECT_EQ(result.findings[0].severity, Severity::kInfo);
  EXPECT_TRUE(result.findings[0].cwes.empty());
  EXPECT_EQ(result.findings[1].rule_id, "new-thing");
  EXPECT_EQ(result.findings[1].cwes, std::vector<int>{1336});
  EXPECT_EQ(result.findings[1].severity, Severity::kHigh) << "digit-string level";
  EXPECT_EQ(result.findings[1].message, "D");
  EXPECT_EQ(result.findings[2].cwes, std::vector<int>{614}) << "built-in table";
  EXPECT_EQ(result.findings[3].cwes, (std::vector<int>{798, 521}));
  EXPECT_EQ(result.findings[3].url, "http://h:81/login");
  EXPECT_EQ(result.findings[3].message, "i") << "no description: the info";
  EXPECT_EQ(result.findings[4].rule_id, "additional:fingerprint-web-technology");
  EXPECT_EQ(result.findings[4].severity, Severity::kInfo);
  EXPECT_EQ(result.findings[4].evidence, "Python 3.11");
}

TEST(WapitiJsonParserTest, MalformedEntriesAreSkippedAndCounted) {
  ParseResult result = ParseOrFail(R"({"infos": {"target": "https://app.test:8443/base/"},
      "classifications": [],
      "vulnerabilities": {"Open Redirect": [
          {"method": "GET", "path": "/go", "level": 1, "parameter": "to", "info": "x"},
          {"method": "GET", "path": "no-slash", "level": 1},
          {"method": "GET", "path": "/x", "level": "high"},
          {"method": 7, "path": "/y", "level": 9},
          {"method": "GET", "path": "/z", "level": -1},
          {"method": "GET", "path": "/w", "level": 1.5},
          {"method": "GET", "path": "/v"},
          {"method": "GET", "path": ["/"], "level": 1},
          7, null, "s"],
        "Weird": "not a list"},
      "anomalies": {"Internal Server Error": {"not": "a list"}},
      "additionals": []})");
  ASSERT_EQ(result.findings.size(), 1u);
  EXPECT_EQ(result.findings[0].url, "https://app.test:8443/go");
  EXPECT_EQ(result.findings[0].cwes, std::vector<int>{601});
  EXPECT_EQ(result.findings[0].tool_version, "3.0.4") << "the report names none";
  EXPECT_EQ(result.skipped_records, 12u);
}

TEST(WapitiJsonParserTest, ForeignGarbageAndTargetlessReportsAreDataLoss) {
  for (std::string bad :
       {std::string(), std::string("{}"), std::string("[]"), std::string("null"),
        std::string(R"({"vulnerabilities": {}})"), std::string(R"({"vulnerabilities": []})"),
        std::string(R"({"vulnerabilities": {}, "infos": {"target": 5}})"),
        std::string(R"({"vulnerabilities": {}, "infos": {"target": "no-scheme/x"}})"),
        std::string(R"({"vulnerabilities": {}, "infos": {"target": "http://"}})"),
        std::string(R"({"vulnerabilities": {}, "infos": []})"), std::string("\xff\xfe{", 3),
        std::string("{\"vulnerabilities\": {\"\xff\": []}, \"infos\": {\"target\": \"http://h\"}}"),
        std::string("{\"a\": \0}", 9)}) {
    EXPECT_EQ(ParseWapitiJson(bad, "").status().code(), StatusCode::kDataLoss) << bad;
  }
}

TEST(WapitiJsonParserTest, HugeReportIsBoundedAndParsed) {
  nlohmann::json doc = {{"infos", {{"target", "http://127.0.0.1:1/"}}}, {"vulnerabilities", {}}};
  std::string big(1 << 20, 'x');
  auto& entries = doc["vulnerabilities"]["Cross Site Scripting"] = nlohmann::json::array();
  for (int i = 0; i < 20000; ++i) {
    entries.push_back({{"method", "GET"},
                       {"path", "/p" + std::to_string(i % 10)},
                       {"level", 2},
                       {"parameter", "q"},
                       {"info", i == 0 ? big : "x"},
                       {"http_request", i == 0 ? "GET / HTTP/1.1\n\n" + big : "GET / HTTP/1.1"}});
  }
  ParseResult result = ParseOrFail(doc.dump());
  ASSERT_EQ(result.findings.size(), 20000u);
  EXPECT_LE(result.findings[0].evidence.size(), kMaxFieldBytes);
  EXPECT_LE(result.findings[0].message.size(), kMaxFieldBytes);
}

TEST(WapitiJsonParserTest, EveryTruncationIsDataLoss) {
  std::string full = ReadFileOrFail(FixturePath("wapiti.json"));
  for (size_t length = 0; length < full.size(); ++length) {
    EXPECT_EQ(ParseWapitiJson(full.substr(0, length), "").status().code(), StatusCode::kDataLoss)
        << length;
  }
}

// A loopback port nothing listens on: bound to port 0, read back, released.
int ClosedLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ADD_FAILURE() << "cannot bind a loopback socket";
  }
  if (fd >= 0) close(fd);
  return ntohs(address.sin_port);
}

// The app on an ephemeral loopback port and wapiti with the registry's argv
// in the worker's fixed environment (private HOME), bounded by `timeout`.
class WapitiLiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("wapiti --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no wapiti";
    server_ = popen(
        ("exec python3 " + SourcePath("tests/fixtures/dast/vulnerable_app.py") + " 0").c_str(),
        "r");
    ASSERT_NE(server_, nullptr);
    char line[64] = {0};
    ASSERT_NE(fgets(line, sizeof(line), server_), nullptr);
    ASSERT_EQ(sscanf(line, "PORT %d PID %d", &port_, &pid_), 2);
    char dir[] = "/tmp/wapiti-live-XXXXXX";
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

  // Exit status of a wapiti run writing its report to dir_/report.json.
  int RunWapiti(const std::string& modules, int port) {
    std::string command = "env -i PATH=/usr/bin:/bin HOME=" + dir_ + " TMPDIR=" + dir_ +
                          " LANG=C.UTF-8 LC_ALL=C.UTF-8 timeout 300 wapiti -u http://127.0.0.1:" +
                          std::to_string(port) + "/ --scope folder -m " + modules +
                          " -d 3 --max-scan-time 120 --flush-session --no-bugreport -f json -o " +
                          dir_ + "/report.json < /dev/null > " + dir_ + "/stdout.txt 2>&1";
    return std::system(command.c_str());
  }

  FILE* server_ = nullptr;
  int port_ = 0;
  int pid_ = 0;
  std::string dir_;
};

TEST_F(WapitiLiveTest, FindsTheInjectionsTheFixtureRecorded) {
  ASSERT_EQ(RunWapiti("sql,blindsql,xss,exec,file,crlf,redirect", port_), 0);
  ParseResult result = ParseOrFail(ReadFileOrFail(dir_ + "/report.json"));
  ParseResult recorded = ParseOrFail(ReadFileOrFail(FixturePath("wapiti_registry.json")));
  for (const Finding& want : recorded.findings) {
    std::string path = want.url.substr(want.url.find('/', 7));
    const Finding* got = FindWapiti(result, want.rule_id, path, want.parameter);
    ASSERT_NE(got, nullptr) << want.rule_id << " " << path << " " << want.parameter;
    EXPECT_EQ(got->severity, want.severity);
    EXPECT_EQ(got->http_method, want.http_method);
    EXPECT_EQ(got->cwes, want.cwes);
    EXPECT_EQ(got->url, "http://127.0.0.1:" + std::to_string(port_) + path);
  }
  EXPECT_EQ(CountRule(result, "sql-injection"), 3u);
  EXPECT_EQ(CountRule(result, "cross-site-scripting"), 2u);
}

TEST_F(WapitiLiveTest, UnreachableTargetExitsZeroWithAnEmptyReport) {
  ASSERT_EQ(RunWapiti("sql,xss", ClosedLoopbackPort()), 0);
  ParseResult result = ParseOrFail(ReadFileOrFail(dir_ + "/report.json"));
  EXPECT_TRUE(result.findings.empty());
  EXPECT_NE(ReadFileOrFail(dir_ + "/stdout.txt").find("found 0 URLs and forms"), std::string::npos);
}

}  // namespace
}  // namespace scanfleet
