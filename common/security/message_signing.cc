#include "common/security/message_signing.h"

#include <sodium.h>

#include <cstdlib>

namespace scanfleet {
namespace {

constexpr std::string_view kDomain("scanfleet.sig.v2\0", 17);
constexpr size_t kMaxHeaderBytes = 512;
constexpr size_t kNonceBytes = 16;

std::string SignedBytes(std::string_view header) {
  std::string bytes(kDomain);
  bytes.append(header);
  return bytes;
}

std::string Sha256(std::string_view body) {
  std::string hash(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(hash.data()),
                     reinterpret_cast<const unsigned char*>(body.data()), body.size());
  return hash;
}

}  // namespace

MessageSigner::MessageSigner(KeyPair key) : key_(std::move(key)) {
  SF_CHECK(sodium_init() >= 0);
  SF_CHECK(key_.sign_secret.size() == crypto_sign_SECRETKEYBYTES);
}

SignedParts MessageSigner::Sign(std::string_view type, uint64_t job_id, uint32_t attempt,
                                std::string_view body, int64_t now_ms) const {
  v1::SignedHeader header;
  header.set_type(std::string(type));
  header.set_job_id(job_id);
  header.set_attempt(attempt);
  header.set_key_id(key_.public_key.key_id);
  header.set_issued_at_ms(now_ms);
  std::string nonce(kNonceBytes, '\0');
  randombytes_buf(nonce.data(), nonce.size());
  header.set_nonce(nonce);
  header.set_body_sha256(Sha256(body));
  SignedParts parts;
  header.SerializeToString(&parts.header);
  std::string message = SignedBytes(parts.header);
  parts.signature.assign(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(parts.signature.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       reinterpret_cast<const unsigned char*>(key_.sign_secret.data()));
  return parts;
}

MessageVerifier::MessageVerifier(std::vector<PublicKey> signers, int64_t window_ms)
    : window_ms_(window_ms) {
  SF_CHECK(sodium_init() >= 0);
  ResetSigners(std::move(signers));
}

void MessageVerifier::ResetSigners(std::vector<PublicKey> signers) {
  signers_.clear();
  for (PublicKey& key : signers) {
    std::string id = key.key_id;
    signers_[id] = std::move(key);
  }
}

std::string MessageVerifier::SignerName(const std::string& key_id) const {
  auto it = signers_.find(key_id);
  return it == signers_.end() ? key_id : it->second.name;
}

const PublicKey* MessageVerifier::FindSigner(const std::string& key_id) const {
  auto it = signers_.find(key_id);
  return it == signers_.end() ? nullptr : &it->second;
}

bool MessageVerifier::RememberNonce(const std::string& key_id, const std::string& nonce,
                                    int64_t now_ms) {
  while (!nonce_expiry_.empty() && nonce_expiry_.front().first < now_ms) {
    nonces_.erase(nonce_expiry_.front().second);
    nonce_expiry_.pop_front();
  }
  std::string entry = key_id + nonce;
  if (!nonces_.insert(entry).second) return false;
  // A nonce must be remembered for as long as its message is in the window:
  // until issued-at + window, at most now + 2 * window.
  nonce_expiry_.emplace_back(now_ms + 2 * window_ms_, std::move(entry));
  return true;
}

StatusOr<v1::SignedHeader> MessageVerifier::Verify(std::string_view header_bytes,
                                                   std::string_view signature,
                                                   std::string_view body, int64_t now_ms) {
  v1::SignedHeader header;
  if (header_bytes.empty() || header_bytes.size() > kMaxHeaderBytes ||
      !header.ParseFromArray(header_bytes.data(), static_cast<int>(header_bytes.size())) ||
      header.nonce().size() != kNonceBytes ||
      header.body_sha256().size() != crypto_hash_sha256_BYTES) {
    ++counters_.malformed;
    return Status::DataLoss("signature header is missing or malformed");
  }
  auto signer = signers_.find(header.key_id());
  if (signer == signers_.end()) {
    ++counters_.unknown_key;
    return Status::PermissionDenied("signed by unknown key id '" + header.key_id().substr(0, 32) +
                                    "'");
  }
  std::string message = SignedBytes(header_bytes);
  if (signature.size() != crypto_sign_BYTES ||
      crypto_sign_verify_detached(
          reinterpret_cast<const unsigned char*>(signature.data()),
          reinterpret_cast<const unsigned char*>(message.data()), message.size(),
          reinterpret_cast<const unsigned char*>(signer->second.sign_public.data())) != 0) {
    ++counters_.bad_signature;
    return Status::PermissionDenied("bad signature (claimed signer " + signer->second.name + ")");
  }
  if (Sha256(body) != header.body_sha256()) {
    ++counters_.body_mismatch;
    return Status::PermissionDenied("body does not match its signed hash (signer " +
                                    signer->second.name + ")");
  }
  if (std::llabs(now_ms - header.issued_at_ms()) > window_ms_) {
    ++counters_.out_of_window;
    return Status::PermissionDenied("signed " + std::to_string((now_ms - header.issued_at_ms())) +
                                    " ms ago, outside the " + std::to_string(window_ms_) +
                                    " ms window (signer " + signer->second.name + ")");
  }
  if (!RememberNonce(header.key_id(), header.nonce(), now_ms)) {
    ++counters_.replayed;
    return Status::PermissionDenied("replayed message (nonce seen before, signer " +
                                    signer->second.name + ")");
  }
  ++counters_.verified;
  return header;
}

std::string EnvelopeBodyType(const v1::Envelope& envelope) {
  switch (envelope.body_case()) {
    case v1::Envelope::kWorkerBatch:
      return "worker_batch";
    case v1::Envelope::kEvent:
      return "event";
    default:
      return "other";
  }
}

Frames SignFrame(const MessageSigner& signer, std::string_view type, uint64_t job_id,
                 uint32_t attempt, std::string frame, int64_t now_ms) {
  SignedParts parts = signer.Sign(type, job_id, attempt, frame, now_ms);
  return Frames{std::move(frame), std::move(parts.header), std::move(parts.signature)};
}

Frames SignEnvelopeFrame(const MessageSigner& signer, const v1::Envelope& envelope,
                         std::string frame, int64_t now_ms) {
  // A batch's hash binds every message in it: the header names no job.
  return SignFrame(signer, EnvelopeBodyType(envelope), 0, 0, std::move(frame), now_ms);
}

Status CheckHeaderMatches(const v1::SignedHeader& header, const v1::Envelope& envelope) {
  if (header.type() != EnvelopeBodyType(envelope)) {
    return Status::PermissionDenied("signed as '" + header.type() + "' but the body is '" +
                                    EnvelopeBodyType(envelope) + "'");
  }
  if (header.job_id() != 0 || header.attempt() != 0) {
    return Status::PermissionDenied("signature names job " + std::to_string(header.job_id()) +
                                    " attempt " + std::to_string(header.attempt()) +
                                    "; a signed batch or event names none");
  }
  return Status::Ok();
}

}  // namespace scanfleet
