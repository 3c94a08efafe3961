// Envelope encoding and decoding: the single gate every frame passes through.
//
// DecodeEnvelope() treats its input as untrusted: oversized frames, bytes that
// are not a valid Envelope, envelopes without a body and envelopes of another
// protocol version are rejected with a clear Status and counted in
// WireCounters; nothing here aborts on bad input.
// Thread-safety: functions are pure; WireCounters uses atomics.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status/status.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

inline constexpr uint32_t kProtocolVersion = 2;
// Envelope.sender of everything the controller sends.
inline constexpr char kControllerSender[] = "controller";
// Default frame cap; ZMQ_MAXMSGSIZE is set to the configured value on every socket.
inline constexpr int64_t kDefaultMaxFrameBytes = 16 * 1024 * 1024;

// Counts of rejected frames, by reason. Reported in logs and by the status API.
struct WireCounters {
  std::atomic<uint64_t> decoded{0};
  std::atomic<uint64_t> oversized{0};
  std::atomic<uint64_t> malformed{0};
  std::atomic<uint64_t> wrong_version{0};
  std::atomic<uint64_t> empty_body{0};
  uint64_t rejected() const {
    return oversized.load() + malformed.load() + wrong_version.load() + empty_body.load();
  }
};

// Stamps version, id, sender and time onto `envelope` and serializes it.
std::string EncodeEnvelope(v1::Envelope& envelope, uint64_t message_id, std::string_view sender,
                           int64_t sent_ms);

// Parses one frame. Errors: ResourceExhausted (over max_bytes), DataLoss
// (not an Envelope / no body), FailedPrecondition (other protocol version; the
// message names both versions so the peer can be refused clearly).
StatusOr<v1::Envelope> DecodeEnvelope(std::string_view frame, int64_t max_bytes,
                                      WireCounters& counters);

}  // namespace scanfleet
