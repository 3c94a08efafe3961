// nmap XML adapter on nmap 7.93's real report of the vulnerable test app, on
// hand-made variants (scripts, closed ports, failed runs), on every truncation
// of the real report, and live against a server this test starts on loopback.
#include "worker/scanners/nmap_xml_parser.h"

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

std::string Report(const std::string& ports, const std::string& exit = "success") {
  return "<?xml version=\"1.0\"?><nmaprun scanner=\"nmap\" version=\"7.93\"><host>"
         "<address addr=\"10.0.0.5\" addrtype=\"ipv4\"/><ports>" +
         ports + "</ports></host><runstats><finished exit=\"" + exit +
         "\" errormsg=\"boom\"/></runstats></nmaprun>";
}

TEST(NmapXmlParserTest, RealReportGivesTheOpenHttpService) {
  auto parsed = ParseNmapServicesXml(ReadFileOrFail(FixturePath("nmap.xml")), "ignored");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 1u);
  const Finding& f = parsed->findings[0];
  EXPECT_EQ(f.tool, "nmap");
  EXPECT_EQ(f.tool_version, "7.93") << "the report's own version wins";
  EXPECT_EQ(f.rule_id, "open-port");
  EXPECT_EQ(f.title, "open port 38743/tcp: http");
  EXPECT_EQ(f.url, "tcp://127.0.0.1:38743");
  EXPECT_EQ(f.severity, Severity::kInfo);
  EXPECT_EQ(f.confidence, "high");
  EXPECT_EQ(f.evidence, "BaseHTTPServer 0.6 (Python 3.11.7) cpe:/a:python:python:3.11.7");
  EXPECT_TRUE(f.path.empty());
  EXPECT_EQ(f.fingerprint.size(), 32u);
  EXPECT_EQ(parsed->skipped_records, 0u);
}

TEST(NmapXmlParserTest, ScriptsClosedPortsAndVulnerableMarker) {
  auto parsed = ParseNmapServicesXml(
      Report("<port protocol=\"tcp\" portid=\"22\"><state state=\"closed\"/></port>"
             "<port protocol=\"tcp\" portid=\"443\"><state state=\"filtered\"/></port>"
             "<port protocol=\"tcp\" portid=\"80\"><state state=\"open\"/>"
             "<service name=\"http\" conf=\"3\"/>"
             "<script id=\"http-title\" output=\"shop\"/>"
             "<script id=\"http-vuln-cve2017-5638\" output=\"State: VULNERABLE\"/></port>"
             "<port protocol=\"tcp\" portid=\"0\"><state state=\"open\"/></port>"),
      "7.93");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 3u);
  EXPECT_EQ(parsed->findings[0].confidence, "low");
  EXPECT_EQ(parsed->findings[1].rule_id, "nse:http-title");
  EXPECT_EQ(parsed->findings[1].severity, Severity::kInfo);
  EXPECT_EQ(parsed->findings[2].severity, Severity::kHigh);
  EXPECT_EQ(parsed->findings[2].url, "tcp://10.0.0.5:80");
  EXPECT_EQ(parsed->skipped_records, 1u) << "port 0 is malformed";
}

TEST(NmapXmlParserTest, FailedOrForeignReportsAreDataLoss) {
  EXPECT_EQ(ParseNmapServicesXml(Report("", "error"), "").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseNmapServicesXml("<other/>", "").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseNmapServicesXml("", "").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseNmapServicesXml("\xff\xfe garbage \x01", "").status().code(),
            StatusCode::kDataLoss);
}

TEST(NmapXmlParserTest, EveryTruncationIsAnErrorNeverACrashOrACleanResult) {
  std::string full = ReadFileOrFail(FixturePath("nmap.xml"));
  for (size_t length = 0; length < full.size(); ++length) {
    auto parsed = ParseNmapServicesXml(full.substr(0, length), "");
    // The report is complete only once </nmaprun> has been read.
    EXPECT_FALSE(parsed.ok() && length + 10 < full.size()) << "prefix of " << length << " bytes";
  }
}

TEST(NmapXmlParserTest, LiveScanOfALoopbackServer) {
  if (std::system("nmap --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "nmap not installed";
  std::string app = SourcePath("tests/fixtures/dast/vulnerable_app.py");
  FILE* server = popen(("exec python3 " + app + " 0").c_str(), "r");
  ASSERT_NE(server, nullptr);
  char line[64] = {0};
  ASSERT_NE(fgets(line, sizeof(line), server), nullptr);
  int port = 0, pid = 0;
  ASSERT_EQ(sscanf(line, "PORT %d PID %d", &port, &pid), 2);
  std::string command = "nmap -Pn -n -sV --version-light -p " + std::to_string(port) +
                        " -oX - -- 127.0.0.1 2>/dev/null";
  FILE* nmap = popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), nmap)) out.append(buffer, n);
  EXPECT_EQ(pclose(nmap), 0);
  kill(pid, SIGTERM);
  pclose(server);
  auto parsed = ParseNmapServicesXml(out, "");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 1u);
  EXPECT_EQ(parsed->findings[0].url, "tcp://127.0.0.1:" + std::to_string(port));
  EXPECT_NE(parsed->findings[0].title.find(": http"), std::string::npos);
}

}  // namespace
}  // namespace scanfleet
