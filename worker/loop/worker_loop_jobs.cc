// WorkerLoop, part three: jobs and their results. Every job that arrives is
// run, queued or declined at once (DecideAdmission). A queued job waits,
// unaccepted, until a slot frees (oldest first) and is declined if its
// accept_by_ms passes first. A started job runs as a task of the job thread
// pool; its acceptance goes into the outgoing batch, and is dropped again if
// its result is there before the batch is flushed (a result implies
// acceptance). The results of every job that finished since the loop last
// looked are spooled together (one file, one fsync), then added to the
// outgoing batch and kept until their ResultAcks; results spooled by an
// earlier run are re-sent once, after the first hello. See worker_loop.h.
// Thread-safety: called on the loop thread only, except the task submitted
// in StartJob, which runs on a pool thread and touches nothing here but
// runner_config_ (read only), done_ (under done_mutex_) and done_fd_.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "common/job/job_state.h"
#include "worker/loop/worker_loop.h"
#include "worker/session/job_admission.h"
#include "worker/spool/spool_policy.h"

namespace scanfleet {

void WorkerLoop::AdmitJob(v1::JobAssignment job) {
  uint64_t job_id = job.job().job_id();
  uint32_t attempt = job.job().attempt();
  AdmissionFacts facts;
  facts.draining = drain_.draining();
  facts.free_slots = FreeSlots();
  facts.scanners = &runner_config_.scanners;
  if (auto running = running_.find(job_id); running != running_.end()) {
    facts.running_attempt = running->second.attempt;
  }
  facts.queued_attempt = queue_.AttemptOf(job_id);
  facts.queued = static_cast<uint32_t>(queue_.size());
  facts.prefetch = config_.prefetch;
  Admission admission = DecideAdmission(job, facts);
  if (admission.drop_queued_attempt) {
    spdlog::info("job {} attempt {} supersedes attempt {} that waited here", job_id, attempt,
                 *facts.queued_attempt);
    queue_.RemoveJob(job_id);
  }
  switch (admission.kind) {
    case Admission::Kind::kRun:
      StartJob(std::move(job));
      return;
    case Admission::Kind::kQueue:
      spdlog::debug("job {} attempt {} waits for a slot ({} waiting)", job_id, attempt,
                    queue_.size() + 1);
      queue_.Push(std::move(job));
      return;
    case Admission::Kind::kIgnore:
      spdlog::warn("job {} attempt {} arrived again while it runs or waits here; ignored", job_id,
                   attempt);
      return;
    case Admission::Kind::kDecline:
      spdlog::info("declined job {} attempt {} ({}): {}", job_id, attempt,
                   DeclineReasonName(admission.reason), admission.detail);
      SendDeclined(job.job(), admission.reason, admission.detail);
      return;
  }
}

void WorkerLoop::DeclineExpiredQueuedJobs(TimeMs now) {
  for (const v1::JobAssignment& job : queue_.TakeExpired(now)) {
    spdlog::info("job {} attempt {} waited past its acceptance deadline; declined",
                 job.job().job_id(), job.job().attempt());
    SendDeclined(job.job(), v1::DECLINE_NO_FREE_SLOT,
                 "no slot freed before the acceptance deadline");
  }
}

void WorkerLoop::StartQueuedJobs(TimeMs now) {
  DeclineExpiredQueuedJobs(now);
  while (!drain_.draining() && FreeSlots() > 0) {
    std::optional<v1::JobAssignment> job = queue_.PopOldest();
    if (!job) return;
    StartJob(std::move(*job));
  }
}

void WorkerLoop::StartJob(v1::JobAssignment job) {
  uint64_t job_id = job.job().job_id();
  batch_.AddAccepted(job.job());
  RunningJob& slot = running_[job_id];
  slot.attempt = job.job().attempt();
  slot.cancel = std::make_shared<CancelSignal>();
  std::shared_ptr<CancelSignal> cancel = slot.cancel;
  spdlog::info("job {} attempt {}: {} on {}@{}", job_id, job.job().attempt(), job.scanner(),
               job.target().repo(), job.target().ref());
  pool_->Submit(
      [this, job = std::move(job), cancel] {
        v1::JobResult result = RunJob(job, runner_config_, *cancel);
        {
          std::lock_guard<std::mutex> lock(done_mutex_);
          done_.push_back(std::move(result));
        }
        uint64_t one = 1;
        (void)!write(done_fd_, &one, sizeof(one));
      },
      [cancel] { cancel->Cancel(); });
}

std::vector<v1::JobResult> WorkerLoop::TakeFinishedResults() {
  std::deque<v1::JobResult> finished;
  {
    std::lock_guard<std::mutex> lock(done_mutex_);
    finished.swap(done_);
  }
  std::vector<v1::JobResult> results;
  for (v1::JobResult& result : finished) {
    uint64_t job_id = result.job().job_id();
    uint32_t attempt = result.job().attempt();
    bool handed_back = false;
    if (auto it = running_.find(job_id); it != running_.end()) {
      handed_back = it->second.handed_back;
      running_.erase(it);
    }
    if (handed_back) {
      // Declined already: the controller requeued the attempt, so its result
      // is neither spooled nor sent.
      spdlog::info("job {} attempt {} stopped after it was handed back; result dropped", job_id,
                   attempt);
      continue;
    }
    spdlog::info("job {} attempt {} finished: {} findings{}{}", job_id, attempt,
                 result.findings_size(), result.error().empty() ? "" : ", error: ", result.error());
    results.push_back(std::move(result));
  }
  return results;
}

void WorkerLoop::CollectFinishedJobs() {
  uint64_t count;
  (void)!read(done_fd_, &count, sizeof(count));  // non-blocking: may find nothing
  std::vector<v1::JobResult> results = TakeFinishedResults();
  TimeMs now = clock_.NowMs();
  // Work worth keeping is on disk before the controller can see it, all of
  // it in one file (SpoolBeforeSending); the rest waits for its ack.
  std::vector<v1::JobResult> spool_now;
  for (const v1::JobResult& result : results) {
    if (SpoolBeforeSending(result, config_.spool_after_ms)) spool_now.push_back(result);
  }
  if (!spool_now.empty()) {
    if (Status spooled = spool_->PutBatch(spool_now); !spooled.ok()) {
      spdlog::error("{} results not spooled, kept in memory only: {}", spool_now.size(),
                    spooled.ToString());
    }
  }
  for (v1::JobResult& result : results) {
    if (!SpoolBeforeSending(result, config_.spool_after_ms)) {
      unspooled_[{result.job().job_id(), result.job().attempt()}] = now + config_.spool_after_ms;
    }
    SendResult(std::move(result));
  }
  StartQueuedJobs(now);  // the slots just freed
}

void WorkerLoop::SpoolDueResults(TimeMs now, bool all) {
  std::vector<v1::JobResult> due;
  for (auto it = unspooled_.begin(); it != unspooled_.end();) {
    auto result = unacked_.find(it->first);
    if (result == unacked_.end()) {
      it = unspooled_.erase(it);  // acknowledged or dropped meanwhile
    } else if (all || it->second <= now) {
      due.push_back(result->second);
      it = unspooled_.erase(it);
    } else {
      ++it;
    }
  }
  if (due.empty()) return;
  // Results that finished together are due together: one file, one fsync.
  if (Status spooled = spool_->PutBatch(due); !spooled.ok()) {
    spdlog::error("{} unacknowledged results not spooled, kept in memory only: {}", due.size(),
                  spooled.ToString());
  }
}

void WorkerLoop::SendResult(v1::JobResult result) {
  WorkerSession::AttemptKey key{result.job().job_id(), result.job().attempt()};
  batch_.AddResult(result);
  unacked_[key] = std::move(result);
  session_.OnResultSent(key, clock_.NowMs());
}

void WorkerLoop::ResendSpooledResults() {
  if (spooled_.empty()) return;
  spdlog::info("re-sending {} spooled results", spooled_.size());
  for (SpooledResult& spooled : spooled_) {
    WorkerSession::AttemptKey key{spooled.job_id, spooled.attempt};
    batch_.AddResult(spooled.result);
    unacked_[key] = std::move(spooled.result);
    session_.OnResultSent(key, clock_.NowMs());
  }
  spooled_.clear();
}

void WorkerLoop::OnResultAcked(const v1::JobRef& job) {
  WorkerSession::AttemptKey key{job.job_id(), job.attempt()};
  session_.OnResultAcked(key);
  unacked_.erase(key);
  if (unspooled_.erase(key) > 0) return;  // it never reached the disk
  if (Status removed = spool_->Remove(key.first, key.second); !removed.ok()) {
    spdlog::warn("job {} attempt {}: acknowledged result stays in the spool: {}", key.first,
                 key.second, removed.ToString());
  }
}

}  // namespace scanfleet
