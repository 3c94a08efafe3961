// Signed checkpoints of the controller's event log (LogCheckpoint in
// proto/scanfleet.proto): the controller's Ed25519 key vouches that its log
// held `seq` events with chain hash `chain_hash`. The signed bytes have a
// fixed layout, "scanfleet.checkpoint.v1\0" || seq (8 bytes, big-endian) ||
// chain_hash (32) || created_ms (8 bytes, big-endian), so a verifier needs
// only the three values, never a protobuf encoder.
// Thread-safety: pure functions (libsodium is initialized on first use).
#pragma once

#include <cstdint>
#include <string>

#include "common/security/keys.h"
#include "common/status/status.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

// A checkpoint signed with `key`.
v1::LogCheckpoint SignCheckpoint(const KeyPair& key, uint64_t seq, std::string chain_hash,
                                 int64_t created_ms);
// A checkpoint without a signature (--insecure-dev): it states, proves nothing.
v1::LogCheckpoint UnsignedCheckpoint(uint64_t seq, std::string chain_hash, int64_t created_ms);

// OK when `checkpoint` is signed by `controller`; PermissionDenied naming why
// not (unsigned, another key, bad signature), DataLoss when malformed.
Status VerifyCheckpoint(const v1::LogCheckpoint& checkpoint, const PublicKey& controller);

}  // namespace scanfleet
