// WorkerLoop, part five: what the worker tells the controller. Messages are
// added to the outgoing batch (OutgoingBatch) as they arise; FlushBatch()
// sends what gathered, once per loop turn, each WorkerBatch as one frame on
// the results socket with one signature or session MAC. See worker_loop.h.
// Thread-safety: called on the loop thread only.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "common/wire/envelope.h"
#include "worker/loop/worker_loop.h"
#include "worker/loop/worker_messages.h"

namespace scanfleet {

void WorkerLoop::SendDeclined(const v1::JobRef& job, v1::DeclineReason reason,
                              const std::string& detail) {
  batch_.AddDeclined(MakeJobDeclined(job, reason, detail));
}

void WorkerLoop::SendHello() {
  char hostname[256] = {0};
  gethostname(hostname, sizeof(hostname) - 1);
  HelloFacts facts;
  facts.pools = config_.pools;
  facts.scanners = runner_config_.scanners;
  facts.slots = config_.slots;
  facts.prefetch = config_.prefetch;
  facts.hostname = hostname;
  v1::WorkerHello hello = MakeWorkerHello(facts);
  PrepareMacSession();
  if (mac_session_) hello.set_session_id(mac_session_->session_id());
  batch_.SetHello(std::move(hello));
}

void WorkerLoop::PrepareMacSession() {
  if (!signer_ || (mac_session_ && !mac_session_acked_)) return;
  mac_session_.reset();
  mac_session_acked_ = false;
  auto opened = SessionSealer::Open(*security_.own, *security_.controller);
  if (!opened.ok()) {
    spdlog::warn("no MAC session, every frame is signed: {}", opened.status().ToString());
    return;
  }
  mac_session_ = std::move(*opened);
}

void WorkerLoop::SendHeartbeat(bool leaving) {
  HeartbeatReport report;
  for (const auto& [job_id, job] : running_) {
    // A handed-back attempt was declined: it is no longer ours to report.
    if (!job.handed_back) report.running.emplace_back(job_id, job.attempt);
  }
  // A draining worker has no capacity to offer; a waiting job takes the
  // next free slot.
  uint32_t free = FreeSlots();
  uint32_t waiting = static_cast<uint32_t>(queue_.size());
  report.free_slots = drain_.draining() || free <= waiting ? 0 : free - waiting;
  report.draining = drain_.draining();
  report.leaving = leaving;
  batch_.SetHeartbeat(MakeWorkerHeartbeat(report));
}

void WorkerLoop::FlushBatch() {
  // A heartbeat says the state when it leaves, not when it was due: what this
  // turn did after it (a hand-back, a finished job) must not be contradicted
  // by it in the same batch.
  if (const v1::Heartbeat* pending = batch_.open_heartbeat()) SendHeartbeat(pending->leaving());
  for (v1::WorkerBatch& batch : batch_.Take()) {
    v1::Envelope envelope;
    envelope.mutable_worker_batch()->Swap(&batch);
    TimeMs now = clock_.NowMs();
    // A hello is always signed: it opens the session.
    bool mac = mac_session_ && mac_session_acked_ && session_.registered() &&
               !envelope.worker_batch().has_hello();
    std::string frame = EncodeEnvelope(envelope, next_message_id_++, config_.worker_id, now);
    Status sent =
        mac       ? results_->Send(mac_session_->Seal(std::move(frame), now), true)
        : signer_ ? results_->Send(SignEnvelopeFrame(*signer_, envelope, std::move(frame), now), true)
                  : results_->SendOne(frame, true);
    // A lost batch costs nothing durable: results are re-sent until acked,
    // the controller requeues what was never accepted.
    if (!sent.ok()) spdlog::debug("send to controller failed: {}", sent.ToString());
  }
}

}  // namespace scanfleet
