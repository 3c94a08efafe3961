// WorkerLoop, part four: the steps of a graceful stop (SIGTERM), as DrainPlan
// decides them: stop taking jobs (queued ones are declined), hand running
// ones back past the grace, and leave with a last heartbeat that is flushed
// before Run() returns. See worker_loop.h and worker/session/drain_plan.h.
// Thread-safety: called on the loop thread only.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include "worker/loop/worker_loop.h"

namespace scanfleet {

void WorkerLoop::BeginDrain(int stop_fd) {
  // signalfd: consume the signal so the fd stops being readable.
  char buffer[128];
  (void)!read(stop_fd, buffer, sizeof(buffer));
  if (drain_.draining()) {
    spdlog::info("already draining");
    return;
  }
  drain_.Begin(clock_.NowMs());
  spdlog::info(
      "draining: taking no new job; {} running jobs get up to {} ms, {} waiting jobs "
      "are given back",
      running_.size(), config_.drain_grace_ms, queue_.size());
  for (const v1::JobAssignment& job : queue_.TakeAll()) {
    SendDeclined(job.job(), v1::DECLINE_DRAINING, "the worker is stopping and takes no new job");
  }
  SendHeartbeat(/*leaving=*/false);  // says draining: the controller stops sending jobs here
}

void WorkerLoop::HandBackRunningJobs() {
  CollectFinishedJobs();  // a job that just finished sends its result instead
  for (auto& [job_id, job] : running_) {
    if (job.handed_back) continue;
    spdlog::info("drain grace over: handing job {} attempt {} back", job_id, job.attempt);
    job.handed_back = true;
    job.cancel->Cancel();
    v1::JobRef ref;
    ref.set_job_id(job_id);
    ref.set_attempt(job.attempt);
    SendDeclined(ref, v1::DECLINE_HANDED_BACK,
                 "drain grace of " + std::to_string(config_.drain_grace_ms) + " ms ran out");
  }
}

void WorkerLoop::Leave() {
  // Acks and jobs that reached the jobs socket since the last read: the acks
  // count, the jobs are given back (draining).
  if (Status received = ReceiveControl(); !received.ok()) {
    spdlog::warn("while leaving: {}", received.ToString());
  }
  SpoolDueResults(clock_.NowMs(), /*all=*/true);
  if (session_.unacked_results() > 0) {
    spdlog::warn(
        "leaving with {} unacknowledged results; they stay spooled in {} and are "
        "re-sent on the next start",
        session_.unacked_results(), config_.spool_dir);
  } else {
    spdlog::info("every result is acknowledged");
  }
  SendHeartbeat(/*leaving=*/true);
  FlushBatch();
  spdlog::info("sent the leaving heartbeat");
}

}  // namespace scanfleet
