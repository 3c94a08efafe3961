#include "common/security/event_verifier.h"

namespace scanfleet {

namespace {

constexpr size_t kPageChainBytes = 32;

}  // namespace

EventVerifier::EventVerifier(std::optional<PublicKey> controller, int64_t window_ms) {
  if (controller) verifier_.emplace(std::vector<PublicKey>{*controller}, window_ms);
}

StatusOr<VerifiedPage> EventVerifier::Open(const std::string& body, const std::string* header,
                                           const std::string* signature, int64_t now_ms) {
  if (verifier_) {
    if (!header || !signature) {
      return Status::PermissionDenied("unsigned event page, but signatures are required");
    }
    ASSIGN_OR_RETURN(v1::SignedHeader verified,
                     verifier_->Verify(*header, *signature, body, now_ms));
    if (verified.type() != "event_page") {
      return Status::PermissionDenied("signature is for a '" + verified.type() +
                                      "', not an event page");
    }
  } else if (header || signature) {
    return Status::FailedPrecondition(
        "signed event page but no controller key to check it with (pass --controller-key)");
  }
  ASSIGN_OR_RETURN(v1::Envelope envelope,
                   DecodeEnvelope(body, kDefaultMaxFrameBytes, wire_counters_));
  if (!envelope.has_event_page()) {
    return Status::DataLoss("message on the event stream is no event page");
  }
  v1::EventPage& wire = *envelope.mutable_event_page();
  VerifiedPage page;
  page.heartbeat = wire.events_size() == 0;
  page.first_seq = wire.first_seq();
  page.head_seq = wire.head_seq();
  page.first_stored_seq = wire.first_stored_seq();
  if (wire.has_anchor()) page.anchor = std::move(*wire.mutable_anchor());
  if (page.heartbeat) return page;
  if (wire.prev_chain_hash().size() != kPageChainBytes ||
      wire.last_chain_hash().size() != kPageChainBytes || page.first_seq == 0) {
    return Status::DataLoss("event page without its first seq or its chain hashes");
  }
  page.prev_chain = std::move(*wire.mutable_prev_chain_hash());
  page.last_chain = std::move(*wire.mutable_last_chain_hash());
  page.events.resize(static_cast<size_t>(wire.events_size()));
  page.bytes.reserve(static_cast<size_t>(wire.events_size()));
  for (int i = 0; i < wire.events_size(); ++i) {
    v1::Event& event = page.events[static_cast<size_t>(i)];
    uint64_t expected = page.first_seq + static_cast<uint64_t>(i);
    if (!event.ParseFromString(wire.events(i))) {
      return Status::DataLoss("event " + std::to_string(expected) + " of a page does not parse");
    }
    if (event.seq() != expected) {
      return Status::DataLoss("a page's event " + std::to_string(i) + " has seq " +
                              std::to_string(event.seq()) + ", not " + std::to_string(expected));
    }
    page.bytes.push_back(std::move(*wire.mutable_events(i)));
  }
  return page;
}

StatusOr<VerifiedPage> EventVerifier::FromFrames(const Frames& frames, int64_t now_ms) {
  if (frames.size() != 2 && frames.size() != 4) {
    return Status::DataLoss("event message with " + std::to_string(frames.size()) + " frames");
  }
  bool is_signed = frames.size() == 4;
  ASSIGN_OR_RETURN(VerifiedPage page, Open(frames[1], is_signed ? &frames[2] : nullptr,
                                           is_signed ? &frames[3] : nullptr, now_ms));
  // The topic frame is outside the signature; it must say what the page is.
  if (frames[0] != (page.heartbeat ? "heartbeat" : "page")) {
    return Status::PermissionDenied("topic frame was altered");
  }
  return page;
}

StatusOr<VerifiedPage> EventVerifier::FromReplay(const v1::ReplayEventsResponse& replay,
                                                 int64_t now_ms) {
  const v1::SignedBlob& blob = replay.page();
  bool is_signed = !blob.header().empty() || !blob.signature().empty();
  return Open(blob.body(), is_signed ? &blob.header() : nullptr,
              is_signed ? &blob.signature() : nullptr, now_ms);
}

}  // namespace scanfleet
