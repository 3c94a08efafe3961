#include "common/security/session_mac.h"

#include <sodium.h>

namespace scanfleet {
namespace {

constexpr std::string_view kKeyDomain("scanfleet.session.v1\0", 21);

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

void PutBigEndian(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

uint64_t GetBigEndian(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < 8; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

// BLAKE2b-256 keyed with the crypto_kx direction key over domain + session id.
std::string SessionKeyFrom(const unsigned char* direction_key, std::string_view session_id) {
  std::string key(kSessionKeyBytes, '\0');
  crypto_generichash_state state;
  crypto_generichash_init(&state, direction_key, crypto_kx_SESSIONKEYBYTES, key.size());
  crypto_generichash_update(&state, Bytes(kKeyDomain), kKeyDomain.size());
  crypto_generichash_update(&state, Bytes(session_id), session_id.size());
  crypto_generichash_final(&state, reinterpret_cast<unsigned char*>(key.data()), key.size());
  return key;
}

Status CheckKeySizes(const KeyPair& own, const PublicKey& peer, std::string_view session_id) {
  if (own.curve_secret.size() != crypto_kx_SECRETKEYBYTES ||
      own.public_key.curve_public.size() != crypto_kx_PUBLICKEYBYTES ||
      peer.curve_public.size() != crypto_kx_PUBLICKEYBYTES) {
    return Status::InvalidArgument("a Curve key of the session has the wrong size");
  }
  if (session_id.size() != kSessionIdBytes) {
    return Status::InvalidArgument("a session id is " + std::to_string(kSessionIdBytes) +
                                   " bytes, got " + std::to_string(session_id.size()));
  }
  return Status::Ok();
}

}  // namespace

std::string EncodeSessionHeader(const SessionHeader& header) {
  SF_CHECK(header.session_id.size() == kSessionIdBytes);
  std::string out(kSessionHeaderMagic);
  out.append(header.session_id);
  PutBigEndian(out, header.counter);
  PutBigEndian(out, static_cast<uint64_t>(header.issued_at_ms));
  return out;
}

bool LooksLikeSessionHeader(std::string_view bytes) {
  return bytes.substr(0, kSessionHeaderMagic.size()) == kSessionHeaderMagic;
}

StatusOr<SessionHeader> DecodeSessionHeader(std::string_view bytes) {
  if (bytes.size() != kSessionHeaderBytes) {
    return Status::DataLoss("session header is " + std::to_string(bytes.size()) + " bytes, not " +
                            std::to_string(kSessionHeaderBytes));
  }
  if (!LooksLikeSessionHeader(bytes)) return Status::DataLoss("session header has no magic");
  SessionHeader header;
  size_t at = kSessionHeaderMagic.size();
  header.session_id.assign(bytes.substr(at, kSessionIdBytes));
  at += kSessionIdBytes;
  header.counter = GetBigEndian(bytes.substr(at, 8));
  header.issued_at_ms = static_cast<int64_t>(GetBigEndian(bytes.substr(at + 8, 8)));
  if (header.counter == 0) return Status::DataLoss("session header counter is 0");
  return header;
}

StatusOr<std::string> DeriveWorkerSideSessionKey(const KeyPair& worker, const PublicKey& controller,
                                                 std::string_view session_id) {
  SF_CHECK(sodium_init() >= 0);
  RETURN_IF_ERROR(CheckKeySizes(worker, controller, session_id));
  unsigned char rx[crypto_kx_SESSIONKEYBYTES];
  unsigned char tx[crypto_kx_SESSIONKEYBYTES];
  if (crypto_kx_client_session_keys(rx, tx, Bytes(worker.public_key.curve_public),
                                    Bytes(worker.curve_secret),
                                    Bytes(controller.curve_public)) != 0) {
    return Status::InvalidArgument("the controller's Curve key gives no shared secret");
  }
  std::string key = SessionKeyFrom(tx, session_id);  // worker -> controller direction
  sodium_memzero(rx, sizeof(rx));
  sodium_memzero(tx, sizeof(tx));
  return key;
}

StatusOr<std::string> DeriveControllerSideSessionKey(const KeyPair& controller,
                                                     const PublicKey& worker,
                                                     std::string_view session_id) {
  SF_CHECK(sodium_init() >= 0);
  RETURN_IF_ERROR(CheckKeySizes(controller, worker, session_id));
  unsigned char rx[crypto_kx_SESSIONKEYBYTES];
  unsigned char tx[crypto_kx_SESSIONKEYBYTES];
  if (crypto_kx_server_session_keys(rx, tx, Bytes(controller.public_key.curve_public),
                                    Bytes(controller.curve_secret),
                                    Bytes(worker.curve_public)) != 0) {
    return Status::InvalidArgument("worker " + worker.name + "'s Curve key gives no shared secret");
  }
  std::string key = SessionKeyFrom(rx, session_id);  // what the worker sends with
  sodium_memzero(rx, sizeof(rx));
  sodium_memzero(tx, sizeof(tx));
  return key;
}

std::string SessionMac(std::string_view key, std::string_view header, std::string_view body) {
  SF_CHECK(key.size() == kSessionKeyBytes);
  std::string mac(kSessionMacBytes, '\0');
  crypto_generichash_state state;
  crypto_generichash_init(&state, Bytes(key), key.size(), mac.size());
  crypto_generichash_update(&state, Bytes(header), header.size());
  crypto_generichash_update(&state, Bytes(body), body.size());
  crypto_generichash_final(&state, reinterpret_cast<unsigned char*>(mac.data()), mac.size());
  return mac;
}

StatusOr<SessionSealer> SessionSealer::Open(const KeyPair& worker, const PublicKey& controller) {
  SF_CHECK(sodium_init() >= 0);
  std::string session_id(kSessionIdBytes, '\0');
  randombytes_buf(session_id.data(), session_id.size());
  ASSIGN_OR_RETURN(std::string key, DeriveWorkerSideSessionKey(worker, controller, session_id));
  return SessionSealer(std::move(session_id), std::move(key));
}

Frames SessionSealer::Seal(std::string body, int64_t now_ms) {
  SessionHeader header{session_id_, ++counter_, now_ms};
  std::string header_bytes = EncodeSessionHeader(header);
  std::string mac = SessionMac(key_, header_bytes, body);
  return Frames{std::move(body), std::move(header_bytes), std::move(mac)};
}

}  // namespace scanfleet
