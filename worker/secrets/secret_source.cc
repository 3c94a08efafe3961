// Secret resolution from a directory or the environment; see secret_source.h.
#include "worker/secrets/secret_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/secrets/secret_name.h"

namespace scanfleet {

namespace {

std::optional<std::string> ProcessEnvironment(const std::string& variable) {
  const char* value = std::getenv(variable.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::string OctalMode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

void StripOneTrailingNewline(std::string& value) {
  if (!value.empty() && value.back() == '\n') value.pop_back();
  if (!value.empty() && value.back() == '\r') value.pop_back();
}

}  // namespace

SecretSource::SecretSource(std::string secrets_dir, EnvironmentLookup lookup)
    : secrets_dir_(std::move(secrets_dir)),
      lookup_(lookup ? std::move(lookup) : EnvironmentLookup(ProcessEnvironment)) {}

StatusOr<std::string> SecretSource::ReadSecretFile(const std::string& path,
                                                   std::string_view name) const {
  std::string what = "secret '" + std::string(name) + "' (" + path + ")";
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return Status::DataLoss("cannot open " + what + ": " + std::strerror(errno));
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    close(fd);
    return Status::DataLoss(what + " is not a regular file");
  }
  if ((info.st_mode & (S_IRGRP | S_IROTH)) != 0) {
    close(fd);
    return Status::PermissionDenied(what + " has mode " + OctalMode(info.st_mode) +
                                    " and is readable by group or others; refusing it (chmod "
                                    "600 it)");
  }
  if (static_cast<size_t>(info.st_size) > kMaxSecretValueBytes) {
    close(fd);
    return Status::DataLoss(what + " is larger than " + std::to_string(kMaxSecretValueBytes) +
                            " bytes");
  }
  std::string value(static_cast<size_t>(info.st_size), '\0');
  size_t filled = 0;
  while (filled < value.size()) {
    ssize_t got = read(fd, value.data() + filled, value.size() - filled);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    filled += static_cast<size_t>(got);
  }
  close(fd);
  value.resize(filled);
  StripOneTrailingNewline(value);
  return value;
}

StatusOr<std::string> SecretSource::Resolve(std::string_view name) const {
  RETURN_IF_ERROR(ValidateSecretName(name));
  std::string looked_at;
  if (!secrets_dir_.empty()) {
    std::string path = secrets_dir_ + "/" + std::string(name);
    struct stat info;
    if (stat(path.c_str(), &info) == 0) return ReadSecretFile(path, name);
    looked_at = path + " or ";
  }
  std::string variable = SecretEnvironmentName(name);
  if (std::optional<std::string> value = lookup_(variable)) {
    if (value->size() > kMaxSecretValueBytes) {
      return Status::DataLoss("secret '" + std::string(name) + "' ($" + variable +
                              ") is larger than " + std::to_string(kMaxSecretValueBytes) +
                              " bytes");
    }
    return *value;
  }
  return Status::NotFound("secret '" + std::string(name) + "' is not known to this worker (no " +
                          looked_at + "$" + variable + ")");
}

StatusOr<std::map<std::string, std::string>> SecretSource::ResolveAll(
    const std::vector<std::string>& names) const {
  std::map<std::string, std::string> values;
  for (const std::string& name : names) {
    if (values.count(name)) continue;
    ASSIGN_OR_RETURN(values[name], Resolve(name));
  }
  return values;
}

}  // namespace scanfleet
