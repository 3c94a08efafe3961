// ControllerLoop, part four: the event plane. Events are stored by the
// iteration that causes them (each with its chain hash, EventLog); after the
// commit the loop reads back what was committed since it last published and
// sends it as signed pages (one signature per page, topic "page"). Every
// heartbeat interval an empty page carries the head seq (topic "heartbeat").
// Checkpoints sign the log's head on a schedule and on demand; retention keeps
// the signed anchor of what it deleted. Replays are the ReplayService's.
// See controller_loop.h and docs/SECURITY.md ("Tamper-evident log").
// Thread-safety: called on the loop thread only.
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "common/security/checkpoint_signing.h"
#include "controller/loop/controller_loop.h"
#include "controller/store/event_log_reader.h"

namespace scanfleet {

namespace {

constexpr size_t kPageBytes = 1024 * 1024;
// A closed socket's port is released by libzmq's I/O thread shortly after.
constexpr int kRebindAttempts = 200;
constexpr auto kRebindPause = std::chrono::milliseconds(10);

}  // namespace

Status ControllerLoop::BindEvents(int attempts) {
  std::string endpoint = "tcp://" + config_.bind_host + ":" +
                         (events_port_ == 0 ? std::string("*") : std::to_string(events_port_));
  Status last = Status::Ok();
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(kRebindPause);
    auto socket = Socket::Bind(*context_, SocketKind::kPub, endpoint, events_options_);
    if (socket.ok()) {
      events_ = std::make_unique<Socket>(std::move(*socket));
      events_port_ = events_->port();
      return Status::Ok();
    }
    last = socket.status();
  }
  return last;
}

Status ControllerLoop::StartReplayService(const SocketOptions& options) {
  SocketOptions replay_options = options;
  if (security_) replay_options.curve = security_->ServerCurve("events");
  std::string endpoint =
      "tcp://" + config_.bind_host + ":" +
      (config_.replay_port == 0 ? std::string("*") : std::to_string(config_.replay_port));
  ASSIGN_OR_RETURN(Socket socket,
                   Socket::Bind(*context_, SocketKind::kRouter, endpoint, replay_options));
  replay_port_ = socket.port();
  ASSIGN_OR_RETURN(auto reader, EventLogReader::Open(config_.database_path));
  std::optional<MessageSigner> signer;
  ReplayService::StillAllowed still_allowed;
  if (security_) {
    signer.emplace(security_->NewSigner());
    still_allowed = [security = security_.get()](const std::string& peer_user) {
      return security->MayReadEvents(peer_user);
    };
  }
  ReplayService::Options replay;
  replay.max_events = config_.event_page_max;
  replay.max_bytes = kPageBytes;
  replay.max_frame_bytes = config_.max_frame_bytes;
  replay_ = ReplayService::Start(std::move(socket), std::move(reader), std::move(signer),
                                 std::move(still_allowed), replay, clock_);
  return Status::Ok();
}

Status ControllerLoop::ChainOlderEvents(TimeMs now) {
  ASSIGN_OR_RETURN(Transaction transaction, store_->BeginTransaction());
  std::optional<LogHead> needs_anchor;
  ASSIGN_OR_RETURN(int64_t chained, store_->events().ChainOlderEvents(&needs_anchor));
  if (needs_anchor) {
    RETURN_IF_ERROR(store_->events().SetAnchor(
        security_ ? security_->SignCheckpoint(needs_anchor->seq, needs_anchor->chain, now)
                  : UnsignedCheckpoint(needs_anchor->seq, needs_anchor->chain, now)));
  }
  RETURN_IF_ERROR(transaction.Commit());
  if (chained > 0) {
    spdlog::info("chained {} events stored before the event log had a hash chain", chained);
  }
  return Status::Ok();
}

