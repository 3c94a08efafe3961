#include "controller/store/controller_store.h"

#include "controller/store/schema.h"

namespace scanfleet {

StatusOr<std::unique_ptr<ControllerStore>> ControllerStore::Open(const std::string& path,
                                                                 const Database::Options& options) {
  ASSIGN_OR_RETURN(auto db, Database::Open(path, options, ControllerMigrations()));
  return std::unique_ptr<ControllerStore>(new ControllerStore(std::move(db)));
}

ControllerStore::ControllerStore(std::unique_ptr<Database> db)
    : db_(std::move(db)),
      scans_(*db_),
      jobs_(*db_),
      carried_sets_(*db_),
      findings_(*db_, carried_sets_),
      events_(*db_),
      baselines_(*db_),
      raw_reports_(*db_),
      schedule_runs_(*db_),
      worker_hellos_(*db_),
      lifecycle_(scans_, jobs_, findings_, events_, baselines_),
      views_(*db_, scans_, findings_, baselines_) {}

}  // namespace scanfleet
