// Helpers shared by the scanner adapter tests: locating and reading the
// recorded tool outputs and the sample repository.
// Thread-safety: functions only read files.
#pragma once

#include <gtest/gtest.h>

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

}  // namespace scanfleet::testing
