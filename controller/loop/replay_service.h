// ReplayService: answers ReplayEvents requests on the controller's replay
// socket (a ROUTER, GetEndpointsResponse.replay_port) from its own thread and
// its own read-only SQLite connection, so subscribers catching up on a long
// log never hold the loop that stores and dispatches. Each answer is one
// EventPage (at most `max_events` events, about `max_bytes`) under one
// signature, like a live page. A request from a key revoked since its
// connection was made (SIGHUP) is refused.
// Thread-safety: Start() and the destructor on the loop thread; everything
// else runs on the service's own thread; counters are atomic.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "common/security/message_signing.h"
#include "common/time/clock.h"
#include "common/transport/zmq_socket.h"
#include "common/wire/envelope.h"
#include "controller/store/event_log_reader.h"

namespace scanfleet {

class ReplayService {
 public:
  struct Options {
    uint32_t max_events = 1000;      // events per page (a request may ask fewer)
    size_t max_bytes = 1024 * 1024;  // about this many event bytes per page
    int64_t max_frame_bytes = kDefaultMaxFrameBytes;
  };
  // True when the ZAP user ("role:name") may still replay; null: everyone.
  using StillAllowed = std::function<bool(const std::string& peer_user)>;

  // Takes the bound socket and the reader to its thread; `signer` null under
  // --insecure-dev.
  static std::unique_ptr<ReplayService> Start(Socket socket, std::unique_ptr<EventLogReader> reader,
                                              std::optional<MessageSigner> signer,
                                              StillAllowed still_allowed, Options options,
                                              const Clock& clock);
  ~ReplayService();  // stops and joins the thread
  ReplayService(const ReplayService&) = delete;
  ReplayService& operator=(const ReplayService&) = delete;

  uint64_t pages_served() const { return pages_.load(); }
  uint64_t requests_refused() const { return refused_.load(); }

 private:
  ReplayService(Socket socket, std::unique_ptr<EventLogReader> reader,
                std::optional<MessageSigner> signer, StillAllowed still_allowed, Options options,
                const Clock& clock);
  void Run();
  v1::ApiResponse Answer(const std::string& frame, const std::string& peer_user);

  Socket socket_;
  std::unique_ptr<EventLogReader> reader_;
  std::optional<MessageSigner> signer_;
  StillAllowed still_allowed_;
  Options options_;
  const Clock& clock_;  // thread-safe (reads the time only)
  WireCounters counters_;
  uint64_t next_message_id_ = 1;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> pages_{0};
  std::atomic<uint64_t> refused_{0};
  std::thread thread_;
};

}  // namespace scanfleet
