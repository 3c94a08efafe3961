// Session MACs: the cheap per-frame authenticator of worker frames
// (docs/SECURITY.md "Session MACs", docs/PROTOCOL.md "Authenticated frames").
//
// A worker's hello is Ed25519-signed and names a random 16-byte session id.
// Both ends derive the session key from their static Curve25519 keys and the
// id: libsodium's crypto_kx (X25519 of the worker's and the controller's
// Curve keys, hashed with both public keys) gives the worker-to-controller
// key, and a keyed BLAKE2b of "scanfleet.session.v1\0" + session id makes it
// the session's. Only the holders of the worker's or the controller's Curve
// secret can compute it. Once the controller has acknowledged the session,
// every frame the worker sends travels as [body, SessionHeader, mac]:
//
//   SessionHeader, 36 bytes: "sfm1" | session id (16) | counter (u64 BE)
//                            | issued-at ms (i64 BE)
//   mac, 32 bytes: BLAKE2b-256 keyed with the session key over header || body
//
// The counter starts at 1 and grows by one per frame: the receiver takes a
// frame only when its counter is above the last one it took (replays and
// reordered copies are refused), and only within its time window. The header
// is a fixed layout, not protobuf, so the receiver checks it without a parser
// and it can never be mistaken for a SignedHeader (whose first byte is 0x0a).
//
// This file holds the header codec (a pure decoder of untrusted bytes,
// fuzzed by fuzz_session_header), the key derivation and the worker's
// SessionSealer. The controller's session table is session_verifier.h.
// Thread-safety: functions are reentrant; a SessionSealer belongs to one
// thread (the worker's loop).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/security/keys.h"
#include "common/status/status.h"
#include "common/transport/zmq_socket.h"

namespace scanfleet {

inline constexpr size_t kSessionIdBytes = 16;
inline constexpr size_t kSessionKeyBytes = 32;
inline constexpr size_t kSessionHeaderBytes = 36;
inline constexpr size_t kSessionMacBytes = 32;
inline constexpr std::string_view kSessionHeaderMagic = "sfm1";

struct SessionHeader {
  std::string session_id;  // kSessionIdBytes
  uint64_t counter = 0;    // 1, 2, ... per frame of the session
  int64_t issued_at_ms = 0;
};

std::string EncodeSessionHeader(const SessionHeader& header);

// True when `bytes` starts like a session header (the magic): the frame is
// to be checked as a session frame, not as a signed one.
bool LooksLikeSessionHeader(std::string_view bytes);

// The header, or DataLoss naming what is wrong (size, magic). Never reads
// past `bytes`.
StatusOr<SessionHeader> DecodeSessionHeader(std::string_view bytes);

// The session key, as the worker computes it (its key pair, the controller's
// public key) and as the controller does (its key pair, the worker's public
// key): both give the same 32 bytes. InvalidArgument when a key has the wrong
// size or the X25519 result is degenerate (a malicious low-order public key).
StatusOr<std::string> DeriveWorkerSideSessionKey(const KeyPair& worker, const PublicKey& controller,
                                                 std::string_view session_id);
StatusOr<std::string> DeriveControllerSideSessionKey(const KeyPair& controller,
                                                     const PublicKey& worker,
                                                     std::string_view session_id);

// The 32-byte MAC of a frame: keyed BLAKE2b-256 over header || body.
std::string SessionMac(std::string_view key, std::string_view header, std::string_view body);

// The worker's end of one session: a fresh random id, the derived key and
// the counter of the frames it sealed.
class SessionSealer {
 public:
  static StatusOr<SessionSealer> Open(const KeyPair& worker, const PublicKey& controller);

  const std::string& session_id() const { return session_id_; }

  // [body, header, mac] with the next counter.
  Frames Seal(std::string body, int64_t now_ms);

 private:
  SessionSealer(std::string session_id, std::string key)
      : session_id_(std::move(session_id)), key_(std::move(key)) {}

  std::string session_id_;
  std::string key_;
  uint64_t counter_ = 0;
};

}  // namespace scanfleet
