#include "common/security/zap_authorizer.h"

#include <spdlog/spdlog.h>

namespace scanfleet {

StatusOr<ZapPolicy> ZapPolicy::LoadDeployment(const std::string& authorized_dir) {
  ZapPolicy policy;
  for (const char* role : {"workers", "clients", "subscribers"}) {
    auto keys = LoadPublicKeyDir(authorized_dir + "/" + role);
    if (!keys.ok()) return keys.status().WithContext("authorized keys");
    policy.keys_by_role[role] = std::move(*keys);
  }
  // Workers use the API only to learn endpoints; subscribers to replay events.
  policy.roles_by_domain["api"] = {"clients", "workers", "subscribers"};
  policy.roles_by_domain["workers"] = {"workers"};
  policy.roles_by_domain["events"] = {"subscribers", "clients"};
  return policy;
}

ZapPolicy::Decision ZapPolicy::Decide(const std::string& domain, const std::string& mechanism,
                                      const std::string& client_key) const {
  if (mechanism != "CURVE") return {false, "", "mechanism " + mechanism + " is not allowed"};
  auto roles = roles_by_domain.find(domain);
  if (roles == roles_by_domain.end()) return {false, "", "unknown ZAP domain '" + domain + "'"};
  for (const std::string& role : roles->second) {
    auto keys = keys_by_role.find(role);
    if (keys == keys_by_role.end()) continue;
    for (const PublicKey& key : keys->second) {
      if (key.curve_public == client_key) return {true, role + ":" + key.name, ""};
    }
  }
  std::string shown = client_key.size() == 32 ? Z85Encode(client_key).substr(0, 10) + "..." : "?";
  return {false, "", "key " + shown + " is not allowed on '" + domain + "'"};
}

std::vector<PublicKey> ZapPolicy::KeysOf(const std::string& role) const {
  auto it = keys_by_role.find(role);
  return it == keys_by_role.end() ? std::vector<PublicKey>() : it->second;
}

bool ZapPolicy::Allows(const std::string& domain, const std::string& user_id) const {
  size_t colon = user_id.find(':');
  if (colon == std::string::npos) return false;
  std::string role = user_id.substr(0, colon);
  std::string name = user_id.substr(colon + 1);
  auto roles = roles_by_domain.find(domain);
  if (roles == roles_by_domain.end() || !roles->second.count(role)) return false;
  for (const PublicKey& key : KeysOf(role)) {
    if (key.name == name) return true;
  }
  return false;
}

std::set<std::string> ZapPolicy::UsersOf(const std::string& domain) const {
  std::set<std::string> users;
  auto roles = roles_by_domain.find(domain);
  if (roles == roles_by_domain.end()) return users;
  for (const std::string& role : roles->second) {
    // The key itself is part of the entry: a name whose key was replaced
    // counts as revoked.
    for (const PublicKey& key : KeysOf(role))
      users.insert(role + ":" + key.name + "/" + key.key_id);
  }
  return users;
}

ZapAuthorizer::ZapAuthorizer(Context& context, ZapPolicy policy)
    : context_(context), policy_(std::make_shared<const ZapPolicy>(std::move(policy))) {}

ZapAuthorizer::~ZapAuthorizer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

Status ZapAuthorizer::Start() {
  SocketOptions options;
  options.linger_ms = 0;
  ASSIGN_OR_RETURN(Socket socket, Socket::Bind(context_, SocketKind::kRep, kZapEndpoint, options));
  thread_ = std::thread([this, s = std::move(socket)]() mutable { Run(std::move(s)); });
  return Status::Ok();
}

void ZapAuthorizer::Reload(ZapPolicy policy) {
  auto fresh = std::make_shared<const ZapPolicy>(std::move(policy));
  std::lock_guard<std::mutex> lock(mutex_);
  policy_ = std::move(fresh);
}

std::shared_ptr<const ZapPolicy> ZapAuthorizer::Policy() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return policy_;
}

bool ZapAuthorizer::Allows(const std::string& domain, const std::string& user_id) const {
  return Policy()->Allows(domain, user_id);
}

std::set<std::string> ZapAuthorizer::UsersOf(const std::string& domain) const {
  return Policy()->UsersOf(domain);
}

Frames ZapAuthorizer::Answer(const Frames& request) {
  // version, request id, domain, address, identity, mechanism, credentials...
  std::string request_id = request.size() > 1 ? request[1] : "";
  if (request.size() < 6 || request[0] != "1.0") {
    ++denied_;
    return {"1.0", request_id, "400", "malformed ZAP request", "", ""};
  }
  std::shared_ptr<const ZapPolicy> policy = Policy();
  std::string key = request.size() > 6 ? request[6] : "";
  ZapPolicy::Decision decision = policy->Decide(request[2], request[5], key);
  if (!decision.allowed) {
    ++denied_;
    spdlog::warn("refused connection from {}: {}", request[3], decision.reason);
    return {"1.0", request_id, "400", decision.reason.substr(0, 200), "", ""};
  }
  ++allowed_;
  return {"1.0", request_id, "200", "OK", decision.user_id, ""};
}

void ZapAuthorizer::Run(Socket socket) {
  while (!stop_) {
    auto request = socket.ReceiveWithin(100);
    if (!request.ok()) {
      spdlog::error("ZAP handler stopped: {}", request.status().ToString());
      return;
    }
    if (!*request) continue;
    Status sent = socket.Send(Answer(**request));
    if (!sent.ok()) spdlog::warn("ZAP reply not sent: {}", sent.ToString());
  }
}

}  // namespace scanfleet
