// Secret names: how a job, a scan and the scanner registry refer to a
// credential without carrying it.
//
// Only names travel (in a SubmitScanRequest, a JobAssignment, the controller's
// database and the registry); the worker resolves a name to its value from
// its own secrets directory or environment (worker/secrets/secret_source.h).
// A name is 1-64 of [A-Za-z0-9_.-] and not made of dots only, so it is also a
// safe file name inside the secrets directory.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status/status.h"

namespace scanfleet {

inline constexpr size_t kMaxSecretNameLength = 64;
// Most secret names one scan may carry.
inline constexpr size_t kMaxSecretsPerScan = 16;

// InvalidArgument naming the rule a bad name breaks. The name is quoted in the
// message only when it is valid-looking text (a value pasted by mistake is
// not echoed back in full).
Status ValidateSecretName(std::string_view name);

// The worker's environment variable that holds secret `name`:
// "SCANFLEET_SECRET_" + name uppercased, every byte that is not a letter or
// digit replaced by '_' ("repo.token-2" -> "SCANFLEET_SECRET_REPO_TOKEN_2").
// The scanner process receives a job's secrets under the same names.
std::string SecretEnvironmentName(std::string_view name);

}  // namespace scanfleet
