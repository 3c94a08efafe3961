// ShardOfPath; see shard.h.
#include "common/incremental/shard.h"

#include <sodium.h>

namespace scanfleet {

uint32_t ShardOfPath(std::string_view path, uint32_t shard_count) {
  if (shard_count <= 1) return 0;
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(path.data()), path.size());
  uint64_t prefix = 0;
  for (int i = 0; i < 8; ++i) prefix = (prefix << 8) | digest[i];
  return static_cast<uint32_t>(prefix % shard_count);
}

bool PathInShard(std::string_view path, uint32_t shard_index, uint32_t shard_count) {
  return shard_count <= 1 || ShardOfPath(path, shard_count) == shard_index;
}

}  // namespace scanfleet
