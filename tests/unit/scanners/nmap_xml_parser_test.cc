// nmap XML adapter on nmap 7.93's real reports of the vulnerable test app
// (service detection; NSE scripts including the vulns library's LIKELY
// VULNERABLE and NOT VULNERABLE states; a closed port; an unresolvable name; a
// failed run), on hand-made variants, on every truncation and on hostile
// input, and live against servers this test starts on loopback.
#include "common/scanners/nmap_xml_parser.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "common/scanners/text_fields.h"
#include "tests/unit/scanners/test_util.h"

namespace scanfleet {
namespace {

using testing::FixturePath;
using testing::ReadFileOrFail;
using testing::SourcePath;

std::string NmapReport(const std::string& hosts, const std::string& exit = "success") {
  return "<?xml version=\"1.0\"?><nmaprun scanner=\"nmap\" version=\"7.93\">" + hosts +
         "<runstats><finished exit=\"" + exit +
         "\" errormsg=\"boom\"/><hosts up=\"1\" total=\"1\"/></runstats></nmaprun>";
}

std::string Host(const std::string& ports, const std::string& address = "10.0.0.5",
                 const std::string& type = "ipv4") {
  return "<host><address addr=\"" + address + "\" addrtype=\"" + type + "\"/><ports>" + ports +
         "</ports></host>";
}

std::string OpenPort(int port, const std::string& inside) {
  return "<port protocol=\"tcp\" portid=\"" + std::to_string(port) +
         "\"><state state=\"open\"/><service name=\"http\" conf=\"10\"/>" + inside + "</port>";
}

ParseResult ParseOrFail(const std::string& xml) {
  auto parsed = ParseNmapServicesXml(xml, "7.93");
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? *parsed : ParseResult();
}

TEST(NmapXmlParserTest, RealReportGivesTheOpenHttpService) {
  auto parsed = ParseNmapServicesXml(ReadFileOrFail(FixturePath("nmap.xml")), "ignored");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 1u);
  const Finding& f = parsed->findings[0];
  EXPECT_EQ(f.tool, "nmap");
  EXPECT_EQ(f.tool_version, "7.93") << "the report's own version wins";
  EXPECT_EQ(f.rule_id, "open-port");
  EXPECT_EQ(f.title, "open port 38743/tcp: http (BaseHTTPServer 0.6)");
  EXPECT_EQ(f.url, "tcp://127.0.0.1:38743");
  EXPECT_EQ(f.severity, Severity::kInfo);
  EXPECT_EQ(f.confidence, "high");
  EXPECT_EQ(f.evidence, "BaseHTTPServer 0.6 (Python 3.11.7) cpe:/a:python:python:3.11.7");
  EXPECT_TRUE(f.path.empty());
  EXPECT_TRUE(f.cwes.empty());
  EXPECT_EQ(f.fingerprint.size(), 32u);
  EXPECT_EQ(parsed->skipped_records, 0u);
}

TEST(NmapXmlParserTest, RealScriptReportMapsTheVulnsLibraryState) {
  ParseResult result = ParseOrFail(ReadFileOrFail(FixturePath("nmap_scripts.xml")));
  ASSERT_EQ(result.findings.size(), 6u);
  EXPECT_EQ(result.skipped_records, 0u);
  const char* kRules[] = {"open-port",
                          "nse:http-methods",
                          "nse:http-slowloris-check",
                          "nse:http-server-header",
                          "nse:http-title",
                          "nse:http-unsafe-output-escaping"};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(result.findings[i].rule_id, kRules[i]);
    EXPECT_EQ(result.findings[i].url, "tcp://127.0.0.1:39313");
  }
  const Finding& slowloris = result.findings[2];
  EXPECT_EQ(slowloris.title, "http-slowloris-check: Slowloris DOS attack");
  EXPECT_EQ(slowloris.severity, Severity::kMedium) << "LIKELY VULNERABLE";
  EXPECT_EQ(slowloris.confidence, "medium");
  EXPECT_EQ(slowloris.evidence, "State: LIKELY VULNERABLE; IDs: CVE:CVE-2007-6750");
  EXPECT_TRUE(slowloris.message.starts_with("Slowloris tries to keep many connections"));
  EXPECT_EQ(result.findings[1].title, "http-methods: Supported Methods: GET POST");
  EXPECT_EQ(result.findings[4].title, "http-title: shop");
  EXPECT_EQ(result.findings[4].severity, Severity::kInfo);
  EXPECT_EQ(result.findings[4].confidence, "");
  const Finding& escaping = result.findings[5];
  EXPECT_EQ(escaping.severity, Severity::kInfo);
  EXPECT_EQ(
      escaping.evidence,
      "Characters [> \" '] reflected in parameter q at http://127.0.0.1:39313/search?q=apple");
  EXPECT_NE(result.findings[3].fingerprint, result.findings[4].fingerprint);
}

