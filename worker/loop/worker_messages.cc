// Envelope builders for what the worker sends; see worker_messages.h.
// Thread-safety: pure functions.
#include "worker/loop/worker_messages.h"

namespace scanfleet {

v1::Envelope MakeHelloEnvelope(const std::vector<std::string>& pools,
                               const std::map<std::string, std::string>& scanners, uint32_t slots,
                               const std::string& hostname) {
  v1::Envelope envelope;
  v1::WorkerHello* hello = envelope.mutable_hello();
  for (const auto& pool : pools) hello->add_pools(pool);
  for (const auto& [name, version] : scanners) {
    v1::ScannerInfo* info = hello->add_scanners();
    info->set_name(name);
    info->set_version(version);
  }
  hello->set_slots(slots);
  hello->set_hostname(hostname);
  hello->set_software_version(SCANFLEET_VERSION);
  return envelope;
}

v1::Envelope MakeHeartbeatEnvelope(const HeartbeatReport& report) {
  v1::Envelope envelope;
  v1::Heartbeat* heartbeat = envelope.mutable_heartbeat();
  for (const auto& [job_id, attempt] : report.running) {
    v1::JobRef* ref = heartbeat->add_running();
    ref->set_job_id(job_id);
    ref->set_attempt(attempt);
  }
  heartbeat->set_free_slots(report.free_slots);
  heartbeat->set_draining(report.draining);
  heartbeat->set_leaving(report.leaving);
  return envelope;
}

v1::Envelope MakeAcceptedEnvelope(const v1::JobRef& job) {
  v1::Envelope envelope;
  *envelope.mutable_accepted()->mutable_job() = job;
  return envelope;
}

v1::Envelope MakeDeclinedEnvelope(const v1::JobRef& job, v1::DeclineReason reason,
                                  const std::string& detail) {
  v1::Envelope envelope;
  v1::JobDeclined* declined = envelope.mutable_declined();
  *declined->mutable_job() = job;
  declined->set_reason(reason);
  declined->set_detail(detail);
  return envelope;
}

}  // namespace scanfleet
