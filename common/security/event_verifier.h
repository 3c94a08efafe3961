// EventVerifier: the helper every subscriber of the controller's event stream
// uses to turn the pages it receives into events it can trust.
//
// Events travel in EventPages (protocol version 2): live as frames
// [topic, envelope] (--insecure-dev) or [topic, envelope, header, signature]
// with topic "page" (events) or "heartbeat" (no events, the head seq); in a
// ReplayEventsResponse as one `page` SignedBlob. With a controller key given,
// only pages signed by that key pass (tampered, wrongly keyed, replayed or
// out-of-window ones are rejected and counted): ONE verification per page.
// Without one, only unsigned pages are read. Inside a page every event must
// parse and carry seq first_seq + i, so loss, duplicates and reordering are
// still seen per event; the hash chain is the follower's to check.
// Thread-safety: one EventVerifier per subscriber thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/security/keys.h"
#include "common/security/message_signing.h"
#include "common/status/status.h"
#include "common/transport/zmq_socket.h"
#include "common/wire/envelope.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

// A page that passed: its events parsed, each beside the bytes it came as.
struct VerifiedPage {
  bool heartbeat = false;          // no events: only the head seq
  uint64_t first_seq = 0;          // seq of events[0]
  std::string prev_chain;          // chain(first_seq - 1), 32 bytes when events
  std::string last_chain;          // chain of the last event, as the controller stored it
  std::vector<v1::Event> events;   // seq first_seq + i
  std::vector<std::string> bytes;  // the canonical bytes of events[i]
  uint64_t head_seq = 0;           // newest seq stored when the page was made
  uint64_t first_stored_seq = 0;   // oldest seq stored (replays)
  std::optional<v1::LogCheckpoint> anchor;
};

class EventVerifier {
 public:
  // controller: the controller's public key, or nullopt to accept unsigned
  // pages only (plaintext development mode).
  EventVerifier(std::optional<PublicKey> controller, int64_t window_ms);

  // One live message from the events socket.
  StatusOr<VerifiedPage> FromFrames(const Frames& frames, int64_t now_ms);
  // The page of a replay answer.
  StatusOr<VerifiedPage> FromReplay(const v1::ReplayEventsResponse& replay, int64_t now_ms);

  bool verifying() const { return verifier_.has_value(); }
  const SignatureCounters* signature_counters() const {
    return verifier_ ? &verifier_->counters() : nullptr;
  }

 private:
  StatusOr<VerifiedPage> Open(const std::string& body, const std::string* header,
                              const std::string* signature, int64_t now_ms);

  std::optional<MessageVerifier> verifier_;
  WireCounters wire_counters_;
};

}  // namespace scanfleet
