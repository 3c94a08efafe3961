#include "controller/triggers/webhook_signature.h"

#include <sodium.h>

#include <array>

namespace scanfleet {

namespace {

using Digest = std::array<unsigned char, crypto_auth_hmacsha256_BYTES>;

void InitSodium() {
  static const bool initialised = sodium_init() >= 0;
  if (!initialised) {
    std::cerr << "FATAL: libsodium failed to initialise\n";
    std::abort();
  }
}

Digest Hmac(std::string_view secret, std::string_view body) {
  InitSodium();
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(body.data()),
                                body.size());
  Digest digest{};
  crypto_auth_hmacsha256_final(&state, digest.data());
  sodium_memzero(&state, sizeof(state));
  return digest;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string HmacSha256Hex(std::string_view secret, std::string_view body) {
  Digest digest = Hmac(secret, body);
  std::string hex(digest.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  hex.pop_back();
  return hex;
}

Status VerifyHmacSignature(std::string_view secret, std::string_view body, std::string_view header,
                           std::string_view prefix) {
  if (header.empty()) return Status::NotFound("missing signature header");
  if (header.substr(0, prefix.size()) != prefix) {
    return Status::PermissionDenied("signature header does not start with '" + std::string(prefix) +
                                    "'");
  }
  std::string_view hex = header.substr(prefix.size());
  if (hex.size() != 2 * crypto_auth_hmacsha256_BYTES) {
    return Status::PermissionDenied("signature is not 64 hex digits");
  }
  Digest claimed{};
  for (size_t i = 0; i < claimed.size(); ++i) {
    int high = HexValue(hex[2 * i]);
    int low = HexValue(hex[2 * i + 1]);
    if (high < 0 || low < 0) return Status::PermissionDenied("signature is not hex");
    claimed[i] = static_cast<unsigned char>(high * 16 + low);
  }
  Digest expected = Hmac(secret, body);
  if (sodium_memcmp(claimed.data(), expected.data(), expected.size()) != 0) {
    return Status::PermissionDenied("signature does not match the body and the secret");
  }
  return Status::Ok();
}

Status VerifySharedToken(std::string_view secret, std::string_view header) {
  if (header.empty()) return Status::NotFound("missing token header");
  InitSodium();
  // Hashing first makes the comparison independent of both lengths.
  std::array<unsigned char, crypto_hash_sha256_BYTES> claimed{}, expected{};
  crypto_hash_sha256(claimed.data(), reinterpret_cast<const unsigned char*>(header.data()),
                     header.size());
  crypto_hash_sha256(expected.data(), reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size());
  if (sodium_memcmp(claimed.data(), expected.data(), expected.size()) != 0) {
    return Status::PermissionDenied("token does not match the secret");
  }
  return Status::Ok();
}

}  // namespace scanfleet
