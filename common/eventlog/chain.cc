#include "common/eventlog/chain.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <sodium.h>

namespace scanfleet {

namespace {

constexpr std::string_view kChainDomain("scanfleet.chain.v1\0", 19);

void AppendBigEndian(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
}

}  // namespace

std::string GenesisChainHash() { return std::string(kChainHashBytes, '\0'); }

std::string CanonicalEventBytes(const v1::Event& event) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    event.SerializeToCodedStream(&coded);
  }
  return bytes;
}

std::string EventDigest(std::string_view event_bytes) {
  std::string digest(crypto_hash_sha256_BYTES, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(digest.data()),
                     reinterpret_cast<const unsigned char*>(event_bytes.data()),
                     event_bytes.size());
  return digest;
}

std::string NextChainHashOfDigest(std::string_view prev_chain, uint64_t seq,
                                  std::string_view event_digest) {
  std::string input(kChainDomain);
  input.append(prev_chain);
  AppendBigEndian(input, seq);
  input.append(event_digest);
  std::string chain(kChainHashBytes, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(chain.data()),
                     reinterpret_cast<const unsigned char*>(input.data()), input.size());
  return chain;
}

std::string NextChainHash(std::string_view prev_chain, uint64_t seq, std::string_view event_bytes) {
  return NextChainHashOfDigest(prev_chain, seq, EventDigest(event_bytes));
}

std::string HexOf(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    hex.push_back(kDigits[c >> 4]);
    hex.push_back(kDigits[c & 0xf]);
  }
  return hex;
}

std::string BytesOfHex(std::string_view hex, size_t bytes) {
  if (hex.size() != bytes * 2) return "";
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(bytes);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int high = nibble(hex[i]);
    int low = nibble(hex[i + 1]);
    if (high < 0 || low < 0) return "";
    out.push_back(static_cast<char>(high << 4 | low));
  }
  return out;
}

std::string Base64Of(std::string_view bytes) {
  constexpr int kVariant = sodium_base64_VARIANT_ORIGINAL;
  std::string text(sodium_base64_ENCODED_LEN(bytes.size(), kVariant), '\0');
  sodium_bin2base64(text.data(), text.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), kVariant);
  text.resize(text.size() - 1);  // the terminating NUL
  return text;
}

std::optional<std::string> BytesOfBase64(std::string_view text) {
  std::string bytes(text.size() / 4 * 3 + 3, '\0');
  size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), text.data(),
                        text.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    return std::nullopt;
  }
  bytes.resize(length);
  return bytes;
}

}  // namespace scanfleet
