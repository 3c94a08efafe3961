// libFuzzer target: cron expressions (parse, then the next fire times) and
// whole --repos files, both untrusted deployment input.
#include <cstddef>
#include <cstdint>
#include <string>

#include "controller/triggers/cron.h"
#include "controller/triggers/repos_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto cron = scanfleet::CronExpression::Parse(text);
  if (cron.ok()) {
    scanfleet::TimeMs after = 1'700'000'000'000;
    for (int i = 0; i < 3; ++i) {
      auto next = cron->NextAfter(after);
      if (!next) break;
      if (*next <= after) __builtin_trap();  // must move forward
      after = *next;
    }
  }
  (void)scanfleet::ParseReposFile(text, "fuzz.json");
  return 0;
}
