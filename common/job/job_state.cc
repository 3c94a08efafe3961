#include "common/job/job_state.h"

#include <string>

namespace scanfleet {

namespace {

// The named value of Enum spelled `name`. Walks the enum's declared range
// (gaps skipped by `valid`) through `name_of`, so a parser can never accept a
// word its name function does not produce. The zero value is never a name.
template <typename Enum>
StatusOr<Enum> ParseByName(std::string_view what, std::string_view name, Enum min, Enum max,
                           bool (*valid)(int), std::string_view (*name_of)(Enum)) {
  for (int value = static_cast<int>(min); value <= static_cast<int>(max); ++value) {
    if (value != 0 && valid(value) && name_of(static_cast<Enum>(value)) == name) {
      return static_cast<Enum>(value);
    }
  }
  return Status::InvalidArgument("unknown " + std::string(what) + " '" + std::string(name) + "'");
}

}  // namespace

std::string_view JobStateName(v1::JobState state) {
  switch (state) {
    case v1::JOB_STATE_UNSPECIFIED:
      return "unspecified";
    case v1::JOB_QUEUED:
      return "queued";
    case v1::JOB_DISPATCHED:
      return "dispatched";
    case v1::JOB_RUNNING:
      return "running";
    case v1::JOB_SUCCEEDED:
      return "succeeded";
    case v1::JOB_FAILED:
      return "failed";
    case v1::JOB_DEAD_LETTERED:
      return "dead";
    case v1::JOB_CANCELLED:
      return "cancelled";
    case v1::JobState_INT_MIN_SENTINEL_DO_NOT_USE_:
    case v1::JobState_INT_MAX_SENTINEL_DO_NOT_USE_:
      break;
  }
  return "unknown";
}

StatusOr<v1::JobState> ParseJobState(std::string_view name) {
  return ParseByName<v1::JobState>("job state", name, v1::JobState_MIN, v1::JobState_MAX,
                                   v1::JobState_IsValid, JobStateName);
}

v1::JobState JobStateOf(const v1::JobStatus& job) {
  if (job.job_state() != v1::JOB_STATE_UNSPECIFIED) return job.job_state();
  auto parsed = ParseJobState(job.state());
  return parsed.ok() ? *parsed : v1::JOB_STATE_UNSPECIFIED;
}

void SetJobState(v1::JobStatus* job, v1::JobState state) {
  job->set_job_state(state);
  job->set_state(std::string(JobStateName(state)));
}

std::string_view AttemptOutcomeName(v1::AttemptOutcome outcome) {
  switch (outcome) {
    case v1::ATTEMPT_OUTCOME_UNSPECIFIED:
      return "unspecified";
    case v1::ATTEMPT_PENDING:
      return "pending";
    case v1::ATTEMPT_SUCCEEDED:
      return "succeeded";
    case v1::ATTEMPT_FAILED:
      return "failed";
    case v1::ATTEMPT_RETRY:
      return "retry";
    case v1::ATTEMPT_REQUEUED:
      return "requeued";
    case v1::ATTEMPT_STALE:
      return "stale";
    case v1::ATTEMPT_CANCELLED:
      return "cancelled";
    case v1::AttemptOutcome_INT_MIN_SENTINEL_DO_NOT_USE_:
    case v1::AttemptOutcome_INT_MAX_SENTINEL_DO_NOT_USE_:
      break;
  }
  return "unknown";
}

StatusOr<v1::AttemptOutcome> ParseAttemptOutcome(std::string_view name) {
  return ParseByName<v1::AttemptOutcome>("attempt outcome", name, v1::AttemptOutcome_MIN,
                                         v1::AttemptOutcome_MAX, v1::AttemptOutcome_IsValid,
                                         AttemptOutcomeName);
}

std::string_view DeclineReasonName(v1::DeclineReason reason) {
  switch (reason) {
    case v1::DECLINE_UNSPECIFIED:
      return "unspecified";
    case v1::DECLINE_NO_FREE_SLOT:
      return "no free slot";
    case v1::DECLINE_SCANNER_MISSING:
      return "scanner missing";
    case v1::DECLINE_DRAINING:
      return "draining";
    case v1::DECLINE_HANDED_BACK:
      return "handed back";
    case v1::DeclineReason_INT_MIN_SENTINEL_DO_NOT_USE_:
    case v1::DeclineReason_INT_MAX_SENTINEL_DO_NOT_USE_:
      break;
  }
  return "unknown";
}

StatusOr<v1::DeclineReason> ParseDeclineReason(std::string_view name) {
  return ParseByName<v1::DeclineReason>("decline reason", name, v1::DeclineReason_MIN,
                                        v1::DeclineReason_MAX, v1::DeclineReason_IsValid,
                                        DeclineReasonName);
}

}  // namespace scanfleet
