// SessionVerifier: the controller's table of worker MAC sessions and the
// check of every session frame [body, SessionHeader, mac] (session_mac.h).
//
// A session is opened by a worker's Ed25519-signed hello (the signature says
// which allowed key speaks; the session key is derived from that key's Curve
// public key). One session per worker id: a hello naming a new id replaces
// the worker's previous session. Verify() checks, in order, before a byte of
// the body is parsed: the header's size and magic, that the session is open,
// the MAC (constant time), the issued-at within the window, and that the
// counter is above the last one taken; it then returns the worker id the
// session belongs to, which the caller binds to the envelope's sender. Every
// rejection is counted by reason.
//
// Sessions live in memory only: after a restart every session is unknown, the
// worker's frames are refused (counted as unknown_session) until it says hello
// again, which it does when it sees the controller's new incarnation. Keys
// revoked by a reload lose their sessions (DropSessionsNotOf); forgotten
// workers lose theirs (ForgetWorker). The table holds at most max_sessions:
// a hello beyond that opens none and its worker keeps signing every frame.
// Thread-safety: owned by one thread (the controller's loop).
#pragma once

#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/security/keys.h"
#include "common/status/status.h"

namespace scanfleet {

struct SessionCounters {
  std::atomic<uint64_t> verified{0};
  std::atomic<uint64_t> malformed{0};  // header of the wrong size or shape, MAC not 32 bytes
  std::atomic<uint64_t> unknown_session{
      0};                            // never opened, replaced, dropped, or the controller restarted
  std::atomic<uint64_t> bad_mac{0};  // tampered header or body, or a wrong key
  std::atomic<uint64_t> out_of_window{0};  // issued too long ago or in the future
  std::atomic<uint64_t> replayed{0};       // counter not above the last one taken
  std::atomic<uint64_t> opened{0};         // sessions opened by hellos
  std::atomic<uint64_t> dropped{0};        // sessions dropped: revoked key or forgotten worker
  uint64_t rejected() const {
    return malformed + unknown_session + bad_mac + out_of_window + replayed;
  }
};

class SessionVerifier {
 public:
  // `controller`: the controller's key pair (its Curve secret derives the
  // keys). `window_ms`: how far issued-at may be from the receiver's clock.
  SessionVerifier(KeyPair controller, int64_t window_ms, size_t max_sessions = 65536);

  // Opens the session `session_id` for `worker_id`, whose verified hello was
  // signed by `worker_key`. The same id again for the same worker and key
  // keeps its counter (a re-sent hello); another worker or key naming an id
  // in use is refused. ResourceExhausted when the table is full.
  Status Open(const std::string& worker_id, const PublicKey& worker_key,
              std::string_view session_id);

  // The worker id of a verified session frame, or PermissionDenied /
  // DataLoss naming the reason.
  StatusOr<std::string> Verify(std::string_view header, std::string_view mac, std::string_view body,
                               int64_t now_ms);

  // The id of the worker's open session, or "" when it has none.
  std::string SessionOf(const std::string& worker_id) const;
  // Drops the worker's session, if any.
  void ForgetWorker(const std::string& worker_id);
  // Drops every session whose key id is not in `allowed_key_ids`; returns
  // how many were dropped.
  size_t DropSessionsNotOf(const std::set<std::string>& allowed_key_ids);

  size_t size() const { return sessions_.size(); }
  const SessionCounters& counters() const { return counters_; }

 private:
  struct Session {
    std::string key;        // kSessionKeyBytes
    std::string worker_id;  // the worker whose hello opened it
    std::string key_id;     // the key that signed that hello
    std::string key_name;   // for logs
    uint64_t last_counter = 0;
  };
  void Erase(const std::string& session_id);

  KeyPair controller_;
  int64_t window_ms_;
  size_t max_sessions_;
  std::unordered_map<std::string, Session> sessions_;               // by session id
  std::unordered_map<std::string, std::string> session_of_worker_;  // worker id -> session id
  SessionCounters counters_;
};

}  // namespace scanfleet
