// SecretSource: resolves a secret name to its value on the worker.
//
// Lookup order: the file <secrets_dir>/<name> when a secrets directory is
// configured and that file exists, else the worker's environment variable
// SecretEnvironmentName(name) ("SCANFLEET_SECRET_<NAME>"). A secret file must
// be a regular file (a symlink to one is followed, as in a Kubernetes secret
// volume) that neither group nor others can read; one that they can is
// refused rather than used, so a leaky mount is noticed. One trailing "\n"
// (or "\r\n") is stripped from a file's value. Errors name the secret and the
// place looked at, never the value.
// Thread-safety: immutable after construction; Resolve may run on any thread.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status/status.h"

namespace scanfleet {

// Largest secret value accepted (from a file or the environment).
inline constexpr size_t kMaxSecretValueBytes = 64 * 1024;

class SecretSource {
 public:
  // Reads one environment variable; returns nullopt when it is unset.
  using EnvironmentLookup = std::function<std::optional<std::string>(const std::string&)>;

  // `secrets_dir` may be empty (environment only). `lookup` defaults to the
  // process environment; tests pass a map.
  explicit SecretSource(std::string secrets_dir, EnvironmentLookup lookup = nullptr);

  // InvalidArgument for a bad name; NotFound when neither place has it;
  // PermissionDenied for a group/world-readable file; DataLoss for an
  // unreadable, non-regular or oversized one.
  StatusOr<std::string> Resolve(std::string_view name) const;

  // Resolves every name (duplicates once); the first failure wins.
  StatusOr<std::map<std::string, std::string>> ResolveAll(
      const std::vector<std::string>& names) const;

  const std::string& secrets_dir() const { return secrets_dir_; }

 private:
  StatusOr<std::string> ReadSecretFile(const std::string& path, std::string_view name) const;

  std::string secrets_dir_;
  EnvironmentLookup lookup_;
};

}  // namespace scanfleet
