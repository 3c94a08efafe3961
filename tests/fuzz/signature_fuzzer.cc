// libFuzzer target: signature verification and the subscriber's event
// verifier (event pages) on arbitrary frames. Nothing here may crash, leak or accept a
// message the fixed key did not sign.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/security/event_verifier.h"
#include "common/security/message_signing.h"

namespace {

constexpr int64_t kNow = 1'700'000'000'000;

// Splits the input into n frames at lengths given by its first bytes.
scanfleet::Frames Split(const uint8_t* data, size_t size, size_t n) {
  scanfleet::Frames frames;
  size_t pos = 0;
  for (size_t i = 0; i < n; ++i) {
    size_t len = pos < size ? data[pos++] : 0;
    if (i + 1 == n) len = size > pos ? size - pos : 0;
    len = std::min(len, size - std::min(pos, size));
    frames.emplace_back(reinterpret_cast<const char*>(data) + std::min(pos, size), len);
    pos += len;
  }
  return frames;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const scanfleet::KeyPair key = scanfleet::GenerateKeyPair("fuzz");
  static scanfleet::MessageVerifier verifier({key.public_key}, 60'000);
  static scanfleet::EventVerifier events(key.public_key, 60'000);
  // Without a key the page decoder itself is reached by unsigned frames.
  static scanfleet::EventVerifier plaintext(std::nullopt, 60'000);

  scanfleet::Frames three = Split(data, size, 3);
  auto verified = verifier.Verify(three[1], three[2], three[0], kNow);
  // Random bytes never carry a valid signature of a key the fuzzer cannot know.
  if (verified.ok()) __builtin_trap();

  scanfleet::Frames four = Split(data, size, size % 2 ? 4 : 2);
  if (events.FromFrames(four, kNow).ok()) __builtin_trap();
  scanfleet::Frames two = Split(data, size, 2);
  auto page = plaintext.FromFrames(two, kNow);
  if (page.ok()) {
    // What passes holds consecutive events, each beside its bytes.
    if (page->events.size() != page->bytes.size()) __builtin_trap();
    for (size_t i = 0; i < page->events.size(); ++i) {
      if (page->events[i].seq() != page->first_seq + i) __builtin_trap();
    }
  }

  scanfleet::v1::ReplayEventsResponse replay;
  if (replay.ParseFromArray(data, static_cast<int>(size))) {
    auto opened = events.FromReplay(replay, kNow);
    if (opened.ok()) __builtin_trap();  // nothing here is signed by the key
  }
  return 0;
}
