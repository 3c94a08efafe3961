#include "common/siem/splunk_hec_sink.h"

#include <httplib.h>

namespace scanfleet::siem {

namespace {

std::string HostForUrl(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

SplunkHecSink::SplunkHecSink(SplunkHecOptions options) : options_(std::move(options)) {
  std::string base = std::string(options_.https ? "https://" : "http://") +
                     HostForUrl(options_.host) + ":" + std::to_string(options_.port);
  client_ = std::make_unique<httplib::Client>(base);
  client_->set_keep_alive(true);
  client_->set_connection_timeout(options_.connect_timeout_ms / 1000,
                                  (options_.connect_timeout_ms % 1000) * 1000);
  client_->set_read_timeout(options_.io_timeout_ms / 1000, (options_.io_timeout_ms % 1000) * 1000);
  client_->set_write_timeout(options_.io_timeout_ms / 1000, (options_.io_timeout_ms % 1000) * 1000);
  if (options_.https && !options_.ca_file.empty()) client_->set_ca_cert_path(options_.ca_file);
}

SplunkHecSink::~SplunkHecSink() = default;

std::string SplunkHecSink::Describe() const {
  return std::string(options_.https ? "splunk-hecs://" : "splunk-hec://") +
         HostForUrl(options_.host) + ":" + std::to_string(options_.port) + options_.path + " (" +
         std::string(EventFormatName(options_.envelope.format)) + ")";
}

Status SplunkHecSink::Deliver(const std::vector<LoggedEvent>& events) {
  std::vector<LoggedEvent> fresh;
  for (const auto& logged : events) {
    if (logged.event.seq() > delivered_seq_) fresh.push_back(logged);
  }
  for (const auto& request : SplitHecRequests(options_.envelope, fresh, options_.max_body_bytes)) {
    if (!request.body.empty()) RETURN_IF_ERROR(Post(request.body));
    delivered_seq_ = request.last_seq;
  }
  return Status::Ok();
}

Status SplunkHecSink::Post(const std::string& body) {
  httplib::Headers headers = {{"Authorization", "Splunk " + options_.token}};
  auto result = client_->Post(options_.path, headers, body, "application/json");
  if (!result) {
    return Status::Unavailable(Describe() + ": " + httplib::to_string(result.error()));
  }
  const int status = result->status;
  HecReply reply = ParseHecReply(result->body);
  std::string what = Describe() + ": HTTP " + std::to_string(status);
  if (reply.code) what += " (code " + std::to_string(*reply.code) + ")";
  if (!reply.text.empty()) what += ": " + reply.text;
  if (status >= 200 && status < 300) {
    if (reply.code == 0) return Status::Ok();
    return Status::Unavailable(what + "; expected {\"code\":0}");
  }
  if (status >= 500 || status == 429) return Status::Unavailable(what);
  return Status::FailedPrecondition(what + "; not retried (check the token, index and URL)");
}

}  // namespace scanfleet::siem
