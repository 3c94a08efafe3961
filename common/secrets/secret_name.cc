// Secret name rules; see secret_name.h.
#include "common/secrets/secret_name.h"

#include <cctype>

namespace scanfleet {

Status ValidateSecretName(std::string_view name) {
  if (name.empty() || name.size() > kMaxSecretNameLength) {
    return Status::InvalidArgument("a secret name is 1-" + std::to_string(kMaxSecretNameLength) +
                                   " characters (got " + std::to_string(name.size()) + ")");
  }
  for (unsigned char c : name) {
    if (!std::isalnum(c) && c != '_' && c != '.' && c != '-') {
      // Not echoed: a name that breaks the rule may be a pasted value.
      return Status::InvalidArgument(
          "a secret name may only contain letters, digits and _ . - (pass the secret's name, "
          "never its value)");
    }
  }
  if (name.find_first_not_of('.') == std::string_view::npos) {
    return Status::InvalidArgument("secret name '" + std::string(name) +
                                   "' must not be made of dots only");
  }
  return Status::Ok();
}

std::string SecretEnvironmentName(std::string_view name) {
  std::string env = "SCANFLEET_SECRET_";
  for (unsigned char c : name) {
    env += std::isalnum(c) ? static_cast<char>(std::toupper(c)) : '_';
  }
  return env;
}

}  // namespace scanfleet
