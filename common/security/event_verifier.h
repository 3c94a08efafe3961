// EventVerifier: the helper every subscriber of the controller's event stream
// uses to turn what it receives into events it can trust.
//
// Live events arrive as frames [topic, envelope] (--insecure-dev) or
// [topic, envelope, header, signature]; replayed ones in a
// ReplayEventsResponse, as `events` or `signed_events`. With a controller key
// given, only signed events signed by that key pass (tampered, wrongly keyed,
// replayed or out-of-window ones are rejected and counted); without one, only
// unsigned events are read. The topic frame must match the event's topic.
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

class EventVerifier {
 public:
  // controller: the controller's public key, or nullopt to accept unsigned
  // events only (plaintext development mode).
  EventVerifier(std::optional<PublicKey> controller, int64_t window_ms);

  // One live message from the events socket.
  StatusOr<v1::Event> FromFrames(const Frames& frames, int64_t now_ms);
  // The events of a replay answer, in order; the first bad one fails the batch.
  StatusOr<std::vector<v1::Event>> FromReplay(const v1::ReplayEventsResponse& replay,
                                              int64_t now_ms);

  bool verifying() const { return verifier_.has_value(); }
  const SignatureCounters* signature_counters() const {
    return verifier_ ? &verifier_->counters() : nullptr;
  }

 private:
  StatusOr<v1::Event> Open(const std::string& body, const std::string* header,
                           const std::string* signature, int64_t now_ms);

  std::optional<MessageVerifier> verifier_;
  WireCounters wire_counters_;
};

}  // namespace scanfleet
