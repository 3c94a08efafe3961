// SyslogTcpSink: forwards events as RFC 5424 messages carrying CEF or LEEF,
// framed by RFC 6587 octet counting, over one TCP connection.
//
// Delivered means: written and acknowledged by the receiver's TCP stack
// (ByteStream::WaitAcknowledged). A failed write or acknowledgement drops the
// connection; the next Deliver() reconnects and re-sends every event of the
// batch after the last acknowledged one. The receiver may therefore see an
// event twice when the connection broke after it arrived but before its
// acknowledgement was seen (the at-least-once window: one batch at most).
// The caller (SinkFanout) spaces retries with exponential backoff.
// Thread-safety: one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/siem/byte_stream.h"
#include "common/siem/event_sink.h"

namespace scanfleet::siem {

struct SyslogSinkOptions {
  EventFormat format = EventFormat::kCef;  // kCef or kLeef
  std::string hostname;                    // HOSTNAME header field ("-" if empty)
  std::string app_name = "scanfleet";
  int facility = 13;  // log audit
  std::string product_version;
  int ack_timeout_ms = 10000;
  bool cef_extension_space = false;  // see FormatCef
};

class SyslogTcpSink final : public EventSink {
 public:
  SyslogTcpSink(std::unique_ptr<StreamConnector> connector, SyslogSinkOptions options);

  std::string Describe() const override;
  Status Deliver(const std::vector<LoggedEvent>& events) override;
  uint64_t delivered_seq() const { return delivered_seq_; }

  // The full framed bytes of one event (exposed for tests).
  std::string Frame(const LoggedEvent& logged) const;

 private:
  std::unique_ptr<StreamConnector> connector_;
  SyslogSinkOptions options_;
  std::unique_ptr<ByteStream> stream_;
  uint64_t delivered_seq_ = 0;
};

}  // namespace scanfleet::siem
