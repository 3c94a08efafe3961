// WorkerLoop, part two: jobs and their results. Every job read from a pool
// is run or declined at once (DecideAdmission); a finished job's result is
// spooled (by the job's own thread), then sent and kept until its ResultAck;
// results spooled by an earlier run are re-sent once, after the first hello.
// See worker_loop.h.
// Thread-safety: called on the loop thread only, except EncodeAndSpool, which
// job threads run; they touch nothing else here but done_ (under done_mutex_),
// done_fd_, the atomic message id and the spool's Put for their own attempt.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "common/job/job_state.h"
#include "common/wire/envelope.h"
#include "worker/loop/worker_loop.h"
#include "worker/loop/worker_messages.h"
#include "worker/session/job_admission.h"

namespace scanfleet {

void WorkerLoop::ReceiveJobs(Socket& pool) {
  // The controller sends at most the free slots it knows of; the bound keeps
  // the loop responsive if it ever sends more.
  constexpr int kMaxJobsPerWake = 256;
  for (int i = 0; i < kMaxJobsPerWake; ++i) {
    auto frames = pool.Receive(true);
    if (!frames.ok()) {
      spdlog::warn("receiving from a pool failed: {}", frames.status().ToString());
      return;
    }
    if (!*frames) return;
    HandleJob(**frames);
  }
}

void WorkerLoop::HandleJob(const Frames& frames) {
  if (frames.size() != 1) {
    ++counters_.malformed;
    spdlog::warn("dropped a {}-frame message on a pool socket", frames.size());
    return;
  }
  auto envelope = DecodeEnvelope(frames.front(), config_.max_frame_bytes, counters_);
  if (!envelope.ok() || !envelope->has_job()) {
    spdlog::warn("dropped a bad job frame: {}",
                 envelope.ok() ? "not a job" : envelope.status().ToString());
    return;
  }
  v1::JobAssignment job = envelope->job();
  uint64_t job_id = job.job().job_id();
  AdmissionFacts facts;
  facts.draining = drain_.draining();
  facts.free_slots = FreeSlots();
  facts.scanners = &runner_config_.scanners;
  if (auto running = running_.find(job_id); running != running_.end()) {
    facts.running_attempt = running->second.attempt;
  }
  Admission admission = DecideAdmission(job, facts);
  switch (admission.kind) {
    case Admission::Kind::kRun:
      StartJob(std::move(job));
      return;
    case Admission::Kind::kIgnore:
      spdlog::warn("job {} attempt {} arrived again while it runs here; ignored", job_id,
                   job.job().attempt());
      return;
    case Admission::Kind::kDecline:
      spdlog::info("declined job {} attempt {} ({}): {}", job_id, job.job().attempt(),
                   DeclineReasonName(admission.reason), admission.detail);
      SendDeclined(job.job(), admission.reason, admission.detail);
      return;
  }
}

void WorkerLoop::StartJob(v1::JobAssignment job) {
  uint64_t job_id = job.job().job_id();
  SendEnvelope(MakeAcceptedEnvelope(job.job()));
  RunningJob& slot = running_[job_id];
  slot.attempt = job.job().attempt();
  slot.cancel = std::make_unique<CancelSignal>();
  const CancelSignal* cancel = slot.cancel.get();
  spdlog::info("job {} attempt {}: {} on {}@{}", job_id, job.job().attempt(), job.scanner(),
               job.target().repo(), job.target().ref());
  slot.thread = std::thread([this, job = std::move(job), cancel] {
    FinishedJob finished = EncodeAndSpool(RunJob(job, runner_config_, *cancel));
    {
      std::lock_guard<std::mutex> lock(done_mutex_);
      done_.push_back(std::move(finished));
    }
    uint64_t one = 1;
    (void)!write(done_fd_, &one, sizeof(one));
  });
}

void WorkerLoop::CollectFinishedJobs() {
  uint64_t count;
  (void)!read(done_fd_, &count, sizeof(count));  // non-blocking: may find nothing
  std::deque<FinishedJob> finished;
  {
    std::lock_guard<std::mutex> lock(done_mutex_);
    finished.swap(done_);
  }
  for (FinishedJob& job : finished) {
    bool handed_back = false;
    auto it = running_.find(job.job_id);
    if (it != running_.end()) {
      if (it->second.thread.joinable()) it->second.thread.join();
      handed_back = it->second.handed_back;
      running_.erase(it);
    }
    if (handed_back) {
      // Declined already: the controller requeued the attempt, so its result
      // is not sent, and its spool file goes.
      spdlog::info("job {} attempt {} stopped after it was handed back; result dropped", job.job_id,
                   job.attempt);
      if (Status removed = spool_->Remove(job.job_id, job.attempt); !removed.ok()) {
        spdlog::warn("job {} attempt {}: {}", job.job_id, job.attempt, removed.ToString());
      }
      continue;
    }
    spdlog::info("job {} attempt {} finished: {} findings{}{}", job.job_id, job.attempt,
                 job.findings, job.error.empty() ? "" : ", error: ", job.error);
    SendResult(std::move(job));
  }
}

WorkerLoop::FinishedJob WorkerLoop::EncodeAndSpool(v1::JobResult result) {
  FinishedJob finished;
  finished.job_id = result.job().job_id();
  finished.attempt = result.job().attempt();
  finished.findings = result.findings_size();
  finished.error = result.error();
  v1::Envelope envelope;
  *envelope.mutable_result() = std::move(result);
  finished.frame = EncodeEnvelope(envelope, next_message_id_++, config_.worker_id, clock_.NowMs());
  // Write before acting: the result is on disk before the controller can see it.
  finished.spooled = spool_->Put(finished.job_id, finished.attempt, finished.frame);
  return finished;
}

void WorkerLoop::SendResult(FinishedJob finished) {
  WorkerSession::AttemptKey key{finished.job_id, finished.attempt};
  if (!finished.spooled.ok()) {
    spdlog::error("job {} attempt {}: result not spooled, kept in memory only: {}", key.first,
                  key.second, finished.spooled.ToString());
  }
  SendFrame(finished.frame, "result", key.first, key.second);
  unacked_[key] = std::move(finished.frame);
  session_.OnResultSent(key, clock_.NowMs());
}

void WorkerLoop::ResendSpooledResults() {
  if (spooled_.empty()) return;
  spdlog::info("re-sending {} spooled results", spooled_.size());
  for (SpooledResult& spooled : spooled_) {
    WorkerSession::AttemptKey key{spooled.job_id, spooled.attempt};
    SendFrame(spooled.frame, "result", key.first, key.second);
    unacked_[key] = std::move(spooled.frame);
    session_.OnResultSent(key, clock_.NowMs());
  }
  spooled_.clear();
}

void WorkerLoop::OnResultAcked(const v1::JobRef& job) {
  WorkerSession::AttemptKey key{job.job_id(), job.attempt()};
  session_.OnResultAcked(key);
  unacked_.erase(key);
  if (Status removed = spool_->Remove(key.first, key.second); !removed.ok()) {
    spdlog::warn("job {} attempt {}: acknowledged result stays in the spool: {}", key.first,
                 key.second, removed.ToString());
  }
}

}  // namespace scanfleet
