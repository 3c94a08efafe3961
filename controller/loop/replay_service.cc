#include "controller/loop/replay_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/wire/error_code.h"

namespace scanfleet {

namespace {

constexpr int kPollMs = 100;
constexpr int kMaxRequestsPerWake = 64;

}  // namespace

std::unique_ptr<ReplayService> ReplayService::Start(Socket socket,
                                                    std::unique_ptr<EventLogReader> reader,
                                                    std::optional<MessageSigner> signer,
                                                    StillAllowed still_allowed, Options options,
                                                    const Clock& clock) {
  std::unique_ptr<ReplayService> service(
      new ReplayService(std::move(socket), std::move(reader), std::move(signer),
                        std::move(still_allowed), options, clock));
  service->thread_ = std::thread([raw = service.get()] { raw->Run(); });
  return service;
}

ReplayService::ReplayService(Socket socket, std::unique_ptr<EventLogReader> reader,
                             std::optional<MessageSigner> signer, StillAllowed still_allowed,
                             Options options, const Clock& clock)
    : socket_(std::move(socket)),
      reader_(std::move(reader)),
      signer_(std::move(signer)),
      still_allowed_(std::move(still_allowed)),
      options_(options),
      clock_(clock) {}

ReplayService::~ReplayService() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ReplayService::Run() {
  Poller poller;
  poller.Add(socket_);
  while (!stop_) {
    auto ready = poller.Wait(kPollMs);
    if (!ready.ok()) {
      // The context is ending (or the socket broke): replays stop, the loop
      // goes on; subscribers see replay calls time out.
      spdlog::error("replay socket: {}; replays stop", ready.status().ToString());
      return;
    }
    for (int i = 0; i < kMaxRequestsPerWake; ++i) {
      auto frames = socket_.Receive(true);
      if (!frames.ok() || !*frames) break;
      // [routing id, request id (REQ_CORRELATE), empty delimiter, request].
      auto delimiter = std::find((*frames)->begin() + 1, (*frames)->end(), std::string());
      if ((*frames)->size() < 3 || delimiter == (*frames)->end() ||
          (*frames)->end() - delimiter != 2) {
        ++counters_.malformed;
        continue;
      }
      v1::ApiResponse response = Answer((*frames)->back(), socket_.last_peer_user());
      (*frames)->erase(delimiter + 1, (*frames)->end());
      v1::Envelope reply;
      *reply.mutable_api_response() = std::move(response);
      (*frames)->push_back(
          EncodeEnvelope(reply, next_message_id_++, kControllerSender, clock_.NowMs()));
      if (Status sent = socket_.Send(**frames, /*dont_wait=*/true); !sent.ok()) {
        spdlog::warn("replay answer not sent: {}", sent.ToString());
      }
    }
  }
}

v1::ApiResponse ReplayService::Answer(const std::string& frame, const std::string& peer_user) {
  auto envelope = DecodeEnvelope(frame, options_.max_frame_bytes, counters_);
  if (!envelope.ok()) return ErrorResponseOf(envelope.status(), "bad request: ");
  if (!envelope->has_api_request() || !envelope->api_request().has_replay_events()) {
    return ErrorResponseOf(
        Status::InvalidArgument("the replay socket answers ReplayEvents requests only"),
        "bad request: ");
  }
  if (still_allowed_ && !still_allowed_(peer_user)) {
    ++refused_;
    return ErrorResponseOf(Status::PermissionDenied(
        "key '" + peer_user + "' is no longer allowed to read the event stream"));
  }
  const v1::ReplayEventsRequest& request = envelope->api_request().replay_events();
  uint32_t limit = request.limit();
  if (limit == 0 || limit > options_.max_events) limit = options_.max_events;
  auto page = reader_->pages().Read(request.after_seq(), limit, options_.max_bytes);
  if (!page.ok()) {
    spdlog::error("replay after seq {}: {}", request.after_seq(), page.status().ToString());
    return ErrorResponseOf(page.status());
  }
  v1::ApiResponse response;
  v1::ReplayEventsResponse& replay = *response.mutable_events();
  replay.set_last_seq(page->head_seq);
  replay.set_first_seq(page->first_stored_seq);
  v1::Envelope body;
  *body.mutable_event_page() = EventPageOf(std::move(*page));
  int64_t now = clock_.NowMs();
  std::string bytes = EncodeEnvelope(body, next_message_id_++, kControllerSender, now);
  v1::SignedBlob& blob = *replay.mutable_page();
  if (signer_) {
    SignedParts parts = signer_->Sign("event_page", 0, 0, bytes, now);
    blob.set_header(std::move(parts.header));
    blob.set_signature(std::move(parts.signature));
  }
  blob.set_body(std::move(bytes));
  ++pages_;
  return response;
}

}  // namespace scanfleet
