// libFuzzer target for the git name-status parser (worker/job incremental
// scans read it from git run on a hostile repository). Invariants: it never
// crashes; whatever it accepts names only safe relative paths, and carrying
// findings forward over the parsed changes never yields an unsafe path.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/finding/finding.h"
#include "common/incremental/carry_forward.h"
#include "common/incremental/name_status.h"

namespace {

void Require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace scanfleet;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = ParseNameStatus(input);
  if (!parsed.ok()) return 0;
  for (const auto& path : parsed->changed) Require(IsSafeDiffPath(path) && PathStaysInside(path));
  for (const auto& path : parsed->deleted) Require(IsSafeDiffPath(path) && PathStaysInside(path));
  std::vector<Finding> base;
  for (const auto& rename : parsed->renames) {
    Require(IsSafeDiffPath(rename.from) && IsSafeDiffPath(rename.to) && rename.similarity <= 100);
    Finding f;
    f.tool = "t";
    f.rule_id = "r";
    f.path = rename.from;
    base.push_back(f);
  }
  for (const Finding& f : CarryForward(base, *parsed, 1, 3)) Require(PathStaysInside(f.path));
  return 0;
}
