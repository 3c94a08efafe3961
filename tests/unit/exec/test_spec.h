// The ProcessSpec the exec tests start from: argv in /, the minimal
// environment, a 30 s wall clock.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "worker/exec/process_runner.h"

namespace scanfleet::testing {

inline ProcessSpec Spec(std::vector<std::string> argv) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.cwd = "/";
  spec.env = MinimalEnvironment("/tmp");
  spec.timeout_ms = 30000;
  return spec;
}

}  // namespace scanfleet::testing