Status ControllerLoop::PublishCommittedEvents(TimeMs now) {
  // The cached head answers most iterations (nothing new) without a query.
  ASSIGN_OR_RETURN(LogHead head, store_->events().Head());
  if (head.seq <= last_published_seq_) return Status::Ok();
  while (true) {
    ASSIGN_OR_RETURN(StoredPage page, store_->events().pages().Read(
                                          last_published_seq_, config_.event_page_max, kPageBytes));
    if (page.events.empty()) return Status::Ok();
    uint64_t last = page.first_seq + page.events.size() - 1;
    size_t count = page.events.size();
    v1::Envelope envelope;
    *envelope.mutable_event_page() = EventPageOf(std::move(page));
    std::string frame = EncodeEnvelope(envelope, next_message_id_++, kControllerSender, now);
    // Subscribers recover a page dropped here (slow subscriber, rebind) by
    // replaying from SQLite.
    (void)events_->Send(security_ ? security_->SignPage("page", std::move(frame), now)
                                  : Frames{"page", std::move(frame)},
                        true);
    last_published_seq_ = last;
    loop_counters_.events_published += count;
    ++loop_counters_.event_pages;
  }
}

void ControllerLoop::PublishStreamHeartbeat(TimeMs now) {
  v1::Envelope envelope;
  v1::EventPage& page = *envelope.mutable_event_page();
  page.set_head_seq(last_published_seq_);
  std::string frame = EncodeEnvelope(envelope, next_message_id_++, kControllerSender, now);
  (void)events_->Send(security_ ? security_->SignPage("heartbeat", std::move(frame), now)
                                : Frames{"heartbeat", std::move(frame)},
                      true);
}

StatusOr<v1::CheckpointResponse> ControllerLoop::AppendCheckpoint(TimeMs now) {
  if (!security_) {
    return Status::FailedPrecondition(
        "no checkpoints under --insecure-dev: the controller has no key to sign them with");
  }
  ASSIGN_OR_RETURN(LogHead head, store_->events().Head());
  v1::Event event;
  event.set_topic("log.checkpoint");
  event.set_created_ms(now);
  *event.mutable_checkpoint() = security_->SignCheckpoint(head.seq, head.chain, now);
  RETURN_IF_ERROR(store_->events().Append(&event));
  last_checkpoint_event_seq_ = event.seq();
  ++loop_counters_.checkpoints;
  v1::CheckpointResponse response;
  *response.mutable_checkpoint() = event.checkpoint();
  response.set_checkpoint_seq(event.seq());
  return response;
}

Status ControllerLoop::PruneEventLog(TimeMs now) {
  if (config_.event_retention_ms <= 0) return Status::Ok();
  ASSIGN_OR_RETURN(std::optional<LogHead> deleted,
                   store_->events().PruneBefore(now - config_.event_retention_ms));
  if (!deleted) return Status::Ok();
  RETURN_IF_ERROR(store_->events().SetAnchor(
      security_ ? security_->SignCheckpoint(deleted->seq, deleted->chain, now)
                : UnsignedCheckpoint(deleted->seq, deleted->chain, now)));
  spdlog::info("deleted the events up to seq {} past their retention; the log is anchored there",
               deleted->seq);
  return Status::Ok();
}

void ControllerLoop::ReloadKeys() {
  if (!security_) {
    spdlog::info("SIGHUP: nothing to reload in --insecure-dev mode");
    return;
  }
  auto readers_revoked = security_->Reload();
  if (!readers_revoked.ok() || !*readers_revoked) return;
  // A PUB socket cannot drop one subscriber: close it (its queues go with
  // it) and bind again; every subscriber reconnects through the ZAP handler,
  // which refuses the revoked key, and the others replay what they missed.
  events_.reset();
  if (Status bound = BindEvents(kRebindAttempts); !bound.ok()) {
    spdlog::critical("events socket not bound again after a key revocation: {}", bound.ToString());
    return;
  }
  spdlog::info(
      "a key that could read the event stream was revoked: its subscriptions were "
      "closed and the events socket bound again on port {}",
      events_port_);
}

}  // namespace scanfleet
