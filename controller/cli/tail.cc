// `scanfleet tail`: follows the event stream without gaps or duplicates.
//
// It subscribes first, then asks the controller to replay everything after its
// starting sequence number, and drops live events it already has. A live event
// beyond the next expected seq means events were dropped on the wire: the gap
// is filled by another replay. A quiet stream is checked by replay too.
#include <iostream>

#include "common/security/event_verifier.h"
#include "common/time/clock.h"
#include "common/wire/convert.h"
#include "controller/cli/commands.h"
#include "controller/cli/render.h"

namespace scanfleet::cli {

namespace {

class Follower {
 public:
  Follower(ApiClient& client, EventVerifier& verifier, const TailOptions& options, int timeout_ms)
      : client_(client), verifier_(verifier), options_(options), timeout_ms_(timeout_ms) {}

  // Replays stored events after last_seq_ until caught up.
  Status CatchUp() {
    while (!done_) {
      v1::ApiRequest request;
      request.mutable_replay_events()->set_after_seq(last_seq_);
      ASSIGN_OR_RETURN(v1::ApiResponse response, client_.Call(request, timeout_ms_));
      SystemClock clock;
      auto events = verifier_.FromReplay(response.events(), clock.NowMs());
      if (!events.ok()) return events.status().WithContext("replayed events rejected");
      uint64_t first = response.events().first_seq();
      if (first > last_seq_ + 1 && !warned_pruned_) {
        std::cerr << "scanfleet tail: events " << last_seq_ + 1 << ".." << first - 1
                  << " were deleted by the controller's retention before they were read\n";
        warned_pruned_ = true;
      }
      for (const auto& event : *events) Deliver(event);
      if (events->empty() || last_seq_ >= response.events().last_seq()) {
        break;
      }
    }
    return Status::Ok();
  }

  // Handles one live event; returns false when a gap needs a replay.
  bool OnLive(const v1::Event& event) {
    // A stream heartbeat announcing more than we have: the tail was lost.
    if (event.topic() == "heartbeat") return event.last_seq() <= last_seq_;
    if (event.seq() <= last_seq_) return true;  // already delivered
    if (event.seq() != last_seq_ + 1) return false;
    Deliver(event);
    return true;
  }

  void StartAfter(uint64_t seq) { last_seq_ = seq; }
  bool done() const { return done_; }

 private:
  void Deliver(const v1::Event& event) {
    if (event.seq() <= last_seq_ || done_) return;
    last_seq_ = event.seq();
    if (options_.scan_id != 0 && event.scan_id() != options_.scan_id) return;
    nlohmann::json line = {{"seq", event.seq()},
                           {"topic", event.topic()},
                           {"scan_id", event.scan_id()},
                           {"job_id", event.job_id()},
                           {"created_ms", event.created_ms()}};
    if (event.has_finding()) {
      line["finding"] = FindingJson(event.finding());
      std::cout << line.dump() << "\n" << std::flush;
      ++findings_;
      if (options_.max_findings >= 0 && findings_ >= options_.max_findings) done_ = true;
      return;
    }
    if (event.has_scan()) {
      auto state = event.scan().state();
      if (options_.all_events) {
        line["state"] = std::string(ScanStateName(state));
        std::cout << line.dump() << "\n" << std::flush;
      }
      bool terminal =
          state == v1::SCAN_SUCCEEDED || state == v1::SCAN_FAILED || state == v1::SCAN_CANCELLED;
      if (terminal && options_.until_scan_done != 0 &&
          event.scan_id() == options_.until_scan_done) {
        done_ = true;
      }
    }
  }

  ApiClient& client_;
  EventVerifier& verifier_;
  const TailOptions& options_;
  int timeout_ms_;
  uint64_t last_seq_ = 0;
  int64_t findings_ = 0;
  bool done_ = false;
  bool warned_pruned_ = false;
};

}  // namespace

int Tail(Context& context, ApiClient& client, const ClientSecurity& security,
         const TailOptions& options, int timeout_ms) {
  v1::ApiRequest endpoints_request;
  endpoints_request.mutable_get_endpoints();
  auto endpoints = client.Call(endpoints_request, timeout_ms);
  if (!endpoints.ok()) return ReportError(endpoints.status());
  SocketOptions sub_options;
  sub_options.subscriptions = {""};
  sub_options.recv_hwm = 1000000;
  sub_options.curve = security.Curve();
  std::string events_endpoint =
      TcpEndpoint(TcpHost(client.endpoint()), endpoints->endpoints().events_port());
  auto socket = Socket::Connect(context, SocketKind::kSub, events_endpoint, sub_options);
  if (!socket.ok()) return ReportError(socket.status());

  // Events are signed by the controller; a window of 5 minutes tolerates clock
  // skew between the controller and this host.
  EventVerifier verifier(security.controller, 5 * 60 * 1000);
  Follower follower(client, verifier, options, timeout_ms);
  uint64_t start = 0;
  if (options.from_seq >= 0) {
    start = static_cast<uint64_t>(options.from_seq);
  } else {
    v1::ApiRequest probe;
    probe.mutable_replay_events()->set_after_seq(UINT64_MAX >> 1);
    auto last = client.Call(probe, timeout_ms);
    if (!last.ok()) return ReportError(last.status());
    start = last->events().last_seq();
  }
  follower.StartAfter(start);
  if (auto status = follower.CatchUp(); !status.ok()) return ReportError(status);
  SystemClock clock;
  while (!follower.done()) {
    auto frames = socket->ReceiveWithin(1000);
    if (!frames.ok()) return ReportError(frames.status());
    bool need_replay = !frames->has_value();  // quiet: check nothing was missed
    if (frames->has_value()) {
      auto event = verifier.FromFrames(**frames, clock.NowMs());
      if (event.ok()) {
        need_replay = !follower.OnLive(*event);
      } else {
        // Never delivered; the replay (signed on the API channel) fills the gap.
        std::cerr << "scanfleet tail: rejected an event: " << event.status().message() << "\n";
        need_replay = true;
      }
    }
    if (need_replay) {
      if (auto status = follower.CatchUp(); !status.ok()) return ReportError(status);
    }
  }
  return kExitOk;
}

}  // namespace scanfleet::cli
