// Ed25519 signatures over a canonical header (type, job id, attempt, key id,
// issued-at, nonce, body hash); see SignedHeader in proto/scanfleet.proto.
//
// MessageSigner signs a body with a fresh nonce at every call (a re-sent
// result is signed again, never replayed). MessageVerifier checks, in order:
// header size and shape, key id known, signature, body hash, time window,
// nonce not seen within the window (whichever connection it came on) — before
// the body is parsed. Every rejection is counted by reason.
// Thread-safety: a signer or verifier belongs to one thread; Reset keys from
// that thread (the controller's loop on SIGHUP).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/security/keys.h"
#include "common/status/status.h"
#include "common/transport/zmq_socket.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

struct SignedParts {
  std::string header;     // serialized SignedHeader
  std::string signature;  // 64 bytes
};

class MessageSigner {
 public:
  explicit MessageSigner(KeyPair key);
  SignedParts Sign(std::string_view type, uint64_t job_id, uint32_t attempt, std::string_view body,
                   int64_t now_ms) const;
  const std::string& key_id() const { return key_.public_key.key_id; }

 private:
  KeyPair key_;
};

struct SignatureCounters {
  std::atomic<uint64_t> verified{0};
  std::atomic<uint64_t> malformed{0};      // missing frames, header not parseable
  std::atomic<uint64_t> unknown_key{0};    // key id not in the allowlist
  std::atomic<uint64_t> bad_signature{0};  // tampered header or wrong key
  std::atomic<uint64_t> body_mismatch{0};  // tampered body
  std::atomic<uint64_t> out_of_window{0};  // issued too long ago or in the future
  std::atomic<uint64_t> replayed{0};       // nonce seen before
  uint64_t rejected() const {
    return malformed + unknown_key + bad_signature + body_mismatch + out_of_window + replayed;
  }
};

class MessageVerifier {
 public:
  // window_ms: how far issued-at may be from the receiver's clock either way;
  // nonces are remembered that long (a replay older than that is out of window).
  MessageVerifier(std::vector<PublicKey> signers, int64_t window_ms);

  // Replaces the allowed signers (revoked keys are refused from now on).
  void ResetSigners(std::vector<PublicKey> signers);

  // The verified header, or PermissionDenied / DataLoss naming the reason.
  StatusOr<v1::SignedHeader> Verify(std::string_view header, std::string_view signature,
                                    std::string_view body, int64_t now_ms);

  // Name of the signer of a verified header, for logs.
  std::string SignerName(const std::string& key_id) const;
  // The allowed signer with this key id, or null.
  const PublicKey* FindSigner(const std::string& key_id) const;

  const SignatureCounters& counters() const { return counters_; }

 private:
  bool RememberNonce(const std::string& key_id, const std::string& nonce, int64_t now_ms);

  std::map<std::string, PublicKey> signers_;  // by key id
  int64_t window_ms_;
  std::unordered_set<std::string> nonces_;  // key id + nonce
  std::deque<std::pair<int64_t, std::string>> nonce_expiry_;
  SignatureCounters counters_;
};

// Frames of a signed worker batch: [frame, header, signature]. The type comes
// from the envelope the frame encodes; the header names no job (the body hash
// binds every message of the batch). SignFrame signs any body as given.
Frames SignEnvelopeFrame(const MessageSigner& signer, const v1::Envelope& envelope,
                         std::string frame, int64_t now_ms);
Frames SignFrame(const MessageSigner& signer, std::string_view type, uint64_t job_id,
                 uint32_t attempt, std::string frame, int64_t now_ms);

// The header type string for an envelope's body ("result", "heartbeat"...).
std::string EnvelopeBodyType(const v1::Envelope& envelope);

// Checks that a verified header describes this envelope (type, job, attempt),
// so a signature over one message cannot be moved onto another.
Status CheckHeaderMatches(const v1::SignedHeader& header, const v1::Envelope& envelope);

}  // namespace scanfleet
