// EventLogReader: a read-only connection to the controller's database that
// serves event replays off the loop thread. SQLite's WAL lets it read while
// the loop writes and commits; each read sees the last committed state.
// Thread-safety: owned and used by one thread (the replay thread).
#pragma once

#include <memory>
#include <string>

#include "common/status/status.h"
#include "common/store/database.h"
#include "controller/store/event_pages.h"

namespace scanfleet {

class EventLogReader {
 public:
  // FailedPrecondition when the database's schema is not this build's (the
  // controller migrates it before it starts a reader).
  static StatusOr<std::unique_ptr<EventLogReader>> Open(const std::string& path);

  EventPages& pages() { return pages_; }

 private:
  explicit EventLogReader(std::unique_ptr<Database> db) : db_(std::move(db)), pages_(*db_) {}

  std::unique_ptr<Database> db_;
  EventPages pages_;
};

}  // namespace scanfleet
