// ControllerLoop, part three: API requests. The API socket is a ROUTER that
// REQ clients talk to; every request waiting when an iteration starts (up to
// kMaxApiRequestsPerIteration) is handled in that iteration's transaction, and
// the replies are sent after its commit. See controller_loop.h.
// Thread-safety: called on the loop thread only.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/wire/envelope.h"
#include "common/wire/error_code.h"
#include "controller/loop/controller_loop.h"

namespace scanfleet {

namespace {

constexpr int kMaxApiRequestsPerIteration = 64;

void SetError(v1::ApiResponse& response, const Status& status, std::string_view prefix = "") {
  response = ErrorResponseOf(status, prefix);
}

}  // namespace

Status ControllerLoop::HandleApiRequests(TimeMs now, Outbox& outbox) {
  for (int i = 0; i < kMaxApiRequestsPerIteration; ++i) {
    ASSIGN_OR_RETURN(auto frames, api_->Receive(true));
    if (!frames) break;
    // From a REQ client: its routing id, the request id when it correlates
    // (ZMQ_REQ_CORRELATE), an empty delimiter, then the request. The reply
    // goes back with everything up to the delimiter.
    auto delimiter = std::find(frames->begin() + 1, frames->end(), std::string());
    if (frames->size() < 3 || delimiter == frames->end()) {
      ++counters_.malformed;
      spdlog::warn("dropped a {}-frame message on the API socket (not from a REQ client)",
                   frames->size());
      continue;
    }
    v1::ApiResponse response;
    if (frames->end() - delimiter != 2) {
      SetError(response, Status::DataLoss("expected one frame"), "bad request: ");
    } else {
      ASSIGN_OR_RETURN(response, HandleApiRequest(frames->back(), now, outbox));
    }
    frames->erase(delimiter + 1, frames->end());
    outbox.api_replies.emplace_back(std::move(*frames), std::move(response));
  }
  return Status::Ok();
}

void ControllerLoop::FillStats(v1::ControllerStats& stats) const {
  stats.set_commits(loop_counters_.commits);
  stats.set_worker_frames(loop_counters_.worker_frames);
  stats.set_worker_messages(loop_counters_.worker_messages);
  stats.set_signatures_verified(security_ ? security_->signature_counters().verified.load() : 0);
  stats.set_results(loop_counters_.results);
  stats.set_control_frames(loop_counters_.control_frames);
  stats.set_assignments(loop_counters_.assignments);
  stats.set_longest_iteration_ms(loop_counters_.longest_iteration_ms);
  stats.set_frames_rejected(counters_.rejected() + (security_ ? security_->rejected() : 0));
  stats.set_macs_verified(security_ ? security_->session_counters().verified.load() : 0);
  stats.set_sessions_open(security_ ? security_->open_sessions() : 0);
  stats.set_events_published(loop_counters_.events_published);
  stats.set_event_pages(loop_counters_.event_pages);
  stats.set_replay_pages(replay_ ? replay_->pages_served() : 0);
  stats.set_checkpoints(loop_counters_.checkpoints);
}

StatusOr<v1::ApiResponse> ControllerLoop::HandleApiRequest(const std::string& frame, TimeMs now,
                                                           Outbox& outbox) {
  v1::ApiResponse response;
  auto envelope = DecodeEnvelope(frame, config_.max_frame_bytes, counters_);
  if (!envelope.ok()) {
    SetError(response, envelope.status(), "bad request: ");
    return response;
  }
  if (!envelope->has_api_request()) {
    SetError(response, Status::InvalidArgument("the API socket only takes ApiRequest messages"),
             "bad request: ");
    return response;
  }
  // The ZAP user of the connection this request came in on (read right after
  // its Receive).
  Status allowed = security_
                       ? security_->AuthorizeApi(api_->last_peer_user(), envelope->api_request())
                       : Status::Ok();
  if (!allowed.ok()) {
    SetError(response, allowed);
    return response;
  }
  if (envelope->api_request().has_list_schedules()) {
    auto schedules = triggers_->ListSchedules();
    if (schedules.ok()) {
      *response.mutable_schedules() = std::move(schedules).value();
    } else {
      SetError(response, schedules.status());
    }
    return response;
  }
  if (envelope->api_request().has_checkpoint()) {
    auto checkpoint = AppendCheckpoint(now);
    if (checkpoint.ok()) {
      *response.mutable_checkpoint() = std::move(checkpoint).value();
    } else if (checkpoint.status().code() == StatusCode::kFailedPrecondition) {
      SetError(response, checkpoint.status());
    } else {
      return checkpoint.status();  // the store failed: the iteration stops
    }
    return response;
  }
  // The events a request stores are published from the log after the commit.
  ApiEffects effects;
  response = api_handler_->Handle(envelope->api_request(), now, effects);
  if (response.has_workers()) FillStats(*response.mutable_workers()->mutable_stats());
  std::vector<Decision> cancels(effects.cancels.begin(), effects.cancels.end());
  RETURN_IF_ERROR(ApplyDecisions(cancels, now, outbox));
  return response;
}

}  // namespace scanfleet
