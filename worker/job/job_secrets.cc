// Secrets of one job; see job_secrets.h.
#include "worker/job/job_secrets.h"

#include <map>

#include "common/secrets/secret_name.h"
#include "common/wire/convert.h"

namespace scanfleet {

namespace {

std::string Base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    size_t rest = std::min<size_t>(3, bytes.size() - i);
    uint32_t group = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest > 1) group |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (rest > 2) group |= static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(group >> 18) & 63];
    out += kAlphabet[(group >> 12) & 63];
    out += rest > 1 ? kAlphabet[(group >> 6) & 63] : '=';
    out += rest > 2 ? kAlphabet[group & 63] : '=';
  }
  return out;
}

}  // namespace

StatusOr<std::vector<std::string>> GitTokenEnvironment(std::string_view repo,
                                                       std::string_view token) {
  constexpr std::string_view kHttps = "https://";
  if (repo.substr(0, kHttps.size()) != kHttps) {
    return Status::InvalidArgument("a repository token is only sent to an https:// repository");
  }
  if (token.find_first_of("\r\n") != std::string_view::npos) {
    return Status::InvalidArgument("the repository token contains a line break");
  }
  std::string_view authority = repo.substr(kHttps.size());
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority = authority.substr(at + 1);  // credentials in the URL are not part of the scope
  }
  if (authority.empty()) return Status::InvalidArgument("the repository URL has no host");
  std::string credentials = "x-access-token:" + std::string(token);
  return std::vector<std::string>{
      "GIT_CONFIG_COUNT=1",
      "GIT_CONFIG_KEY_0=http.https://" + std::string(authority) + "/.extraHeader",
      "GIT_CONFIG_VALUE_0=Authorization: Basic " + Base64(credentials),
  };
}

StatusOr<JobSecrets> ResolveJobSecrets(const v1::JobAssignment& job, const ScannerSpec& spec,
                                       const SecretSource& source) {
  std::map<std::string, std::string> values;
  auto resolve = [&](const std::string& name) -> StatusOr<std::string> {
    auto known = values.find(name);
    if (known != values.end()) return known->second;
    ASSIGN_OR_RETURN(std::string value, source.Resolve(name));
    values[name] = value;
    return value;
  };
  JobSecrets secrets;
  for (const std::string& name : job.target().secret_names()) {
    ASSIGN_OR_RETURN(std::string value, resolve(name));
    secrets.scanner_env.push_back(SecretEnvironmentName(name) + "=" + value);
  }
  for (const auto& [variable, name] : spec.secret_env) {
    auto value = resolve(name);
    if (!value.ok()) {
      return value.status().WithContext("scanner '" + spec.name + "' needs it as $" + variable);
    }
    secrets.scanner_env.push_back(variable + "=" + *value);
  }
  if (const std::string& name = job.target().repo_token_secret(); !name.empty()) {
    ASSIGN_OR_RETURN(std::string token, resolve(name));
    auto git_env = GitTokenEnvironment(job.target().repo(), token);
    if (!git_env.ok()) {
      return git_env.status().WithContext("repository token secret '" + name + "'");
    }
    secrets.git_env = std::move(git_env).value();
  }
  secrets.redactor = Redactor(values);
  return secrets;
}

namespace {

// Proto strings must stay UTF-8: a secret that began inside a multi-byte
// character leaves a partial one behind, which ValidUtf8 repairs.
void RedactField(const Redactor& redactor, std::string* field) {
  if (redactor.RedactInPlace(*field)) *field = ValidUtf8(*field);
}

}  // namespace

void RedactResult(const Redactor& redactor, v1::JobResult* result) {
  if (redactor.empty()) return;
  for (std::string* field : {result->mutable_error(), result->mutable_output_tail(),
                             result->mutable_resolved_commit(), result->mutable_tool_version()}) {
    RedactField(redactor, field);
  }
  for (v1::Finding& finding : *result->mutable_findings()) {
    for (std::string* field :
         {finding.mutable_tool(), finding.mutable_tool_version(), finding.mutable_rule_id(),
          finding.mutable_title(), finding.mutable_message(), finding.mutable_confidence(),
          finding.mutable_path(), finding.mutable_snippet(), finding.mutable_fingerprint(),
          finding.mutable_url(), finding.mutable_http_method(), finding.mutable_parameter(),
          finding.mutable_evidence()}) {
      RedactField(redactor, field);
    }
  }
}

}  // namespace scanfleet