TEST(NmapXmlParserTest, RealNotVulnerableResultsAndClosedPortsAreNoFindings) {
  ParseResult result = ParseOrFail(ReadFileOrFail(FixturePath("nmap_not_vulnerable.xml")));
  ASSERT_EQ(result.findings.size(), 2u) << "port 1 is closed; both CVE checks NOT VULNERABLE";
  EXPECT_EQ(result.findings[0].rule_id, "open-port");
  EXPECT_EQ(result.findings[1].rule_id, "nse:http-title");
  EXPECT_EQ(result.skipped_records, 0u);
}

TEST(NmapXmlParserTest, RealRunsThatScannedNothingAreErrors) {
  auto unresolved = ParseNmapServicesXml(ReadFileOrFail(FixturePath("nmap_unresolved.xml")), "");
  EXPECT_EQ(unresolved.status().code(), StatusCode::kUnavailable) << "not a clean result";
  auto failed = ParseNmapServicesXml(ReadFileOrFail(FixturePath("nmap_error.xml")), "");
  EXPECT_EQ(failed.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(failed.status().ToString().find("Ports specified must be between"), std::string::npos);
}

TEST(NmapXmlParserTest, VulnsStatesScoresAndTextOutput) {
  auto vuln = [](const std::string& state, const std::string& extra) {
    return "<table key=\"CVE-1\"><elem key=\"title\">T</elem><elem key=\"state\">" + state +
           "</elem>" + extra + "</table>";
  };
  ParseResult result = ParseOrFail(NmapReport(Host(OpenPort(
      80,
      "<script id=\"v\" output=\"x\">" + vuln("VULNERABLE (DoS)", "") +
          vuln("VULNERABLE", "<table key=\"scores\"><elem key=\"CVSSv2\">9.3</elem></table>") +
          vuln("UNKNOWN (unable to test)", "") + vuln("NOT VULNERABLE", "") +
          vuln("LIKELY VULNERABLE", "<table key=\"scores\"><elem key=\"CVSS\">n/a</elem></table>") +
          "</script>"
          "<script id=\"t\" output=\"  V:&#xa;    State: VULNERABLE&#xa;\"/>"
          "<script id=\"n\" output=\"State: NOT VULNERABLE\"/>"
          "<script id=\"e\" output=\"ERROR: Script execution failed (use -d to debug)\"/>"
          "<script output=\"no id\"/>"))));
  ASSERT_EQ(result.findings.size(), 6u);
  EXPECT_EQ(result.findings[1].severity, Severity::kHigh);
  EXPECT_EQ(result.findings[1].confidence, "high");
  EXPECT_EQ(result.findings[2].severity, Severity::kCritical) << "CVSS 9.3 wins";
  EXPECT_EQ(result.findings[3].severity, Severity::kInfo);
  EXPECT_EQ(result.findings[3].confidence, "low");
  EXPECT_EQ(result.findings[4].severity, Severity::kMedium) << "unreadable score is ignored";
  EXPECT_EQ(result.findings[5].rule_id, "nse:t");
  EXPECT_EQ(result.findings[5].severity, Severity::kHigh);
  EXPECT_EQ(result.findings[5].title, "t: V:");
  EXPECT_NE(result.findings[1].fingerprint, result.findings[2].fingerprint);
  EXPECT_EQ(result.skipped_records, 2u) << "failed script and script without id";
}

TEST(NmapXmlParserTest, AddressesProtocolsTunnelsAndMalformedPorts) {
  ParseResult result = ParseOrFail(
      NmapReport(Host("<port protocol=\"tcp\" portid=\"22\"><state state=\"closed\"/></port>"
                  "<port protocol=\"tcp\" portid=\"443\"><state state=\"open\"/>"
                  "<service name=\"http\" tunnel=\"ssl\" product=\"nginx\" conf=\"5\"/></port>"
                  "<port protocol=\"udp\" portid=\"53\"><state state=\"open|filtered\"/></port>"
                  "<port protocol=\"udp\" portid=\"161\"><state state=\"open\"/></port>"
                  "<port protocol=\"tcp\" portid=\"abc\"><state state=\"open\"/></port>"
                  "<port portid=\"8\"><state state=\"open\"/></port>",
                  "::1", "ipv6") +
             "<host><address addr=\"00:11:22:33:44:55\" addrtype=\"mac\"/></host>"
             "<host><address addr=\"10.0.0.9\" addrtype=\"ipv4\"/><hostscript>"
             "<script id=\"smb-os-discovery\" output=\"OS: x\"/></hostscript></host>"));
  ASSERT_EQ(result.findings.size(), 3u);
  EXPECT_EQ(result.findings[0].title, "open port 443/tcp: ssl/http (nginx)");
  EXPECT_EQ(result.findings[0].url, "tcp://[::1]:443");
  EXPECT_EQ(result.findings[0].confidence, "medium");
  EXPECT_EQ(result.findings[1].title, "open port 161/udp: unknown");
  EXPECT_EQ(result.findings[1].url, "udp://[::1]:161");
  EXPECT_EQ(result.findings[1].confidence, "low");
  EXPECT_EQ(result.findings[2].url, "tcp://10.0.0.9");
  EXPECT_EQ(result.skipped_records, 3u) << "portid abc, no protocol, host with only a MAC";
}

TEST(NmapXmlParserTest, ForeignGarbageAndFailedReportsAreDataLoss) {
  for (std::string bad : {std::string(), std::string("<other/>"), std::string("{\"json\": 1}"),
                          std::string("\xff\xfe garbage \x01\x00 x", 15), NmapReport("", "error"),
                          std::string("<nmaprun><host/></nmaprun>")}) {
    EXPECT_EQ(ParseNmapServicesXml(bad, "").status().code(), StatusCode::kDataLoss) << bad;
  }
}

TEST(NmapXmlParserTest, NonUtf8AndHugeValuesAreBoundedNotFatal) {
  std::string junk = "\xff\xfe\xc3(" + std::string(100000, 'A');
  ParseResult result = ParseOrFail(NmapReport(
      Host(OpenPort(80, "<script id=\"x\" output=\"" + junk +
                            "\"/>"
                            "<script id=\"y\" output=\"z\"><table key=\"k\"><elem key=\"state\">" +
                            junk +
                            "</elem><table key=\"scores\"><elem>1e308</elem><elem>-5</elem></table>"
                            "</table></script>"))));
  ASSERT_EQ(result.findings.size(), 3u);
  for (const Finding& f : result.findings) {
    EXPECT_LE(f.message.size(), kMaxFieldBytes);
    EXPECT_LE(f.evidence.size(), kMaxFieldBytes);
    EXPECT_LE(f.title.size(), 160u);
  }
  EXPECT_EQ(result.findings[2].severity, Severity::kInfo) << "unknown state, scores out of range";
}

TEST(NmapXmlParserTest, ManyPortsParseQuickly) {
  std::string ports;
  for (int port = 1; port <= 65535; ++port) ports += OpenPort(port, "");
  auto start = std::chrono::steady_clock::now();
  ParseResult result = ParseOrFail(NmapReport(Host(ports)));
  EXPECT_EQ(result.findings.size(), 65535u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST(NmapXmlParserTest, EveryTruncationIsAnErrorNeverACrashOrACleanResult) {
  for (const char* name : {"nmap.xml", "nmap_scripts.xml"}) {
    std::string full = ReadFileOrFail(FixturePath(name));
    for (size_t length = 0; length < full.size(); ++length) {
      auto parsed = ParseNmapServicesXml(full.substr(0, length), "");
      // The report is complete only once </nmaprun> has been read.
      EXPECT_FALSE(parsed.ok() && length + 10 < full.size()) << name << " prefix " << length;
    }
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

// Live runs: the vulnerable app on an ephemeral loopback port, nmap with the
// registry's argv in the worker's fixed environment, bounded by `timeout`.
class NmapLiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("nmap --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "nmap not installed";
    std::string app = SourcePath("tests/fixtures/dast/vulnerable_app.py");
    server_ = popen(("exec python3 " + app + " 0").c_str(), "r");
    ASSERT_NE(server_, nullptr);
    char line[64] = {0};
    ASSERT_NE(fgets(line, sizeof(line), server_), nullptr);
    ASSERT_EQ(sscanf(line, "PORT %d PID %d", &port_, &pid_), 2);
  }

  void TearDown() override { StopServer(); }

  void StopServer() {
    if (server_ == nullptr) return;
    kill(pid_, SIGTERM);
    pclose(server_);
    server_ = nullptr;
  }

  // nmap's stdout (the XML report); `exit_code` gets its exit status.
  static std::string RunNmap(const std::string& ports, int& exit_code) {
    std::string command =
        "env -i PATH=/usr/bin:/bin LANG=C.UTF-8 timeout 120 nmap -Pn -n -sV --version-light -p " +
        ports + " -oX - -- 127.0.0.1 2>/dev/null";
    FILE* nmap = popen(command.c_str(), "r");
    std::string out;
    if (nmap == nullptr) return out;
    char buffer[4096];
    while (size_t n = fread(buffer, 1, sizeof(buffer), nmap)) out.append(buffer, n);
    int status = pclose(nmap);
    exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
  }

  FILE* server_ = nullptr;
  int port_ = 0;
  int pid_ = 0;
};

TEST_F(NmapLiveTest, FindsTheHttpServiceLikeTheFixture) {
  int exit_code = -1;
  std::string out = RunNmap(std::to_string(port_), exit_code);
  EXPECT_EQ(exit_code, 0);
  auto parsed = ParseNmapServicesXml(out, "");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->findings.size(), 1u);
  auto fixture = ParseNmapServicesXml(ReadFileOrFail(FixturePath("nmap.xml")), "");
  ASSERT_TRUE(fixture.ok());
  const Finding& live = parsed->findings[0];
  const Finding& recorded = fixture->findings[0];
  EXPECT_EQ(live.url, "tcp://127.0.0.1:" + std::to_string(port_));
  EXPECT_EQ(live.title, "open port " + std::to_string(port_) + "/tcp: http (BaseHTTPServer 0.6)");
  EXPECT_EQ(live.rule_id, recorded.rule_id);
  EXPECT_EQ(live.severity, recorded.severity);
  EXPECT_EQ(live.confidence, recorded.confidence);
  EXPECT_EQ(live.tool_version, recorded.tool_version);
  EXPECT_TRUE(live.evidence.starts_with("BaseHTTPServer 0.6 (Python ")) << live.evidence;
}

TEST_F(NmapLiveTest, ClosedPortIsNoFindingAndABadPortRangeFails) {
  int exit_code = -1;
  auto closed = ParseNmapServicesXml(RunNmap(std::to_string(ClosedLoopbackPort()), exit_code), "");
  EXPECT_EQ(exit_code, 0);
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();
  EXPECT_TRUE(closed->findings.empty());
  auto bad = ParseNmapServicesXml(RunNmap("99999", exit_code), "");
  EXPECT_EQ(exit_code, 1);
  EXPECT_EQ(bad.status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace scanfleet
