// libFuzzer target: the worker's reading of `git ls-tree -r -z` output, whose
// paths come from the scanned (untrusted) repository. Never crashes, and
// every file it returns has a non-empty path without NUL, in sorted order.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "worker/workspace/partial_checkout.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view listing(reinterpret_cast<const char*>(data), size);
  auto files = scanfleet::ParseTreeListing(listing);
  for (size_t i = 0; i < files.size(); ++i) {
    if (files[i].path.empty() || files[i].path.find('\0') != std::string::npos) std::abort();
    if (i > 0 && files[i].path < files[i - 1].path) std::abort();
  }
  return 0;
}
