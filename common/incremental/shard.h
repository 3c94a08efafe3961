// Which shard of a sharded scan a file belongs to.
//
// A sharded per-file scan runs one job per shard; each job scans the files
// whose path maps to its index. The mapping must be the same on every worker
// and in the controller (which assigns carried-forward findings to shards by
// path), across processes and versions: it is the first 8 bytes of SHA-256 of
// the path (relative, '/'-separated, as FindScanFiles lists it), big-endian,
// modulo the shard count. Never std::hash, whose value is not specified.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

namespace scanfleet {

// Highest shard count a scan may ask for (SubmitScanRequest.shards).
inline constexpr uint32_t kMaxShards = 64;

// The shard index in [0, shard_count) of `path`; 0 when shard_count <= 1.
uint32_t ShardOfPath(std::string_view path, uint32_t shard_count);

// True when `path` is scanned by shard `shard_index` of `shard_count`
// (always true for an unsharded job, shard_count 0 or 1).
bool PathInShard(std::string_view path, uint32_t shard_index, uint32_t shard_count);

}  // namespace scanfleet
