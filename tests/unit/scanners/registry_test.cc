// The declarative scanner registry: shipped defaults, deployment overrides,
// validation errors that name the offending key, and argv templates whose
// placeholders never turn job data into options.
#include "common/scanners/registry.h"

#include <gtest/gtest.h>

#include "common/scanners/argv_template.h"
#include "common/scanners/bandit_parser.h"
#include "common/scanners/flawfinder_parser.h"
#include "common/scanners/parsers.h"

namespace scanfleet {
namespace {

TEST(RegistryTest, ShippedDefaultsParseAndResolveParsers) {
  const ScannerRegistry& registry = DefaultRegistry();
  const ScannerSpec* flawfinder = registry.Find("flawfinder");
  ASSERT_NE(flawfinder, nullptr);
  EXPECT_EQ(flawfinder->parse, &ParseFlawfinderCsv);
  EXPECT_EQ(flawfinder->kind, ScannerKind::kSast);
  EXPECT_EQ(flawfinder->pool, "sast");
  EXPECT_TRUE(flawfinder->ExitCodeMeansRan(0));
  EXPECT_FALSE(flawfinder->ExitCodeMeansRan(15)) << "flawfinder's non-UTF-8 abort is a failure";
  const ScannerSpec* bandit = registry.Find("bandit");
  ASSERT_NE(bandit, nullptr);
  EXPECT_EQ(bandit->parse, &ParseBanditJson);
  EXPECT_TRUE(bandit->ExitCodeMeansRan(1));
  EXPECT_FALSE(bandit->ExitCodeMeansRan(2));
  EXPECT_EQ(registry.Find("Flawfinder"), nullptr);
  // Tools that read only the files they are given check out only those;
  // cppcheck follows #include, so its jobs get the whole tree.
  for (const char* name : {"flawfinder", "bandit", "shellcheck"}) {
    EXPECT_TRUE(registry.Find(name)->checkout_files_only) << name;
  }
  EXPECT_FALSE(registry.Find("cppcheck")->checkout_files_only);
  for (const auto& [name, spec] : registry.scanners) {
    if (spec.builtin != ScannerSpec::Builtin::kNone) continue;  // no process, no parser
    EXPECT_NE(spec.parse, nullptr) << name;
    EXPECT_FALSE(spec.version_argv.empty()) << name;
    EXPECT_GT(spec.timeout_ms, 0) << name;
  }
  ASSERT_TRUE(registry.profiles.count("default"));
  for (const auto& [profile, names] : registry.profiles) {
    for (const auto& name : names) EXPECT_NE(registry.Find(name), nullptr) << profile;
  }
}

TEST(RegistryTest, DeploymentFileReplacesAndAddsByName) {
  auto registry = ParseRegistry(R"({
    "scanners": {
      "bandit": {"kind": "sast", "pool": "python", "parser": "bandit-json",
                 "argv": ["bandit", "-r", "-f", "json", "-q", "-s", "B101", "{workspace}"],
                 "version_argv": ["bandit", "--version"],
                 "exit_codes": {"clean": [0], "findings": [1]}, "timeout_ms": 5000},
      "bandit-strict": {"kind": "sast", "pool": "sast", "parser": "bandit-json",
                 "argv": ["bandit", "-r", "-f", "json", "-lll", "{workspace}"],
                 "version_argv": ["bandit", "--version"], "exit_codes": {"clean": [0, 1]}}
    },
    "profiles": {"strict": ["bandit-strict", "flawfinder"]}
  })",
                                &DefaultRegistry());
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  EXPECT_EQ(registry->Find("bandit")->pool, "python");
  EXPECT_EQ(registry->Find("bandit")->timeout_ms, 5000);
  EXPECT_NE(registry->Find("flawfinder"), nullptr) << "defaults not named stay";
  EXPECT_NE(registry->Find("bandit-strict"), nullptr);
  EXPECT_EQ(registry->profiles.at("strict").size(), 2u);
  EXPECT_EQ(registry->profiles.at("default"), DefaultRegistry().profiles.at("default"));
  EXPECT_FALSE(registry->Find("bandit")->checkout_files_only)
      << "a replaced scanner that does not say \"checkout\" gets the whole tree";
}

