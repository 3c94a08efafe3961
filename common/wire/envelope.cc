#include "common/wire/envelope.h"

namespace scanfleet {

std::string EncodeEnvelope(v1::Envelope& envelope, uint64_t message_id, std::string_view sender,
                           int64_t sent_ms) {
  envelope.set_protocol_version(kProtocolVersion);
  envelope.set_message_id(message_id);
  envelope.set_sender(std::string(sender));
  envelope.set_sent_ms(sent_ms);
  std::string out;
  SF_CHECK(envelope.SerializeToString(&out));
  return out;
}

StatusOr<v1::Envelope> DecodeEnvelope(std::string_view frame, int64_t max_bytes,
                                      WireCounters& counters) {
  if (static_cast<int64_t>(frame.size()) > max_bytes) {
    ++counters.oversized;
    return Status::ResourceExhausted("frame of " + std::to_string(frame.size()) +
                                     " bytes exceeds the limit of " + std::to_string(max_bytes));
  }
  v1::Envelope envelope;
  if (frame.size() > static_cast<size_t>(INT32_MAX) ||
      !envelope.ParseFromArray(frame.data(), static_cast<int>(frame.size()))) {
    ++counters.malformed;
    return Status::DataLoss("frame is not a valid scanfleet envelope");
  }
  if (envelope.protocol_version() != kProtocolVersion) {
    ++counters.wrong_version;
    return Status::FailedPrecondition(
        "peer speaks protocol version " + std::to_string(envelope.protocol_version()) +
        ", this side speaks version " + std::to_string(kProtocolVersion));
  }
  if (envelope.body_case() == v1::Envelope::BODY_NOT_SET) {
    ++counters.empty_body;
    return Status::DataLoss("envelope carries no message body");
  }
  ++counters.decoded;
  return envelope;
}

}  // namespace scanfleet
