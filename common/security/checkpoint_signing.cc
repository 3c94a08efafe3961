#include "common/security/checkpoint_signing.h"

#include <sodium.h>

namespace scanfleet {

namespace {

constexpr std::string_view kCheckpointDomain("scanfleet.checkpoint.v1\0", 24);
constexpr size_t kCheckpointChainBytes = 32;

void AppendUint64BigEndian(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

std::string SignedBytes(uint64_t seq, const std::string& chain_hash, int64_t created_ms) {
  std::string bytes(kCheckpointDomain);
  AppendUint64BigEndian(bytes, seq);
  bytes.append(chain_hash);
  AppendUint64BigEndian(bytes, static_cast<uint64_t>(created_ms));
  return bytes;
}

}  // namespace

v1::LogCheckpoint UnsignedCheckpoint(uint64_t seq, std::string chain_hash, int64_t created_ms) {
  v1::LogCheckpoint checkpoint;
  checkpoint.set_seq(seq);
  checkpoint.set_chain_hash(std::move(chain_hash));
  checkpoint.set_created_ms(created_ms);
  return checkpoint;
}

v1::LogCheckpoint SignCheckpoint(const KeyPair& key, uint64_t seq, std::string chain_hash,
                                 int64_t created_ms) {
  SF_CHECK(sodium_init() >= 0);
  SF_CHECK(key.sign_secret.size() == crypto_sign_SECRETKEYBYTES);
  v1::LogCheckpoint checkpoint = UnsignedCheckpoint(seq, std::move(chain_hash), created_ms);
  std::string message = SignedBytes(seq, checkpoint.chain_hash(), created_ms);
  std::string signature(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(signature.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       reinterpret_cast<const unsigned char*>(key.sign_secret.data()));
  checkpoint.set_key_id(key.public_key.key_id);
  checkpoint.set_signature(std::move(signature));
  return checkpoint;
}

Status VerifyCheckpoint(const v1::LogCheckpoint& checkpoint, const PublicKey& controller) {
  SF_CHECK(sodium_init() >= 0);
  if (checkpoint.chain_hash().size() != kCheckpointChainBytes) {
    return Status::DataLoss("checkpoint at seq " + std::to_string(checkpoint.seq()) +
                            " has a chain hash of " +
                            std::to_string(checkpoint.chain_hash().size()) + " bytes, not 32");
  }
  if (checkpoint.signature().empty()) {
    return Status::PermissionDenied("checkpoint at seq " + std::to_string(checkpoint.seq()) +
                                    " is unsigned (a controller in --insecure-dev mode)");
  }
  if (checkpoint.key_id() != controller.key_id) {
    return Status::PermissionDenied("checkpoint at seq " + std::to_string(checkpoint.seq()) +
                                    " is signed by key " + checkpoint.key_id() + ", not by " +
                                    controller.name + " (" + controller.key_id + ")");
  }
  if (checkpoint.signature().size() != crypto_sign_BYTES ||
      controller.sign_public.size() != crypto_sign_PUBLICKEYBYTES) {
    return Status::DataLoss("checkpoint at seq " + std::to_string(checkpoint.seq()) +
                            " has a malformed signature");
  }
  std::string message =
      SignedBytes(checkpoint.seq(), checkpoint.chain_hash(), checkpoint.created_ms());
  if (crypto_sign_verify_detached(
          reinterpret_cast<const unsigned char*>(checkpoint.signature().data()),
          reinterpret_cast<const unsigned char*>(message.data()), message.size(),
          reinterpret_cast<const unsigned char*>(controller.sign_public.data())) != 0) {
    return Status::PermissionDenied("checkpoint at seq " + std::to_string(checkpoint.seq()) +
                                    ": the signature does not verify with " + controller.name +
                                    "'s key");
  }
  return Status::Ok();
}

}  // namespace scanfleet
