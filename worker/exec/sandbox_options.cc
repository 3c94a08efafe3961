// ResourceLimits helpers and the user lookup; see sandbox_options.h.
#include "worker/exec/sandbox_options.h"

#include <pwd.h>

#include <vector>

namespace scanfleet {

uint64_t EffectiveCpuSeconds(const ResourceLimits& limits, int64_t timeout_ms) {
  if (limits.cpu_seconds > 0) return limits.cpu_seconds;
  return static_cast<uint64_t>(std::max<int64_t>(timeout_ms, 0) + 999) / 1000 + 1;
}

StatusOr<RunAsUser> LookUpRunAsUser(const std::string& name) {
  passwd entry;
  passwd* found = nullptr;
  std::vector<char> buffer(16384);
  int error = getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (error != 0 || found == nullptr) {
    return Status::NotFound("user '" + name + "' does not exist");
  }
  return RunAsUser{name, static_cast<uint32_t>(found->pw_uid),
                   static_cast<uint32_t>(found->pw_gid)};
}

}  // namespace scanfleet
