#include "worker/scanners/registry.h"

#include <gtest/gtest.h>

#include <set>

#include "worker/scanners/bandit_parser.h"
#include "worker/scanners/flawfinder_parser.h"

namespace scanfleet {
namespace {

TEST(RegistryTest, FindsBuiltinScanners) {
  const ScannerSpec* flawfinder = FindScanner("flawfinder");
  ASSERT_NE(flawfinder, nullptr);
  EXPECT_EQ(flawfinder->parse, &ParseFlawfinderCsv);
  EXPECT_EQ(flawfinder->argv, (std::vector<std::string>{"flawfinder", "--csv", "."}));
  EXPECT_EQ(flawfinder->ok_exit_codes, (std::vector<int>{0}));

  const ScannerSpec* bandit = FindScanner("bandit");
  ASSERT_NE(bandit, nullptr);
  EXPECT_EQ(bandit->parse, &ParseBanditJson);
  EXPECT_EQ(bandit->ok_exit_codes, (std::vector<int>{0, 1}));
}

TEST(RegistryTest, UnknownNameIsNull) {
  EXPECT_EQ(FindScanner("semgrep"), nullptr);
  EXPECT_EQ(FindScanner(""), nullptr);
  EXPECT_EQ(FindScanner("Flawfinder"), nullptr);
}

TEST(RegistryTest, EverySpecIsComplete) {
  std::set<std::string> names;
  for (const ScannerSpec& spec : BuiltinScanners()) {
    EXPECT_TRUE(names.insert(spec.name).second) << "duplicate " << spec.name;
    EXPECT_FALSE(spec.pool.empty()) << spec.name;
    ASSERT_FALSE(spec.argv.empty()) << spec.name;
    EXPECT_EQ(spec.argv.front(), spec.name);
    EXPECT_EQ(spec.argv.back(), ".") << spec.name << " must scan its working directory";
    EXPECT_FALSE(spec.version_argv.empty()) << spec.name;
    EXPECT_FALSE(spec.ok_exit_codes.empty()) << spec.name;
    EXPECT_NE(spec.parse, nullptr) << spec.name;
    EXPECT_EQ(spec.timeout_ms, 10 * 60 * 1000) << spec.name;
    EXPECT_EQ(FindScanner(spec.name), &spec);
  }
}

}  // namespace
}  // namespace scanfleet
