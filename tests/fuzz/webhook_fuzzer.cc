// libFuzzer target: a webhook delivery (forge chosen by the first byte, the
// rest is the body) through EvaluateWebhook: header checks, JSON, repository
// lookup, signature verification and push mapping. Half the inputs carry a
// valid signature so the payload parser behind the verifier is reached.
#include <cstddef>
#include <cstdint>
#include <string>

#include "controller/triggers/webhook_request.h"
#include "controller/triggers/webhook_signature.h"

namespace {

scanfleet::ReposFile Repos() {
  scanfleet::ReposFile file;
  for (auto forge :
       {scanfleet::Forge::kGitHub, scanfleet::Forge::kGitea, scanfleet::Forge::kGitLab}) {
    scanfleet::RepoEntry repo;
    repo.name = std::string(scanfleet::ForgeName(forge));
    repo.forge = forge;
    repo.repository = forge == scanfleet::Forge::kGitLab ? "platform/sample" : "acme/sample";
    repo.clone_url = "https://git.example/sample.git";
    repo.branches = {"main", "release/*"};
    repo.secret = "fuzz-secret";
    file.repos.push_back(repo);
  }
  return file;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const scanfleet::ReposFile repos = Repos();
  if (size == 0) return 0;
  uint8_t selector = data[0];
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  bool sign = selector & 0x10;
  scanfleet::HttpHeaders headers = {{"Content-Type", "application/json"}};
  switch (selector % 3) {
    case 0:
      headers["X-GitHub-Event"] = selector & 0x20 ? "ping" : "push";
      headers["X-GitHub-Delivery"] = "d1";
      headers["X-Hub-Signature-256"] =
          sign ? "sha256=" + scanfleet::HmacSha256Hex("fuzz-secret", body) : body.substr(0, 71);
      break;
    case 1:
      headers["X-Gitea-Event"] = "push";
      headers["X-Gitea-Delivery"] = "d2";
      headers["X-Gitea-Signature"] =
          sign ? scanfleet::HmacSha256Hex("fuzz-secret", body) : body.substr(0, 64);
      break;
    default:
      headers["X-Gitlab-Event"] = "Push Hook";
      headers["X-Gitlab-Event-UUID"] = "d3";
      headers["X-Gitlab-Token"] = sign ? "fuzz-secret" : body.substr(0, 16);
      break;
  }
  scanfleet::WebhookVerdict verdict = scanfleet::EvaluateWebhook(repos, headers, body);
  if (verdict.submit && verdict.http_status != 202) __builtin_trap();
  if (verdict.http_status == 202 && !sign) __builtin_trap();  // accepted without the secret
  return 0;
}
