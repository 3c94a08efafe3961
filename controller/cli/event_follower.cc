#include "controller/cli/event_follower.h"

#include <iostream>

#include "common/time/clock.h"

namespace scanfleet::cli {

namespace {
constexpr size_t kMaxLiveBatch = 1000;
}  // namespace

EventFollower::EventFollower(Context& context, ApiClient& client, const ClientSecurity& security,
                             int timeout_ms)
    : context_(context),
      client_(client),
      security_(security),
      timeout_ms_(timeout_ms),
      verifier_(security.controller, 5 * 60 * 1000) {}

StatusOr<uint64_t> EventFollower::NewestSeq() {
  v1::ApiRequest probe;
  probe.mutable_replay_events()->set_after_seq(UINT64_MAX >> 1);
  ASSIGN_OR_RETURN(v1::ApiResponse last, client_.Call(probe, timeout_ms_));
  return last.events().last_seq();
}

Status EventFollower::Hand(const std::vector<v1::Event>& batch, const Handler& handler) {
  std::vector<v1::Event> fresh;
  for (const auto& event : batch) {
    if (event.seq() > last_seq_ && (fresh.empty() || event.seq() > fresh.back().seq())) {
      fresh.push_back(event);
    }
  }
  if (fresh.empty() || done_) return Status::Ok();
  ASSIGN_OR_RETURN(bool stop, handler(fresh));
  last_seq_ = fresh.back().seq();
  if (stop) done_ = true;
  return Status::Ok();
}

Status EventFollower::CatchUp(const Handler& handler) {
  while (!done_) {
    v1::ApiRequest request;
    request.mutable_replay_events()->set_after_seq(last_seq_);
    ASSIGN_OR_RETURN(v1::ApiResponse response, client_.Call(request, timeout_ms_));
    SystemClock clock;
    auto events = verifier_.FromReplay(response.events(), clock.NowMs());
    if (!events.ok()) return events.status().WithContext("replayed events rejected");
    uint64_t first = response.events().first_seq();
    if (first > last_seq_ + 1 && !warned_pruned_) {
      std::cerr << "scanfleet: events " << last_seq_ + 1 << ".." << first - 1
                << " were deleted by the controller's retention before they were read\n";
      warned_pruned_ = true;
    }
    RETURN_IF_ERROR(Hand(*events, handler));
    if (events->empty() || last_seq_ >= response.events().last_seq()) break;
  }
  return Status::Ok();
}

Status EventFollower::Follow(uint64_t start_after_seq, const Handler& handler,
                             const StopCheck& should_stop) {
  v1::ApiRequest endpoints_request;
  endpoints_request.mutable_get_endpoints();
  ASSIGN_OR_RETURN(v1::ApiResponse endpoints, client_.Call(endpoints_request, timeout_ms_));
  SocketOptions sub_options;
  sub_options.subscriptions = {""};
  sub_options.recv_hwm = 1000000;
  sub_options.curve = security_.Curve();
  std::string events_endpoint =
      TcpEndpoint(TcpHost(client_.endpoint()), endpoints.endpoints().events_port());
  ASSIGN_OR_RETURN(Socket socket,
                   Socket::Connect(context_, SocketKind::kSub, events_endpoint, sub_options));

  last_seq_ = start_after_seq;
  done_ = false;
  RETURN_IF_ERROR(CatchUp(handler));
  SystemClock clock;
  while (!done_ && !(should_stop && should_stop())) {
    ASSIGN_OR_RETURN(auto frames, socket.ReceiveWithin(1000));
    bool need_replay = !frames.has_value();  // quiet: check nothing was missed
    std::vector<v1::Event> live;
    uint64_t expected = last_seq_ + 1;
    while (frames.has_value()) {
      auto event = verifier_.FromFrames(*frames, clock.NowMs());
      if (!event.ok()) {
        // Never delivered; the replay (signed on the API channel) fills the gap.
        std::cerr << "scanfleet: rejected an event: " << event.status().message() << "\n";
        need_replay = true;
        break;
      }
      if (event->topic() == "heartbeat") {
        // The stream's heartbeat: more stored than we have means a lost tail.
        if (event->last_seq() >= expected) need_replay = true;
      } else if (event->seq() == expected) {
        live.push_back(std::move(*event));
        ++expected;
      } else if (event->seq() > expected) {
        need_replay = true;  // a gap: stop here, the replay fetches the rest
        break;
      }
      if (live.size() >= kMaxLiveBatch) break;
      ASSIGN_OR_RETURN(frames, socket.ReceiveWithin(0));
    }
    RETURN_IF_ERROR(Hand(live, handler));
    if (need_replay && !done_) RETURN_IF_ERROR(CatchUp(handler));
  }
  return Status::Ok();
}

}  // namespace scanfleet::cli
