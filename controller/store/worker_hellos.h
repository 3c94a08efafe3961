// WorkerHellos: each worker's last hello (the workers table), so a restarted
// controller still knows which scanners and host a worker reported before it
// reconnects. Writes go into the caller's open transaction.
// Thread-safety: like Database, used on the controller loop thread only.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/status/status.h"
#include "common/store/database.h"
#include "common/time/clock.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

class WorkerHellos {
 public:
  explicit WorkerHellos(Database& db) : db_(db) {}

  // Keeps `hello` as the worker's last; the first one's time is kept too.
  Status Record(const std::string& worker_id, const v1::WorkerHello& hello, TimeMs now);
  // Every worker's last hello, by worker id (rows that no longer parse are skipped).
  StatusOr<std::vector<std::pair<std::string, v1::WorkerHello>>> LoadAll();

 private:
  Database& db_;
};

}  // namespace scanfleet
