// DecideAdmission: run or decline a job that reached the worker; see
// job_admission.h.
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

}  // namespace

Admission DecideAdmission(const v1::JobAssignment& job, const AdmissionFacts& facts) {
  if (facts.draining) {
    return Decline(v1::DECLINE_DRAINING, "the worker is stopping and takes no new job");
  }
  if (facts.running_attempt) {
    if (*facts.running_attempt == job.job().attempt()) {
      Admission ignore;
      ignore.kind = Admission::Kind::kIgnore;
      return ignore;
    }
    return Decline(v1::DECLINE_NO_FREE_SLOT, "an earlier attempt of this job is still stopping");
  }
  if (facts.scanners == nullptr || facts.scanners->count(job.scanner()) == 0) {
    return Decline(v1::DECLINE_SCANNER_MISSING,
                   "scanner '" + job.scanner() + "' is not available on this worker");
  }
  if (facts.free_slots == 0) {
    return Decline(v1::DECLINE_NO_FREE_SLOT, "every slot is busy");
  }
  return Admission{};
}

}  // namespace scanfleet
