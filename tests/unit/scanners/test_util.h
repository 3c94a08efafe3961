// Helpers shared by the scanner adapter tests: locating and reading the
// recorded tool outputs and the sample repository, running a tool.
// Thread-safety: functions only read files.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>

#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace scanfleet::testing {

// SCANFLEET_SOURCE_DIR is the repository root, set by the test's CMakeLists.
inline std::string SourcePath(std::string_view relative) {
  return std::string(SCANFLEET_SOURCE_DIR) + "/" + std::string(relative);
}

inline std::string FixturePath(std::string_view name) {
  return SourcePath("tests/fixtures/scanners/" + std::string(name));
}

inline std::string SampleRepoPath() { return SourcePath("tests/sample-repo"); }

// Whole file as bytes; fails the current test when it cannot be read.
inline std::string ReadFileOrFail(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout, or stdout and stderr when the command redirects
};

// COMMAND run by /bin/sh; its stdout and exit code (-1: it did not exit).
inline CommandResult RunShell(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) result.out.append(buffer, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace scanfleet::testing
