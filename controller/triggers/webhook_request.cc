#include "controller/triggers/webhook_request.h"

#include <strings.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "controller/triggers/webhook_signature.h"

namespace scanfleet {

namespace {

using Json = nlohmann::json;

constexpr size_t kMaxDeliveryIdLength = 128;
constexpr std::string_view kBranchPrefix = "refs/heads/";
constexpr std::string_view kTagPrefix = "refs/tags/";

WebhookVerdict Verdict(int status, std::string reason, std::string message) {
  WebhookVerdict verdict;
  verdict.http_status = status;
  verdict.reason = std::move(reason);
  verdict.message = std::move(message);
  return verdict;
}

std::string Header(const HttpHeaders& headers, const std::string& name) {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

struct ForgeHeaders {
  Forge forge;
  std::string event;
  std::string delivery;
};

std::optional<ForgeHeaders> DetectForge(const HttpHeaders& headers) {
  // Gitea also sends X-GitHub-Event for compatibility: look for it first.
  if (auto event = Header(headers, "X-Gitea-Event"); !event.empty()) {
    return ForgeHeaders{Forge::kGitea, event, Header(headers, "X-Gitea-Delivery")};
  }
  if (auto event = Header(headers, "X-Gitlab-Event"); !event.empty()) {
    std::string delivery = Header(headers, "X-Gitlab-Event-UUID");
    if (delivery.empty()) delivery = Header(headers, "X-Gitlab-Webhook-UUID");
    return ForgeHeaders{Forge::kGitLab, event, delivery};
  }
  if (auto event = Header(headers, "X-GitHub-Event"); !event.empty()) {
    return ForgeHeaders{Forge::kGitHub, event, Header(headers, "X-GitHub-Delivery")};
  }
  return std::nullopt;
}

bool IsJsonContentType(std::string_view value) {
  std::string_view type = value.substr(0, value.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type.size() == 16 && strncasecmp(type.data(), "application/json", 16) == 0;
}

bool ValidDeliveryId(std::string_view id) {
  if (id.empty() || id.size() > kMaxDeliveryIdLength) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

bool IsCommitId(std::string_view sha) {
  if (sha.size() != 40 && sha.size() != 64) return false;
  return std::all_of(sha.begin(), sha.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// repository.full_name (GitHub, Gitea) or project.path_with_namespace (GitLab).
std::optional<std::string> RepositoryIdentity(Forge forge, const Json& doc) {
  const char* object = forge == Forge::kGitLab ? "project" : "repository";
  const char* field = forge == Forge::kGitLab ? "path_with_namespace" : "full_name";
  auto it = doc.find(object);
  if (it == doc.end() || !it->is_object()) return std::nullopt;
  auto name = it->find(field);
  if (name == it->end() || !name->is_string() || name->get<std::string>().empty()) {
    return std::nullopt;
  }
  return name->get<std::string>();
}

std::optional<std::string> StringField(const Json& doc, const char* field) {
  auto it = doc.find(field);
  if (it == doc.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

bool HeaderNameLess::operator()(const std::string& a, const std::string& b) const {
  return strcasecmp(a.c_str(), b.c_str()) < 0;
}

WebhookVerdict EvaluateWebhook(const ReposFile& repos, const HttpHeaders& headers,
                               std::string_view body) {
  std::optional<ForgeHeaders> forge = DetectForge(headers);
  if (!forge) {
    return Verdict(400, "unknown_forge",
                   "no X-GitHub-Event, X-Gitea-Event or X-Gitlab-Event header");
  }
  std::string forge_name(ForgeName(forge->forge));
  if (!IsJsonContentType(Header(headers, "Content-Type"))) {
    return Verdict(400, "bad_content_type",
                   "Content-Type must be application/json (set the webhook's content type "
                   "to JSON)");
  }
  if (!ValidDeliveryId(forge->delivery)) {
    return Verdict(400, "missing_delivery",
                   "missing or malformed delivery id header from " + forge_name);
  }
  Json doc = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Verdict(400, "malformed", "body is not a JSON object");
  }
  std::optional<std::string> identity = RepositoryIdentity(forge->forge, doc);
  if (!identity) {
    return Verdict(400, "malformed",
                   forge->forge == Forge::kGitLab ? "body has no project.path_with_namespace"
                                                  : "body has no repository.full_name");
  }
  const RepoEntry* repo = repos.FindByIdentity(forge->forge, *identity);
  if (!repo) {
    return Verdict(404, "unknown_repo",
                   forge_name + " repository '" + *identity + "' is not in --repos");
  }
  Status verified =
      forge->forge == Forge::kGitHub
          ? VerifyHmacSignature(repo->secret, body, Header(headers, "X-Hub-Signature-256"),
                                "sha256=")
      : forge->forge == Forge::kGitea
          ? VerifyHmacSignature(repo->secret, body, Header(headers, "X-Gitea-Signature"), "")
          : VerifySharedToken(repo->secret, Header(headers, "X-Gitlab-Token"));
  if (!verified.ok()) {
    bool missing = verified.code() == StatusCode::kNotFound;
    return Verdict(401, missing ? "missing_signature" : "bad_signature", verified.message());
  }
  if (forge->forge == Forge::kGitHub && forge->event == "ping") {
    return Verdict(200, "ping", "pong");
  }
  bool push = forge->forge == Forge::kGitLab ? forge->event == "Push Hook" : forge->event == "push";
  if (!push) return Verdict(200, "ignored_event", "event '" + forge->event + "' is not scanned");
  std::optional<std::string> ref = StringField(doc, "ref");
  std::optional<std::string> after = StringField(doc, "after");
  if (!ref || !after) return Verdict(400, "malformed", "push body has no string ref and after");
  if (ref->rfind(kTagPrefix, 0) == 0)
    return Verdict(200, "ignored_tag", "tag pushes are not scanned");
  if (ref->rfind(kBranchPrefix, 0) != 0 || ref->size() == kBranchPrefix.size()) {
    return Verdict(200, "ignored_event", "ref '" + *ref + "' is not a branch");
  }
  if (!IsCommitId(*after)) return Verdict(400, "malformed", "after is not a commit id");
  if (after->find_first_not_of('0') == std::string::npos) {
    return Verdict(200, "ignored_deletion", "branch deletion: nothing to scan");
  }
  std::string branch = ref->substr(kBranchPrefix.size());
  if (!BranchAllowed(*repo, branch)) {
    return Verdict(200, "ignored_branch",
                   "branch '" + branch + "' matches none of " + repo->name + "'s branch filters");
  }
  WebhookVerdict verdict = Verdict(202, "accepted", "push to " + branch + " at " + *after);
  v1::SubmitScanRequest& submit = verdict.submit.emplace();
  submit.mutable_target()->set_repo(repo->clone_url);
  submit.mutable_target()->set_ref(*after);
  submit.mutable_target()->set_branch(branch);
  submit.set_profile(repo->profile);
  submit.set_trigger("webhook:" + forge_name);
  submit.set_idempotency_key("webhook:" + forge_name + ":" + forge->delivery);
  return verdict;
}

}  // namespace scanfleet
