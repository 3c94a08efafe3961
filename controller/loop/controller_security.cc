#include "controller/loop/controller_security.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "common/security/checkpoint_signing.h"
#include "common/security/session_mac.h"

namespace scanfleet {

StatusOr<std::unique_ptr<ControllerSecurity>> ControllerSecurity::Start(
    Context& context, const ControllerConfig& config) {
  if (config.secret_key_file.empty()) {
    return Status::InvalidArgument(
        "no --secret-key: create keys with `scanfleet keys generate controller --out DIR` "
        "(see docs/SECURITY.md), or pass --insecure-dev for a plaintext development setup");
  }
  if (config.authorized_keys_dir.empty()) {
    return Status::InvalidArgument(
        "no --authorized-keys: the directory holding workers/, clients/ and subscribers/ "
        "public keys (see docs/SECURITY.md)");
  }
  ASSIGN_OR_RETURN(KeyPair key, LoadKeyPair(config.secret_key_file));
  ASSIGN_OR_RETURN(ZapPolicy policy, ZapPolicy::LoadDeployment(config.authorized_keys_dir));
  size_t workers = policy.KeysOf("workers").size();
  size_t clients = policy.KeysOf("clients").size();
  size_t subscribers = policy.KeysOf("subscribers").size();
  auto zap = std::make_unique<ZapAuthorizer>(context, policy);
  RETURN_IF_ERROR(zap->Start());
  spdlog::info("CurveZMQ on, key {} ({}); allowed keys: {} workers, {} clients, {} subscribers",
               key.public_key.name, key.public_key.key_id, workers, clients, subscribers);
  return std::unique_ptr<ControllerSecurity>(
      new ControllerSecurity(config, std::move(key), std::move(policy), std::move(zap)));
}

ControllerSecurity::ControllerSecurity(const ControllerConfig& config, KeyPair key,
                                       ZapPolicy policy, std::unique_ptr<ZapAuthorizer> zap)
    : authorized_keys_dir_(config.authorized_keys_dir),
      key_(key),
      zap_(std::move(zap)),
      verifier_(policy.KeysOf("workers"), config.signature_window_ms),
      sessions_(key, config.signature_window_ms),
      signer_(std::move(key)) {}

CurveOptions ControllerSecurity::ServerCurve(const std::string& domain) const {
  CurveOptions curve;
  curve.role = CurveOptions::Role::kServer;
  curve.public_key = key_.public_key.curve_public;
  curve.secret_key = key_.curve_secret;
  curve.zap_domain = domain;
  return curve;
}

StatusOr<WorkerFrameAuth> ControllerSecurity::VerifyWorkerFrames(const Frames& frames,
                                                                 int64_t now_ms) {
  WorkerFrameAuth auth;
  if (frames.size() != 3) {
    // Counted as malformed by the verifier's rules: no header to check.
    return verifier_.Verify("", "", "", now_ms).status();
  }
  if (LooksLikeSessionHeader(frames[1])) {
    ASSIGN_OR_RETURN(auth.session_worker_id,
                     sessions_.Verify(frames[1], frames[2], frames[0], now_ms));
    return auth;
  }
  ASSIGN_OR_RETURN(auth.signed_header, verifier_.Verify(frames[1], frames[2], frames[0], now_ms));
  return auth;
}

Status ControllerSecurity::CheckWorkerFrame(const WorkerFrameAuth& auth,
                                            const v1::Envelope& envelope) {
  if (auth.signed_header) return CheckHeaderMatches(*auth.signed_header, envelope);
  if (!envelope.has_worker_batch()) {
    return Status::PermissionDenied("a session frame carries only worker batches");
  }
  if (envelope.sender() != auth.session_worker_id) {
    return Status::PermissionDenied("the session of worker '" + auth.session_worker_id +
                                    "' carried a batch of '" + envelope.sender().substr(0, 128) +
                                    "'");
  }
  if (envelope.worker_batch().has_hello()) {
    return Status::PermissionDenied("a hello opens a session and must be signed, not MAC'd");
  }
  return Status::Ok();
}

std::string ControllerSecurity::OpenSession(const WorkerFrameAuth& auth,
                                            const std::string& worker_id,
                                            const std::string& session_id) {
  if (session_id.empty() || !auth.signed_header) return "";
  const PublicKey* key = verifier_.FindSigner(auth.signed_header->key_id());
  if (key == nullptr) return "";  // revoked between its verification and now: impossible today
  Status opened = sessions_.Open(worker_id, *key, session_id);
  if (!opened.ok()) {
    spdlog::warn("worker {} keeps signing every frame: no MAC session ({})", worker_id,
                 opened.message());
    return "";
  }
  return session_id;
}

Frames ControllerSecurity::SignPage(const std::string& topic, std::string envelope_frame,
                                    int64_t now_ms) const {
  SignedParts parts = signer_.Sign("event_page", 0, 0, envelope_frame, now_ms);
  return Frames{topic, std::move(envelope_frame), std::move(parts.header),
                std::move(parts.signature)};
}

v1::LogCheckpoint ControllerSecurity::SignCheckpoint(uint64_t seq, std::string chain_hash,
                                                     int64_t now_ms) const {
  return scanfleet::SignCheckpoint(key_, seq, std::move(chain_hash), now_ms);
}

Status ControllerSecurity::AuthorizeApi(const std::string& peer_user,
                                        const v1::ApiRequest& request) const {
  if (!zap_->Allows("api", peer_user)) {
    return Status::PermissionDenied("key '" + peer_user +
                                    "' was revoked since it connected (SIGHUP)");
  }
  std::string role = peer_user.substr(0, peer_user.find(':'));
  if (role == "clients") return Status::Ok();
  if ((role == "workers" || role == "subscribers") && request.has_get_endpoints()) {
    return Status::Ok();
  }
  return Status::PermissionDenied("key '" + peer_user +
                                  "' may only ask for endpoints (and replay events on the "
                                  "replay socket); scans need a key listed under clients/");
}

StatusOr<bool> ControllerSecurity::Reload() {
  auto policy = ZapPolicy::LoadDeployment(authorized_keys_dir_);
  if (!policy.ok()) {
    spdlog::error("key reload failed, the previous allowlists stay in force: {}",
                  policy.status().ToString());
    return policy.status();
  }
  std::set<std::string> readers_before = zap_->UsersOf("events");
  std::set<std::string> readers_after = policy->UsersOf("events");
  bool readers_revoked =
      std::any_of(readers_before.begin(), readers_before.end(),
                  [&](const std::string& user) { return !readers_after.count(user); });
  std::vector<PublicKey> workers = policy->KeysOf("workers");
  std::set<std::string> worker_key_ids;
  for (const PublicKey& key : workers) worker_key_ids.insert(key.key_id);
  verifier_.ResetSigners(std::move(workers));
  // A revoked key's sessions end now: its next MAC'd frame is an unknown
  // session, and its next hello an unknown signer.
  if (size_t dropped = sessions_.DropSessionsNotOf(worker_key_ids); dropped > 0) {
    spdlog::info("dropped {} MAC sessions of revoked worker keys", dropped);
  }
  spdlog::info("reloaded allowed keys: {} workers, {} clients, {} subscribers",
               policy->KeysOf("workers").size(), policy->KeysOf("clients").size(),
               policy->KeysOf("subscribers").size());
  zap_->Reload(std::move(*policy));
  return readers_revoked;
}

}  // namespace scanfleet
