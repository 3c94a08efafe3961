// Key pairs of a scanfleet deployment: one Curve25519 pair for CurveZMQ
// (encryption and authentication of connections) and one Ed25519 pair for
// signing messages, kept together under a name.
//
// Files: NAME.key holds both secret keys (mode 0600; loading refuses a file
// that group or others can read) and NAME.pub the two public keys (0644).
// Both are "key = value" text; Curve keys in Z85, signing keys in hex.
// The key id is derived from the signing public key, so it names the key,
// not the file. Thread-safety: functions are reentrant.
#pragma once

#include <string>
#include <vector>

#include "common/status/status.h"

namespace scanfleet {

struct PublicKey {
  std::string name;          // from the file, for logs ("worker-1")
  std::string curve_public;  // 32 raw bytes
  std::string sign_public;   // 32 raw bytes (Ed25519)
  std::string key_id;        // 16 hex chars derived from sign_public
};

struct KeyPair {
  PublicKey public_key;
  std::string curve_secret;  // 32 raw bytes
  std::string sign_secret;   // 64 raw bytes (libsodium's Ed25519 secret key)
};

// A fresh key pair from libsodium's CSPRNG.
KeyPair GenerateKeyPair(const std::string& name);

// Writes DIR/NAME.key (0600) and DIR/NAME.pub (0644); AlreadyExists when
// either exists (keys are never overwritten). Names: [A-Za-z0-9_.-]{1,64}.
Status WriteKeyPair(const std::string& dir, const KeyPair& pair);

StatusOr<KeyPair> LoadKeyPair(const std::string& path);
StatusOr<PublicKey> LoadPublicKey(const std::string& path);

// Every NAME.pub in dir; a file that does not parse is an error naming it
// (an allowlist is never silently shorter than its directory). A missing
// directory is an empty list.
StatusOr<std::vector<PublicKey>> LoadPublicKeyDir(const std::string& dir);

// Text of the files, for tests and `scanfleet keys show`.
std::string PublicKeyText(const PublicKey& key);
std::string SecretKeyText(const KeyPair& pair);

// 16 hex chars of BLAKE2b(sign_public).
std::string KeyIdOf(const std::string& sign_public);

}  // namespace scanfleet
