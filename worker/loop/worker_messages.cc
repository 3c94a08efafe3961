// Builders of the hello, heartbeat and decline a worker sends; see
// worker_messages.h.
// Thread-safety: pure functions.
#include "worker/loop/worker_messages.h"

namespace scanfleet {

v1::WorkerHello MakeWorkerHello(const HelloFacts& facts) {
  v1::WorkerHello hello;
  for (const auto& pool : facts.pools) hello.add_pools(pool);
  for (const auto& [name, version] : facts.scanners) {
    v1::ScannerInfo* info = hello.add_scanners();
    info->set_name(name);
    info->set_version(version);
  }
  hello.set_slots(facts.slots);
  hello.set_prefetch(facts.prefetch);
  hello.set_hostname(facts.hostname);
  hello.set_software_version(SCANFLEET_VERSION);
  return hello;
}

v1::Heartbeat MakeWorkerHeartbeat(const HeartbeatReport& report) {
  v1::Heartbeat heartbeat;
  for (const auto& [job_id, attempt] : report.running) {
    v1::JobRef* ref = heartbeat.add_running();
    ref->set_job_id(job_id);
    ref->set_attempt(attempt);
  }
  heartbeat.set_free_slots(report.free_slots);
  heartbeat.set_draining(report.draining);
  heartbeat.set_leaving(report.leaving);
  return heartbeat;
}

v1::JobDeclined MakeJobDeclined(const v1::JobRef& job, v1::DeclineReason reason,
                                const std::string& detail) {
  v1::JobDeclined declined;
  *declined.mutable_job() = job;
  declined.set_reason(reason);
  declined.set_detail(detail);
  return declined;
}

}  // namespace scanfleet
