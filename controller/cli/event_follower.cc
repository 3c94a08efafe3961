#include "controller/cli/event_follower.h"

#include <iostream>

#include "common/eventlog/chain.h"
#include "common/time/clock.h"

namespace scanfleet::cli {

namespace {
constexpr size_t kMaxLivePages = 64;
}  // namespace

EventFollower::EventFollower(Context& context, ApiClient& client, const ClientSecurity& security,
                             int timeout_ms, bool chains_per_event)
    : context_(context),
      client_(client),
      security_(security),
      timeout_ms_(timeout_ms),
      chains_per_event_(chains_per_event),
      verifier_(security.controller, 5 * 60 * 1000) {}

Status EventFollower::LearnEndpoints() {
  if (endpoints_) return Status::Ok();
  v1::ApiRequest request;
  request.mutable_get_endpoints();
  ASSIGN_OR_RETURN(v1::ApiResponse response, client_.Call(request, timeout_ms_));
  if (response.endpoints().replay_port() == 0) {
    return Status::FailedPrecondition(
        "the controller names no replay socket: it predates event pages (protocol version 2)");
  }
  endpoints_ = response.endpoints();
  replay_ = std::make_unique<ApiClient>(
      context_, TcpEndpoint(TcpHost(client_.endpoint()), endpoints_->replay_port()), "follower",
      security_.Curve());
  return Status::Ok();
}

StatusOr<VerifiedPage> EventFollower::ReplayAfter(uint64_t after_seq) {
  RETURN_IF_ERROR(LearnEndpoints());
  v1::ApiRequest request;
  request.mutable_replay_events()->set_after_seq(after_seq);
  ASSIGN_OR_RETURN(v1::ApiResponse response, replay_->Call(request, timeout_ms_));
  auto page = verifier_.FromReplay(response.events(), SystemClock().NowMs());
  if (!page.ok()) return page.status().WithContext("replayed page rejected");
  ++pages_;
  return page;
}

StatusOr<uint64_t> EventFollower::NewestSeq() {
  ASSIGN_OR_RETURN(VerifiedPage page, ReplayAfter(UINT64_MAX >> 1));
  return page.head_seq;
}

Status EventFollower::Hand(VerifiedPage page, const Handler& handler) {
  if (page.events.empty() || done_) return Status::Ok();
  uint64_t last = page.first_seq + page.events.size() - 1;
  if (last <= last_seq_) return Status::Ok();
  if (page.first_seq == last_seq_ + 1 && last_chain_ && page.prev_chain != *last_chain_) {
    return Status::DataLoss("event " + std::to_string(page.first_seq) +
                            " does not continue the hash chain of the events before it: the "
                            "controller's log was rewritten or replaced (run "
                            "`scanfleet verify-log`)");
  }
  std::vector<LoggedEvent> fresh;
  fresh.reserve(static_cast<size_t>(last - last_seq_));
  std::string prev = page.prev_chain;
  for (size_t i = 0; i < page.events.size(); ++i) {
    uint64_t seq = page.first_seq + i;
    std::string chain = chains_per_event_ ? NextChainHash(prev, seq, page.bytes[i]) : "";
    if (seq > last_seq_) {
      fresh.push_back(LoggedEvent{std::move(page.events[i]), std::move(page.bytes[i]),
                                  chains_per_event_ ? prev : "", chain, {}});
    }
    prev = std::move(chain);
  }
  if (chains_per_event_ && prev != page.last_chain) {
    return Status::DataLoss("events " + std::to_string(page.first_seq) + ".." +
                            std::to_string(last) +
                            " do not hash to the chain their page states: the controller's log "
                            "was altered (run `scanfleet verify-log`)");
  }
  ASSIGN_OR_RETURN(bool stop, handler(fresh));
  last_seq_ = last;
  last_chain_ = std::move(page.last_chain);
  if (stop) done_ = true;
  return Status::Ok();
}

Status EventFollower::CatchUp(const Handler& handler) {
  while (!done_) {
    ASSIGN_OR_RETURN(VerifiedPage page, ReplayAfter(last_seq_));
    if (!page.events.empty() && page.first_seq > last_seq_ + 1) {
      // Retention deleted what this follower had not read: the chain
      // restarts from the page's (signed) anchor.
      if (!warned_pruned_) {
        std::cerr << "scanfleet: events " << last_seq_ + 1 << ".." << page.first_seq - 1
                  << " were deleted by the controller's retention before they were read\n";
        warned_pruned_ = true;
      }
      last_seq_ = page.first_seq - 1;
      last_chain_.reset();
    }
    bool empty = page.events.empty();
    uint64_t head = page.head_seq;
    RETURN_IF_ERROR(Hand(std::move(page), handler));
    if (empty || last_seq_ >= head) break;
  }
  return Status::Ok();
}

Status EventFollower::Follow(uint64_t start_after_seq, const Handler& handler,
                             const StopCheck& should_stop) {
  RETURN_IF_ERROR(LearnEndpoints());
  SocketOptions sub_options;
  sub_options.subscriptions = {"page", "heartbeat"};
  sub_options.recv_hwm = 100000;
  sub_options.curve = security_.Curve();
  std::string events_endpoint = TcpEndpoint(TcpHost(client_.endpoint()), endpoints_->events_port());
  ASSIGN_OR_RETURN(Socket socket,
                   Socket::Connect(context_, SocketKind::kSub, events_endpoint, sub_options));

  last_seq_ = start_after_seq;
  last_chain_.reset();
  done_ = false;
  RETURN_IF_ERROR(CatchUp(handler));
  SystemClock clock;
  while (!done_ && !(should_stop && should_stop())) {
    ASSIGN_OR_RETURN(auto frames, socket.ReceiveWithin(1000));
    bool need_replay = !frames.has_value();  // quiet: check nothing was missed
    for (size_t pages = 0; frames.has_value() && !done_; ++pages) {
      auto page = verifier_.FromFrames(*frames, clock.NowMs());
      if (!page.ok()) {
        // Never delivered; the replay (signed on its own channel) fills the gap.
        std::cerr << "scanfleet: rejected an event page: " << page.status().message() << "\n";
        need_replay = true;
        break;
      }
      ++pages_;
      if (page->heartbeat) {
        // The stream's heartbeat: more stored than we have means a lost tail.
        if (page->head_seq > last_seq_) need_replay = true;
      } else if (page->first_seq > last_seq_ + 1) {
        need_replay = true;  // a gap: stop here, the replay fetches the rest
        break;
      } else {
        RETURN_IF_ERROR(Hand(std::move(*page), handler));
      }
      if (pages + 1 >= kMaxLivePages) break;
      ASSIGN_OR_RETURN(frames, socket.ReceiveWithin(0));
    }
    if (need_replay && !done_) RETURN_IF_ERROR(CatchUp(handler));
  }
  return Status::Ok();
}

}  // namespace scanfleet::cli