TEST(RegistryTest, SecretsMapEnvironmentVariablesToSecretNames) {
  auto registry = ParseRegistry(R"({"scanners": {"dastly": {
      "kind": "dast", "pool": "dast", "parser": "zap-json", "argv": ["dastly", "{target_url}"],
      "version_argv": ["dastly", "--version"], "exit_codes": {"clean": [0]},
      "secrets": {"DASTLY_API_KEY": "dastly.key", "LOGIN_2": "dast-login"}}}})",
                                &DefaultRegistry());
  ASSERT_TRUE(registry.ok()) << registry.status().ToString();
  const ScannerSpec* spec = registry->Find("dastly");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->secret_env.at("DASTLY_API_KEY"), "dastly.key");
  EXPECT_EQ(spec->secret_env.at("LOGIN_2"), "dast-login");
  EXPECT_TRUE(DefaultRegistry().Find("bandit")->secret_env.empty());
}

struct BadRegistry {
  const char* json;
  const char* expected_in_error;
};

class RegistryErrorTest : public ::testing::TestWithParam<BadRegistry> {};

TEST_P(RegistryErrorTest, IsRefusedWithTheKeyNamed) {
  auto registry = ParseRegistry(GetParam().json, &DefaultRegistry());
  ASSERT_FALSE(registry.ok());
  EXPECT_EQ(registry.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(registry.status().message().find(GetParam().expected_in_error), std::string::npos)
      << registry.status().message();
}

constexpr char kBase[] = R"("version_argv": ["x", "--version"], "exit_codes": {"clean": [0]})";

std::string Scanner(const std::string& body) {
  return R"({"scanners": {"x": {)" + body + ", " + kBase + "}}}";
}

const std::string kCases[][2] = {
    {"not json", "not a JSON object"},
    {R"({"scanner": {}})", "scanner: unknown key"},
    {Scanner(R"("kind": "sast", "pool": "sast", "parser": "nope", "argv": ["x"])"),
     "unknown parser 'nope'"},
    {Scanner(R"("kind": "iast", "pool": "sast", "parser": "bandit-json", "argv": ["x"])"),
     "scanners.x.kind"},
    {Scanner(R"("kind": "sast", "pool": "sast", "parser": "bandit-json", "argv": ["{workspace}"])"),
     "program name must be literal"},
    {Scanner(
         R"("kind": "sast", "pool": "sast", "parser": "bandit-json", "argv": ["x", "{target_url}"])"),
     "DAST scanners only"},
    {Scanner(
         R"("kind": "dast", "pool": "dast", "parser": "bandit-json", "argv": ["x", "{workspace}"])"),
     "SAST scanners only"},
    {Scanner(R"("kind": "sast", "pool": "sast", "parser": "bandit-json", "argv": ["x", "{home}"])"),
     "unknown placeholder {home}"},
    {Scanner(
         R"("kind": "sast", "pool": "sast", "parser": "bandit-json", "argv": ["x", "--f={files}"], "files": ["*.sh"])"),
     "whole word"},
    {Scanner(
         R"("kind": "sast", "pool": "sast", "parser": "bandit-json", "argv": ["x", "{files}"])"),
     "needs \"files\" patterns"},
    {Scanner(
         R"("kind": "sast", "pool": "sast", "parser": "bandit-json", "argv": ["x", "{workspace"])"),
     "unclosed"},
    {Scanner(
         R"("kind": "sast", "pool": "sast", "parser": "bandit-json", "argv": ["x"], "report": "/etc/passwd")"),
     "report file must be"},
    {Scanner(
         R"("kind": "sast", "pool": "sast", "parser": "bandit-json", "argv": ["x"], "surprise": 1)"),
     "scanners.x.surprise: unknown key"},
    {Scanner(
         R"("kind": "dast", "pool": "dast", "parser": "zap-json", "argv": ["x"], "secrets": ["a"])"),
     "scanners.x.secrets: must be an object"},
    {Scanner(
         R"("kind": "dast", "pool": "dast", "parser": "zap-json", "argv": ["x"], "secrets": {"lower": "a"})"),
     "scanners.x.secrets.lower: environment variable names"},
    {Scanner(
         R"("kind": "dast", "pool": "dast", "parser": "zap-json", "argv": ["x"], "secrets": {"LD_PRELOAD": "a"})"),
     "scanners.x.secrets.LD_PRELOAD: the worker sets this variable itself"},
    {Scanner(
         R"("kind": "dast", "pool": "dast", "parser": "zap-json", "argv": ["x"], "secrets": {"PATH": "a"})"),
     "scanners.x.secrets.PATH"},
    {Scanner(
         R"("kind": "dast", "pool": "dast", "parser": "zap-json", "argv": ["x"], "secrets": {"TOKEN": "no spaces"})"),
     "scanners.x.secrets.TOKEN: a secret name may only contain"},
    {Scanner(
         R"("kind": "dast", "pool": "dast", "parser": "zap-json", "argv": ["x"], "secrets": {"TOKEN": 7})"),
     "scanners.x.secrets.TOKEN: must be a secret name"},
    {Scanner(
         R"("kind": "sast", "pool": "sast", "parser": "bandit-json", "argv": ["x", "{files}"], "files": ["*.py"], "checkout": "some")"),
     "scanners.x.checkout: must be \"files\" or \"tree\""},
    {Scanner(
         R"("kind": "sast", "pool": "sast", "parser": "bandit-json", "argv": ["x", "{workspace}"], "checkout": "files")"),
     "scanners.x.checkout: \"files\" needs the \"files\" patterns"},
    {R"({"profiles": {"p": ["nope"]}})", "unknown scanner 'nope'"},
    {R"({"scanners": {"Bad Name": {}}})", "names are"},
};

std::vector<BadRegistry> BadCases() {
  std::vector<BadRegistry> out;
  for (const auto& c : kCases) out.push_back({c[0].c_str(), c[1].c_str()});
  return out;
}

INSTANTIATE_TEST_SUITE_P(Invalid, RegistryErrorTest, ::testing::ValuesIn(BadCases()));

TEST(ArgvTemplateTest, FillsTypedPlaceholders) {
  ArgvValues values;
  values.workspace = ".";
  values.files = {"scripts/deploy.sh", "-rf.sh"};
  values.output_dir = "/w/out";
  values.output_file = "/w/out/report";
  auto target = ParseDastTarget("http://127.0.0.1:8080/item?id=1");
  ASSERT_TRUE(target.ok());
  values.target = *target;
  auto sast = ExpandArgv({"tool", "--out={output_file}", "{files}", "{workspace}"}, values);
  ASSERT_TRUE(sast.ok()) << sast.status().ToString();
  EXPECT_EQ(*sast, (std::vector<std::string>{"tool", "--out=/w/out/report", "./scripts/deploy.sh",
                                             "./-rf.sh", "."}))
      << "a file named like an option stays a path";
  auto dast = ExpandArgv({"nmap", "-p", "{target_port}", "--", "{target_host}"}, values);
  ASSERT_TRUE(dast.ok());
  EXPECT_EQ(*dast, (std::vector<std::string>{"nmap", "-p", "8080", "--", "127.0.0.1"}));
}

TEST(ArgvTemplateTest, RefusesUnsafeValues) {
  ArgvValues values;
  values.workspace = ".";
  for (const char* file : {"../etc/passwd", "/etc/passwd", "a\nb.sh", "a/../../b.sh"}) {
    values.files = {file};
    EXPECT_FALSE(ExpandArgv({"tool", "{files}"}, values).ok()) << file;
  }
  values.workspace = "--upload-pack=touch /tmp/pwned";
  EXPECT_FALSE(ExpandArgv({"tool", "{workspace}"}, values).ok());
  ArgvValues empty;
  EXPECT_FALSE(ExpandArgv({"tool", "{target_url}"}, empty).ok()) << "no target: no value";
}

TEST(DastTargetTest, ParsesUrlsAndHostPorts) {
  auto url = ParseDastTarget("HTTP://LocalHost:8080/a/b?x=1#frag");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->scheme, "http");
  EXPECT_EQ(url->host, "localhost");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->url, "http://localhost:8080/a/b?x=1");
  auto host_port = ParseDastTarget("127.0.0.1:22");
  ASSERT_TRUE(host_port.ok());
  EXPECT_TRUE(host_port->host_is_ip);
  EXPECT_EQ(host_port->scheme, "tcp");
  auto v6 = ParseDastTarget("https://[::1]/");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 443);
  EXPECT_EQ(v6->url, "https://[::1]:443/");
}

