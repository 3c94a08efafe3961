#include "controller/store/event_log_reader.h"

#include "controller/store/schema.h"

namespace scanfleet {

StatusOr<std::unique_ptr<EventLogReader>> EventLogReader::Open(const std::string& path) {
  Database::Options options;
  options.read_only = true;
  ASSIGN_OR_RETURN(auto db, Database::Open(path, options, ControllerMigrations()));
  return std::unique_ptr<EventLogReader>(new EventLogReader(std::move(db)));
}

}  // namespace scanfleet
