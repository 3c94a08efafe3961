// libFuzzer target: the session frame check (common/security/session_mac.h,
// session_verifier.h) on arbitrary bytes. The header decoder never crashes or
// reads past its input, a header it accepts re-encodes to the same bytes, and
// no frame verifies under a session whose key the fuzzer cannot know.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/security/session_mac.h"
#include "common/security/session_verifier.h"

namespace {

constexpr int64_t kNow = 1'700'000'000'000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const scanfleet::KeyPair controller = scanfleet::GenerateKeyPair("controller");
  static const scanfleet::KeyPair worker = scanfleet::GenerateKeyPair("worker");
  static scanfleet::SessionVerifier* verifier = [] {
    auto* sessions = new scanfleet::SessionVerifier(controller, 60'000);
    // The fuzzer's seeds may start with this id; its key stays secret.
    (void)sessions->Open("w", worker.public_key, std::string(scanfleet::kSessionIdBytes, 'S'));
    return sessions;
  }();

  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto header = scanfleet::DecodeSessionHeader(input);
  if (header.ok() && scanfleet::EncodeSessionHeader(*header) != input) __builtin_trap();

  // [header (36), mac (32), body (the rest)] as the controller would take them.
  std::string_view head = input.substr(0, scanfleet::kSessionHeaderBytes);
  std::string_view rest = input.substr(head.size());
  std::string_view mac = rest.substr(0, scanfleet::kSessionMacBytes);
  std::string_view body = rest.substr(mac.size());
  if (verifier->Verify(head, mac, body, kNow).ok()) __builtin_trap();
  return 0;
}
