// WebhookServer: the controller's HTTP endpoint for forge push webhooks.
//
//   POST /webhook   a GitHub, Gitea or GitLab delivery (docs/WEBHOOKS.md)
//   GET  /healthz   {"status":"ok", "counters": {reason: count}}
//
// Each delivery is judged by EvaluateWebhook on the HTTP thread; a verified
// push is handed to the controller loop through a LoopInbox (as role
// "webhook", which may only submit) and answered 202 with the scan id once
// the loop has committed it. Bodies over the limit get 413 without being
// buffered. Every answer is counted by reason and logged with the counters.
// Thread-safety: Start() and Stop() from one thread; the HTTP worker threads
// touch only the read-only ReposFile, the inbox and the counters.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status/status.h"
#include "controller/triggers/loop_inbox.h"
#include "controller/triggers/repos_file.h"

namespace scanfleet {

class WebhookServer {
 public:
  struct Options {
    std::string listen;  // HOST:PORT (port 0: any free port)
    size_t max_body_bytes = 1 << 20;
    int loop_reply_timeout_ms = 15000;  // the loop's answer, before 503
  };

  // Binds and starts serving; `repos` and `inbox` must outlive the server.
  static StatusOr<std::unique_ptr<WebhookServer>> Start(const Options& options,
                                                        const ReposFile& repos, LoopInbox& inbox);
  ~WebhookServer();  // stops and joins

  int port() const { return port_; }
  std::map<std::string, uint64_t> Counters() const;

 private:
  struct Impl;
  WebhookServer() = default;
  void Count(const std::string& reason);

  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex counters_mutex_;
  std::map<std::string, uint64_t> counters_;
};

// "HOST:PORT" -> host, port; InvalidArgument naming the flag otherwise.
Status SplitListenAddress(const std::string& text, std::string& host, int& port);

}  // namespace scanfleet
