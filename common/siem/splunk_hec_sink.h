// SplunkHecSink: POSTs events to a Splunk HTTP Event Collector
// (/services/collector/event, `Authorization: Splunk <token>`), a batch as
// concatenated HEC event objects in one request, split above
// max_body_bytes (hec_events.h has the body).
//
// Delivered means: HEC answered 2xx with {"code":0} (HEC accepted and queued
// the events; indexer acknowledgement, useACK, is not used). The sink
// remembers the last seq of every accepted request, so a retry after a
// partly sent batch resends only what HEC did not accept.
// Errors:
//   * connection errors, timeouts, 5xx, 429 and a 2xx without {"code":0}:
//     Unavailable; the fan-out retries the batch with backoff, nothing dropped;
//   * any other answer (401/403 bad token, 400 bad data, 404 wrong path,
//     413 too large...): FailedPrecondition with HEC's text; retrying cannot
//     help, so the fan-out stops the bridge without moving the cursor.
// The token is never part of Describe() or any error.
// Thread-safety: one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/siem/event_sink.h"
#include "common/siem/hec_events.h"

namespace httplib {
class Client;
}

namespace scanfleet::siem {

struct SplunkHecOptions {
  std::string host;
  int port = 8088;
  bool https = false;
  std::string ca_file;  // https: verify the server against this CA file (default: system CAs)
  std::string path = "/services/collector/event";
  std::string token;
  HecEnvelope envelope;
  size_t max_body_bytes = 512 * 1024;
  int connect_timeout_ms = 5000;
  int io_timeout_ms = 30000;  // per read or write of a request
};

class SplunkHecSink final : public EventSink {
 public:
  explicit SplunkHecSink(SplunkHecOptions options);
  ~SplunkHecSink() override;

  std::string Describe() const override;
  Status Deliver(const std::vector<LoggedEvent>& events) override;

 private:
  Status Post(const std::string& body);

  SplunkHecOptions options_;
  std::unique_ptr<httplib::Client> client_;
  uint64_t delivered_seq_ = 0;
};

}  // namespace scanfleet::siem
