// The generated git hook scripts: valid sh, marked, quoting safe.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "controller/cli/hook.h"

namespace scanfleet::cli {
namespace {

TEST(HookScriptTest, ScriptsParseAsShellAndQuoteArguments) {
  HookOptions options;
  options.scanfleet_binary = "/opt/sf bin/scanfleet";
  options.connection_args = {"--controller", "tcp://127.0.0.1:1", "--key", "/k/it's.key"};
  options.fail_on = "high";
  auto dir = std::filesystem::temp_directory_path() / ("sf-hook-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  for (const std::string kind : {"pre-push", "post-commit"}) {
    std::string script = HookScript(kind, options);
    EXPECT_NE(script.find("scanfleet-hook: managed"), std::string::npos);
    EXPECT_NE(script.find("'/k/it'\\''s.key'"), std::string::npos);
    auto path = dir / kind;
    std::ofstream(path) << script;
    std::string check = "sh -n '" + path.string() + "'";
    EXPECT_EQ(std::system(check.c_str()), 0) << script;
  }
  EXPECT_NE(HookScript("pre-push", options).find("SCANFLEET_HOOK_BYPASS"), std::string::npos);
  EXPECT_NE(HookScript("pre-push", options).find("--trigger hook-bypass"), std::string::npos);
  EXPECT_EQ(HookScript("post-commit", options).find("--wait"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace scanfleet::cli
