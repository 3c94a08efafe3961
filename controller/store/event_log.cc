#include "controller/store/event_log.h"

#include <string>

namespace scanfleet {

Status EventLog::Append(v1::Event* event) {
  event->clear_seq();
  ASSIGN_OR_RETURN(Statement * insert,
                   db_.Prepare("INSERT INTO events(topic, created_ms, scan_id, job_id, payload) "
                               "VALUES(?,?,?,?,?)"));
  insert->Bind(1, event->topic())
      .Bind(2, event->created_ms())
      .Bind(3, static_cast<int64_t>(event->scan_id()))
      .Bind(4, static_cast<int64_t>(event->job_id()))
      .BindBlob(5, event->SerializeAsString());
  RETURN_IF_ERROR(insert->Run());
  event->set_seq(static_cast<uint64_t>(db_.last_insert_rowid()));
  return Status::Ok();
}

StatusOr<v1::ReplayEventsResponse> EventLog::Replay(uint64_t after_seq, uint32_t limit) {
  v1::ReplayEventsResponse response;
  ASSIGN_OR_RETURN(Statement * query, db_.Prepare("SELECT seq, payload FROM events WHERE seq>? "
                                                  "ORDER BY seq LIMIT ?"));
  query->Bind(1, static_cast<int64_t>(after_seq)).Bind(2, static_cast<int64_t>(limit));
  while (true) {
    ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    v1::Event* event = response.add_events();
    if (!event->ParseFromString(query->ColumnBlob(1))) {
      query->Reset();
      return Status::DataLoss("stored event " + std::to_string(query->ColumnInt(0)) +
                              " is corrupt");
    }
    event->set_seq(static_cast<uint64_t>(query->ColumnInt(0)));
  }
  query->Reset();
  ASSIGN_OR_RETURN(uint64_t last_seq, LastSeq());
  response.set_last_seq(last_seq);
  ASSIGN_OR_RETURN(Statement * first, db_.Prepare("SELECT coalesce(min(seq), 0) FROM events"));
  ASSIGN_OR_RETURN(bool has_first, first->Step());
  response.set_first_seq(has_first ? static_cast<uint64_t>(first->ColumnInt(0)) : 0);
  first->Reset();
  return response;
}

StatusOr<uint64_t> EventLog::LastSeq() {
  // AUTOINCREMENT keeps the highest seq ever used in sqlite_sequence, also
  // after retention deleted every stored event.
  ASSIGN_OR_RETURN(Statement * last,
                   db_.Prepare("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE "
                               "name='events'), 0)"));
  ASSIGN_OR_RETURN(bool has_last, last->Step());
  uint64_t seq = has_last ? static_cast<uint64_t>(last->ColumnInt(0)) : 0;
  last->Reset();
  return seq;
}

StatusOr<int64_t> EventLog::PruneBefore(TimeMs before_ms) {
  // Events are appended in time order: delete the prefix older than the
  // cutoff, walking the primary key only as far as the first event to keep.
  ASSIGN_OR_RETURN(
      Statement * prune,
      db_.Prepare("DELETE FROM events WHERE seq < coalesce("
                  "(SELECT seq FROM events WHERE created_ms >= ? ORDER BY seq LIMIT 1),"
                  "(SELECT max(seq) + 1 FROM events))"));
  prune->Bind(1, before_ms);
  RETURN_IF_ERROR(prune->Run());
  return db_.changes();
}

}  // namespace scanfleet
