#include "controller/triggers/webhook_server.h"

#include <httplib.h>
#include <spdlog/fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "controller/triggers/webhook_request.h"

namespace scanfleet {

struct WebhookServer::Impl {
  httplib::Server http;
};

namespace {

void Answer(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_content(body.dump() + "\n", "application/json");
}

}  // namespace

Status SplitListenAddress(const std::string& text, std::string& host, int& port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return Status::InvalidArgument("--webhook-listen wants HOST:PORT, got '" + text + "'");
  }
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::string digits = text.substr(colon + 1);
  if (digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos ||
      std::stoi(digits) > 65535) {
    return Status::InvalidArgument("--webhook-listen: '" + digits + "' is not a port");
  }
  port = std::stoi(digits);
  return Status::Ok();
}

void WebhookServer::Count(const std::string& reason) {
  std::map<std::string, uint64_t> snapshot;
  {
    std::lock_guard<std::mutex> lock(counters_mutex_);
    ++counters_[reason];
    if (reason == "accepted" || reason == "duplicate") return;
    snapshot = counters_;
  }
  spdlog::warn("webhook: answered '{}' (counts: {})", reason, snapshot);
}

std::map<std::string, uint64_t> WebhookServer::Counters() const {
  std::lock_guard<std::mutex> lock(counters_mutex_);
  return counters_;
}

StatusOr<std::unique_ptr<WebhookServer>> WebhookServer::Start(const Options& options,
                                                              const ReposFile& repos,
                                                              LoopInbox& inbox) {
  std::string host;
  int port = 0;
  RETURN_IF_ERROR(SplitListenAddress(options.listen, host, port));
  std::unique_ptr<WebhookServer> server(new WebhookServer());
  server->impl_ = std::make_unique<Impl>();
  httplib::Server& http = server->impl_->http;
  WebhookServer* self = server.get();
  http.set_payload_max_length(options.max_body_bytes);
  http.set_read_timeout(10, 0);
  http.set_write_timeout(10, 0);
  http.Post("/webhook", [self, &repos, &inbox, options](const httplib::Request& request,
                                                        httplib::Response& response) {
    HttpHeaders headers;
    for (const auto& [name, value] : request.headers) headers.emplace(name, value);
    WebhookVerdict verdict = EvaluateWebhook(repos, headers, request.body);
    if (!verdict.submit) {
      self->Count(verdict.reason);
      spdlog::info("webhook: {} {}: {}", verdict.http_status, verdict.reason, verdict.message);
      const char* outcome = verdict.reason == "ping"    ? "pong"
                            : verdict.http_status < 300 ? "ignored"
                                                        : "rejected";
      Answer(response, verdict.http_status,
             {{"status", outcome}, {"reason", verdict.reason}, {"message", verdict.message}});
      return;
    }
    v1::ApiRequest api_request;
    *api_request.mutable_submit_scan() = *verdict.submit;
    std::future<v1::ApiResponse> reply = inbox.Post(std::move(api_request));
    if (reply.wait_for(std::chrono::milliseconds(options.loop_reply_timeout_ms)) !=
        std::future_status::ready) {
      self->Count("unavailable");
      Answer(response, 503,
             {{"status", "rejected"},
              {"reason", "unavailable"},
              {"message", "the controller did not answer in time; redeliver"}});
      return;
    }
    v1::ApiResponse answer;
    try {
      answer = reply.get();
    } catch (const std::future_error&) {
      self->Count("unavailable");
      Answer(response, 503,
             {{"status", "rejected"},
              {"reason", "unavailable"},
              {"message", "the controller is stopping; redeliver"}});
      return;
    }
    if (!answer.error().empty()) {
      self->Count("submit_failed");
      spdlog::warn("webhook: submit of {} refused: {}", verdict.submit->idempotency_key(),
                   answer.error());
      Answer(response, 422,
             {{"status", "rejected"}, {"reason", "submit_failed"}, {"message", answer.error()}});
      return;
    }
    nlohmann::json body = {{"scan_id", answer.submit_scan().scan_id()}};
    if (answer.submit_scan().duplicate()) body["duplicate"] = true;
    self->Count(answer.submit_scan().duplicate() ? "duplicate" : "accepted");
    spdlog::info("webhook: {} -> scan {}{}", verdict.submit->idempotency_key(),
                 answer.submit_scan().scan_id(),
                 answer.submit_scan().duplicate() ? " (duplicate delivery)" : "");
    Answer(response, 202, body);
  });
  auto wrong_method = [self](const httplib::Request&, httplib::Response& response) {
    self->Count("bad_method");
    response.set_header("Allow", "POST");
    Answer(response, 405,
           {{"status", "rejected"},
            {"reason", "bad_method"},
            {"message", "webhooks are delivered with POST"}});
  };
  http.Get("/webhook", wrong_method);
  http.Put("/webhook", wrong_method);
  http.Patch("/webhook", wrong_method);
  http.Delete("/webhook", wrong_method);
  http.Get("/healthz", [self](const httplib::Request&, httplib::Response& response) {
    Answer(response, 200, {{"status", "ok"}, {"counters", self->Counters()}});
  });
  // Bodies over the limit are refused by cpp-httplib before any handler runs.
  http.set_logger([self](const httplib::Request&, const httplib::Response& response) {
    if (response.status == 413) self->Count("too_large");
  });
  server->port_ =
      port == 0 ? http.bind_to_any_port(host) : (http.bind_to_port(host, port) ? port : -1);
  if (server->port_ <= 0) {
    return Status::Unavailable("--webhook-listen " + options.listen + ": cannot bind");
  }
  server->thread_ = std::thread([self] { self->impl_->http.listen_after_bind(); });
  spdlog::info("webhook receiver listening on {}:{} (max body {} bytes, {} repositories)", host,
               server->port_, options.max_body_bytes, repos.repos.size());
  return server;
}

WebhookServer::~WebhookServer() {
  if (impl_) impl_->http.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace scanfleet
