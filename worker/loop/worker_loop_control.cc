// WorkerLoop, part two: what the controller sends on the jobs socket. Every
// frame is one Envelope{ControlBatch}; a batch is handled in the order
// refusal, controller heartbeat, hello ack, result acks, cancels, jobs (so a
// job never runs for a refused worker, and acks free memory before new work
// arrives). A frame that is not a control batch is counted and dropped. See
// worker_loop.h.
// Thread-safety: called on the loop thread only.
#include <spdlog/spdlog.h>

#include "common/wire/envelope.h"
#include "worker/loop/worker_loop.h"

namespace scanfleet {

Status WorkerLoop::ReceiveControl() {
  // The controller sends at most one batch per commit; the bound keeps the
  // loop responsive if it ever sends more.
  constexpr int kMaxControlFramesPerWake = 256;
  for (int i = 0; i < kMaxControlFramesPerWake; ++i) {
    auto frames = jobs_->Receive(true);
    if (!frames.ok()) {
      spdlog::warn("receiving from the jobs socket failed: {}", frames.status().ToString());
      return Status::Ok();
    }
    if (!*frames) return Status::Ok();
    RETURN_IF_ERROR(HandleControlFrame(**frames));
  }
  return Status::Ok();
}

Status WorkerLoop::HandleControlFrame(const Frames& frames) {
  if (frames.size() != 1) {
    ++counters_.malformed;
    spdlog::warn("dropped a {}-frame message on the jobs socket", frames.size());
    return Status::Ok();
  }
  auto envelope = DecodeEnvelope(frames.front(), config_.max_frame_bytes, counters_);
  if (!envelope.ok()) {
    spdlog::warn("dropped a bad control frame: {}", envelope.status().ToString());
    return Status::Ok();
  }
  if (!envelope->has_control_batch()) {
    ++counters_.malformed;
    spdlog::warn("dropped a control frame that is not a control batch (body {})",
                 static_cast<int>(envelope->body_case()));
    return Status::Ok();
  }
  return HandleControlBatch(*envelope->mutable_control_batch());
}

Status WorkerLoop::HandleControlBatch(v1::ControlBatch& batch) {
  if (batch.has_refusal()) {
    return Status::FailedPrecondition("the controller refused this worker: " +
                                      batch.refusal().reason());
  }
  TimeMs now = clock_.NowMs();
  // The heartbeat first: a batch that acks a hello names the incarnation that
  // acked it (a new one after a restart must not undo this registration).
  if (batch.has_heartbeat()) session_.OnControllerHeartbeat(batch.heartbeat().incarnation(), now);
  if (batch.has_hello_ack()) {
    if (!session_.registered()) spdlog::info("registered with the controller");
    session_.OnHelloAck(now, batch.hello_ack().controller_heartbeat_interval_ms());
    // Frames are MAC'd only in the session the controller names back (an ack
    // naming none, or an older one, keeps them signed).
    const std::string& acked = batch.hello_ack().session_id();
    if (mac_session_ && !mac_session_acked_ && acked == mac_session_->session_id()) {
      mac_session_acked_ = true;
      spdlog::info("frames are authenticated by session MAC from now on");
    }
  }
  for (const v1::ResultAck& ack : batch.result_acks()) OnResultAcked(ack.job());
  for (const v1::Cancel& cancel : batch.cancels()) OnCancel(cancel);
  for (v1::JobAssignment& job : *batch.mutable_jobs()) AdmitJob(std::move(job));
  // A slot may have freed with nobody started in it (e.g. a job ended and a
  // cancelled queued job left room): first come, first started.
  StartQueuedJobs(now);
  return Status::Ok();
}

void WorkerLoop::OnCancel(const v1::Cancel& cancel) {
  uint64_t job_id = cancel.job().job_id();
  uint32_t attempt = cancel.job().attempt();
  auto it = running_.find(job_id);
  if (it != running_.end() && it->second.attempt == attempt) {
    spdlog::info("cancelling job {} attempt {}: {}", job_id, attempt, cancel.reason());
    it->second.cancel->Cancel();
    return;
  }
  // Never accepted: it leaves the queue without a word.
  if (queue_.AttemptOf(job_id) == attempt && queue_.RemoveJob(job_id)) {
    spdlog::info("job {} attempt {} cancelled while it waited here: {}", job_id, attempt,
                 cancel.reason());
  }
}

}  // namespace scanfleet
