// ByteStream: the one OS-facing seam of the syslog sink, so tests drive the
// sink with a fake stream that fails on demand.
//
// WaitAcknowledged() returns OK once the peer's TCP stack has acknowledged
// every byte written so far (Linux SIOCOUTQ reaches 0), which is as close to
// "received" as plain TCP syslog gets; an error means the connection is
// unusable and what was written since the last OK may be lost.
// Thread-safety: one thread per stream.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status/status.h"

namespace scanfleet::siem {

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  virtual Status WriteAll(std::string_view bytes) = 0;
  virtual Status WaitAcknowledged(int timeout_ms) = 0;
};

class StreamConnector {
 public:
  virtual ~StreamConnector() = default;
  virtual StatusOr<std::unique_ptr<ByteStream>> Connect() = 0;
  virtual std::string Describe() const = 0;  // "127.0.0.1:514"
};

// Connects over TCP (IPv4 or IPv6, name resolved at each attempt).
std::unique_ptr<StreamConnector> MakeTcpConnector(std::string host, int port,
                                                  int connect_timeout_ms);

}  // namespace scanfleet::siem
