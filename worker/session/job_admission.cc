// DecideAdmission: run, queue, decline or ignore a job that reached the
// worker; see job_admission.h.
// Thread-safety: a pure function.
#include "worker/session/job_admission.h"

namespace scanfleet {

namespace {

Admission Decline(v1::DeclineReason reason, std::string detail) {
  Admission admission;
  admission.kind = Admission::Kind::kDecline;
  admission.reason = reason;
  admission.detail = std::move(detail);
  return admission;
}

Admission OfKind(Admission::Kind kind) {
  Admission admission;
  admission.kind = kind;
  return admission;
}

// Everything after the duplicate checks; `queued` no longer counts a
// superseded attempt of the same job.
Admission DecideFresh(const v1::JobAssignment& job, const AdmissionFacts& facts, uint32_t queued) {
  if (facts.scanners == nullptr || facts.scanners->count(job.scanner()) == 0) {
    return Decline(v1::DECLINE_SCANNER_MISSING,
                   "scanner '" + job.scanner() + "' is not available on this worker");
  }
  // First come, first started: a free slot goes to a job that waits already.
  if (facts.free_slots > queued) return OfKind(Admission::Kind::kRun);
  if (queued < facts.prefetch) return OfKind(Admission::Kind::kQueue);
  if (facts.prefetch == 0) return Decline(v1::DECLINE_NO_FREE_SLOT, "every slot is busy");
  return Decline(v1::DECLINE_NO_FREE_SLOT,
                 "every slot is busy and " + std::to_string(queued) + " jobs wait here already");
}

}  // namespace

Admission DecideAdmission(const v1::JobAssignment& job, const AdmissionFacts& facts) {
  uint32_t attempt = job.job().attempt();
  if (facts.draining) {
    return Decline(v1::DECLINE_DRAINING, "the worker is stopping and takes no new job");
  }
  if (facts.running_attempt) {
    if (*facts.running_attempt == attempt) return OfKind(Admission::Kind::kIgnore);
    return Decline(v1::DECLINE_NO_FREE_SLOT, "an earlier attempt of this job is still stopping");
  }
  uint32_t queued = facts.queued;
  bool supersedes_queued = false;
  if (facts.queued_attempt) {
    if (attempt <= *facts.queued_attempt) return OfKind(Admission::Kind::kIgnore);
    supersedes_queued = true;
    if (queued > 0) --queued;
  }
  Admission admission = DecideFresh(job, facts, queued);
  admission.drop_queued_attempt = supersedes_queued;
  return admission;
}

}  // namespace scanfleet