TEST(DastTargetTest, RefusesHostileTargets) {
  for (const char* bad :
       {"", "-oN/etc/x", "127.0.0.1,--script,http-fetch", "http://127.0.0.1:80/$(id)`id`",
        "http://127.0.0.1/a b", "http://user:pw@127.0.0.1/", "ftp://127.0.0.1/", "127.0.0.1",
        "http://-host/", "http://127.0.0.1:99999/", "http://127.0.0.1/\n", "http://ho;st/",
        "http://127.0.0.1/\"x\"", "tcp://127.0.0.1:22/path"}) {
    EXPECT_FALSE(ParseDastTarget(bad).ok()) << bad;
  }
  EXPECT_FALSE(ParseDastTarget(std::string(3000, 'a')).ok());
}

TEST(DastTargetTest, AllowlistMatchesCidrsAndExactHosts) {
  auto allowlist = TargetAllowlist::Parse({"127.0.0.0/8", "10.1.2.3", "fd00::/8", "app.test"});
  ASSERT_TRUE(allowlist.ok()) << allowlist.status().ToString();
  auto allows = [&](const char* text) { return allowlist->Allows(*ParseDastTarget(text)); };
  EXPECT_TRUE(allows("http://127.0.0.1:8080/"));
  EXPECT_TRUE(allows("127.254.0.1:22"));
  EXPECT_TRUE(allows("http://10.1.2.3/"));
  EXPECT_FALSE(allows("http://10.1.2.4/"));
  EXPECT_TRUE(allows("http://[fd12::1]/"));
  EXPECT_FALSE(allows("http://[fe80::1]/"));
  EXPECT_TRUE(allows("https://app.test/login"));
  EXPECT_FALSE(allows("https://evil.app.test/")) << "host names match exactly";
  EXPECT_FALSE(allows("http://128.0.0.1/"));
  EXPECT_TRUE(TargetAllowlist::Parse({}).value().empty());
  EXPECT_FALSE(TargetAllowlist::Parse({"10.0.0.0/33"}).ok());
  EXPECT_FALSE(TargetAllowlist::Parse({"not a host"}).ok());
}

