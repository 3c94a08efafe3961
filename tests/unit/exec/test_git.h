// Running git in a test's own repository (the tests make their origins with it).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "worker/exec/process_runner.h"

namespace scanfleet {

// `git -C repo args...` with a fixed author; its first line of output.
inline std::string RunGit(const std::string& repo, std::vector<std::string> args) {
  ProcessSpec spec;
  spec.argv = {"git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@localhost"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = "/";
  spec.env = MinimalEnvironment("/tmp");
  auto result = RunProcess(spec);
  EXPECT_TRUE(result.ok() && result->exit_code == 0) << (result.ok() ? result->stderr_data : "");
  return result.ok() ? result->stdout_data.substr(0, result->stdout_data.find('\n')) : "";
}

}  // namespace scanfleet
