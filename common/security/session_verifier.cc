#include "common/security/session_verifier.h"

#include <sodium.h>

#include <cstdlib>
#include <vector>

#include "common/security/session_mac.h"

namespace scanfleet {

SessionVerifier::SessionVerifier(KeyPair controller, int64_t window_ms, size_t max_sessions)
    : controller_(std::move(controller)), window_ms_(window_ms), max_sessions_(max_sessions) {
  SF_CHECK(sodium_init() >= 0);
}

Status SessionVerifier::Open(const std::string& worker_id, const PublicKey& worker_key,
                             std::string_view session_id) {
  std::string id(session_id);
  auto existing = sessions_.find(id);
  if (existing != sessions_.end()) {
    if (existing->second.worker_id == worker_id && existing->second.key_id == worker_key.key_id) {
      return Status::Ok();  // a re-sent hello: the counter goes on
    }
    return Status::PermissionDenied("session id already in use by another worker or key");
  }
  auto current = session_of_worker_.find(worker_id);
  if (current == session_of_worker_.end() && sessions_.size() >= max_sessions_) {
    return Status::ResourceExhausted("the session table is full (" + std::to_string(max_sessions_) +
                                     " sessions)");
  }
  ASSIGN_OR_RETURN(std::string key, DeriveControllerSideSessionKey(controller_, worker_key, id));
  if (current != session_of_worker_.end()) Erase(current->second);
  sessions_[id] = Session{std::move(key), worker_id, worker_key.key_id, worker_key.name, 0};
  session_of_worker_[worker_id] = id;
  ++counters_.opened;
  return Status::Ok();
}

StatusOr<std::string> SessionVerifier::Verify(std::string_view header_bytes, std::string_view mac,
                                              std::string_view body, int64_t now_ms) {
  auto header = DecodeSessionHeader(header_bytes);
  if (!header.ok() || mac.size() != kSessionMacBytes) {
    ++counters_.malformed;
    return header.ok() ? Status::DataLoss("session MAC is " + std::to_string(mac.size()) +
                                          " bytes, not " + std::to_string(kSessionMacBytes))
                       : header.status();
  }
  auto it = sessions_.find(header->session_id);
  if (it == sessions_.end()) {
    ++counters_.unknown_session;
    return Status::PermissionDenied(
        "frame of an unknown session (never opened, replaced by a newer hello, dropped, or "
        "opened before this controller started); its worker says hello again");
  }
  Session& session = it->second;
  std::string expected = SessionMac(session.key, header_bytes, body);
  if (crypto_verify_32(reinterpret_cast<const unsigned char*>(expected.data()),
                       reinterpret_cast<const unsigned char*>(mac.data())) != 0) {
    ++counters_.bad_mac;
    return Status::PermissionDenied("bad session MAC (session of worker " + session.worker_id +
                                    ", key " + session.key_name + ")");
  }
  if (std::llabs(now_ms - header->issued_at_ms) > window_ms_) {
    ++counters_.out_of_window;
    return Status::PermissionDenied("session frame issued " +
                                    std::to_string(now_ms - header->issued_at_ms) +
                                    " ms ago, outside the " + std::to_string(window_ms_) +
                                    " ms window (worker " + session.worker_id + ")");
  }
  if (header->counter <= session.last_counter) {
    ++counters_.replayed;
    return Status::PermissionDenied(
        "replayed session frame (counter " + std::to_string(header->counter) + ", last taken " +
        std::to_string(session.last_counter) + ", worker " + session.worker_id + ")");
  }
  session.last_counter = header->counter;
  ++counters_.verified;
  return session.worker_id;
}

std::string SessionVerifier::SessionOf(const std::string& worker_id) const {
  auto it = session_of_worker_.find(worker_id);
  return it == session_of_worker_.end() ? std::string() : it->second;
}

void SessionVerifier::Erase(const std::string& session_id) {
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return;
  auto owner = session_of_worker_.find(it->second.worker_id);
  if (owner != session_of_worker_.end() && owner->second == session_id) {
    session_of_worker_.erase(owner);
  }
  sodium_memzero(it->second.key.data(), it->second.key.size());
  sessions_.erase(it);
}

void SessionVerifier::ForgetWorker(const std::string& worker_id) {
  auto it = session_of_worker_.find(worker_id);
  if (it == session_of_worker_.end()) return;
  Erase(std::string(it->second));
  ++counters_.dropped;
}

size_t SessionVerifier::DropSessionsNotOf(const std::set<std::string>& allowed_key_ids) {
  std::vector<std::string> revoked;
  for (const auto& [id, session] : sessions_) {
    if (!allowed_key_ids.count(session.key_id)) revoked.push_back(id);
  }
  for (const std::string& id : revoked) Erase(id);
  counters_.dropped += revoked.size();
  return revoked.size();
}

}  // namespace scanfleet
