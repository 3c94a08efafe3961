#include "common/siem/syslog_tcp_sink.h"

#include <unistd.h>

#include "common/siem/event_fields.h"
#include "common/siem/syslog_message.h"

namespace scanfleet::siem {

SyslogTcpSink::SyslogTcpSink(std::unique_ptr<StreamConnector> connector, SyslogSinkOptions options)
    : connector_(std::move(connector)), options_(std::move(options)) {}

std::string SyslogTcpSink::Describe() const {
  return "syslog-tcp://" + connector_->Describe() + " (" +
         std::string(EventFormatName(options_.format)) + ")";
}

std::string SyslogTcpSink::Frame(const LoggedEvent& logged) const {
  const v1::Event& event = logged.event;
  auto payload =
      RenderEvent(options_.format, logged, options_.product_version, options_.cef_extension_space);
  if (!payload) return "";
  SyslogMessage message;
  message.facility = options_.facility;
  message.severity = event.has_finding() ? SyslogSeverity(event.finding().severity()) : 6;
  message.timestamp_ms = event.created_ms();
  message.hostname = options_.hostname;
  message.app_name = options_.app_name;
  message.procid = std::to_string(getpid());
  message.msgid = event.topic();
  message.structured_data.push_back(
      {"scanfleet@32473",
       {{"seq", std::to_string(event.seq())}, {"scan", std::to_string(event.scan_id())}}});
  message.msg = std::move(*payload);
  // CEF/LEEF parsers expect the MSG to start with "CEF:"/"LEEF:": MSG-ANY.
  return FrameOctetCounted(FormatRfc5424(message, BomPolicy::kNever));
}

Status SyslogTcpSink::Deliver(const std::vector<LoggedEvent>& events) {
  std::string bytes;
  uint64_t last_seq = delivered_seq_;
  for (const auto& logged : events) {
    if (logged.event.seq() <= delivered_seq_) continue;
    bytes += Frame(logged);
    last_seq = logged.event.seq();
  }
  if (last_seq == delivered_seq_) return Status::Ok();
  if (!stream_) {
    auto stream = connector_->Connect();
    if (!stream.ok()) return stream.status();
    stream_ = std::move(*stream);
  }
  Status status = stream_->WriteAll(bytes);
  if (status.ok()) status = stream_->WaitAcknowledged(options_.ack_timeout_ms);
  if (!status.ok()) {
    stream_.reset();  // reconnect and re-send the batch on the next call
    return status;
  }
  delivered_seq_ = last_seq;
  return Status::Ok();
}

}  // namespace scanfleet::siem