TEST(RegistryTest, BuiltinNoopScannerNeedsNoProcess) {
  const ScannerSpec* shipped = DefaultRegistry().Find("noop");
  ASSERT_NE(shipped, nullptr);
  EXPECT_EQ(shipped->builtin, ScannerSpec::Builtin::kNoop);
  EXPECT_EQ(shipped->pool, "bench");
  EXPECT_EQ(shipped->builtin_findings, 0u);
  EXPECT_TRUE(shipped->argv.empty());
  ASSERT_TRUE(DefaultRegistry().profiles.count("noop"));

  auto overlay = ParseRegistry(
      R"({"scanners": {"noop-many": {"kind": "sast", "pool": "bench", "builtin": "noop",
                                     "builtin_findings": 250}},
          "profiles": {"noop-many": ["noop-many"]}})",
      &DefaultRegistry());
  ASSERT_TRUE(overlay.ok()) << overlay.status().ToString();
  EXPECT_EQ(overlay->Find("noop-many")->builtin_findings, 250u);
  EXPECT_NE(overlay->Find("flawfinder"), nullptr);
}

TEST(RegistryTest, BuiltinScannerErrorsNameTheKey) {
  auto expect_error = [](const std::string& scanner, const std::string& key) {
    auto parsed = ParseRegistry(R"({"scanners": {"x": )" + scanner + "}}");
    ASSERT_FALSE(parsed.ok()) << scanner;
    EXPECT_NE(parsed.status().message().find(key), std::string::npos) << parsed.status().message();
  };
  expect_error(R"({"kind": "sast", "pool": "p", "builtin": "sleep"})", "scanners.x.builtin");
  expect_error(R"({"kind": "sast", "pool": "p", "builtin": "noop", "argv": ["true"]})",
               "scanners.x.argv");
  expect_error(R"({"kind": "both", "pool": "p", "builtin": "noop"})", "scanners.x.kind");
  expect_error(R"({"kind": "sast", "builtin": "noop"})", "scanners.x.pool");
  expect_error(R"({"kind": "sast", "pool": "p", "builtin": "noop", "builtin_findings": -1})",
               "scanners.x.builtin_findings");
  expect_error(R"({"kind": "sast", "pool": "p", "builtin": "noop", "builtin_findings": 10001})",
               "scanners.x.builtin_findings");
  expect_error(R"({"kind": "sast", "pool": "p", "builtin": "noop", "builtin_findings": "9"})",
               "scanners.x.builtin_findings");
}

}  // namespace
}  // namespace scanfleet
