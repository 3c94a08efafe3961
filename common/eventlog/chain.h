// The event log's hash chain (docs/SECURITY.md, "Tamper-evident log").
//
// Every stored event has a chain hash that commits to it and to every event
// before it:
//   chain(0) = 32 zero bytes
//   chain(n) = SHA-256("scanfleet.chain.v1\0" || chain(n-1) ||
//                      n as 8 big-endian bytes || SHA-256(bytes of event n))
// where the bytes of an event are its deterministic protobuf serialization
// with `seq` set (CanonicalEventBytes). The controller stores those exact
// bytes, publishes them inside EventPages, and SIEM file sinks write them, so
// every party hashes the same bytes and never re-serializes a parsed event.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "proto/scanfleet.pb.h"

namespace scanfleet {

inline constexpr size_t kChainHashBytes = 32;

// chain(0): the hash before the first event of a log.
std::string GenesisChainHash();

// The event's deterministic serialization (its seq must be set).
std::string CanonicalEventBytes(const v1::Event& event);

// chain(seq) from chain(seq - 1) and the bytes of event `seq`.
std::string NextChainHash(std::string_view prev_chain, uint64_t seq, std::string_view event_bytes);
// SHA-256 of an event's bytes: all the chain needs of an event, so a sink that
// leaves an event out can keep the chain verifiable with 32 bytes.
std::string EventDigest(std::string_view event_bytes);
std::string NextChainHashOfDigest(std::string_view prev_chain, uint64_t seq,
                                  std::string_view event_digest);

// Lower-case hex, and its inverse (nullopt-like: empty on a malformed input
// or one that is not `bytes` long once decoded).
std::string HexOf(std::string_view bytes);
std::string BytesOfHex(std::string_view hex, size_t bytes);
// Standard base64 with padding, and its inverse (nullopt on malformed input).
std::string Base64Of(std::string_view bytes);
std::optional<std::string> BytesOfBase64(std::string_view text);

}  // namespace scanfleet
