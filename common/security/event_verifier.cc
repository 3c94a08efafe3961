#include "common/security/event_verifier.h"

namespace scanfleet {

EventVerifier::EventVerifier(std::optional<PublicKey> controller, int64_t window_ms) {
  if (controller) verifier_.emplace(std::vector<PublicKey>{*controller}, window_ms);
}

StatusOr<v1::Event> EventVerifier::Open(const std::string& body, const std::string* header,
                                        const std::string* signature, int64_t now_ms) {
  if (verifier_) {
    if (!header || !signature) {
      return Status::PermissionDenied("unsigned event, but signatures are required");
    }
    ASSIGN_OR_RETURN(v1::SignedHeader verified,
                     verifier_->Verify(*header, *signature, body, now_ms));
    if (verified.type() != "event") {
      return Status::PermissionDenied("signature is for a '" + verified.type() + "', not an event");
    }
  } else if (header || signature) {
    return Status::FailedPrecondition(
        "signed event but no controller key to check it with (pass --controller-key)");
  }
  ASSIGN_OR_RETURN(v1::Envelope envelope,
                   DecodeEnvelope(body, kDefaultMaxFrameBytes, wire_counters_));
  if (!envelope.has_event()) return Status::DataLoss("message on the event stream is no event");
  return std::move(*envelope.mutable_event());
}

StatusOr<v1::Event> EventVerifier::FromFrames(const Frames& frames, int64_t now_ms) {
  if (frames.size() != 2 && frames.size() != 4) {
    return Status::DataLoss("event message with " + std::to_string(frames.size()) + " frames");
  }
  bool is_signed = frames.size() == 4;
  ASSIGN_OR_RETURN(v1::Event event, Open(frames[1], is_signed ? &frames[2] : nullptr,
                                         is_signed ? &frames[3] : nullptr, now_ms));
  // The topic frame is outside the signature; a subscriber filtering on it
  // must not be told a different topic than the event's own.
  if (frames[0] != event.topic()) return Status::PermissionDenied("topic frame was altered");
  return event;
}

StatusOr<std::vector<v1::Event>> EventVerifier::FromReplay(const v1::ReplayEventsResponse& replay,
                                                           int64_t now_ms) {
  std::vector<v1::Event> events;
  if (verifier_ && replay.events_size() > 0) {
    return Status::PermissionDenied("unsigned events in a replay, but signatures are required");
  }
  for (const v1::Event& event : replay.events()) events.push_back(event);
  for (const v1::SignedBlob& blob : replay.signed_events()) {
    ASSIGN_OR_RETURN(v1::Event event, Open(blob.body(), &blob.header(), &blob.signature(), now_ms));
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace scanfleet
