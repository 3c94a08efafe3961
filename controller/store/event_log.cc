#include "controller/store/event_log.h"

#include <string>

#include "common/eventlog/chain.h"

namespace scanfleet {

StatusOr<LogHead> EventLog::Head() {
  if (!head_ || head_rollbacks_ != db_.rollbacks()) {
    ASSIGN_OR_RETURN(head_, pages_.Head());
    head_rollbacks_ = db_.rollbacks();
  }
  return *head_;
}

Status EventLog::Append(v1::Event* event) {
  ASSIGN_OR_RETURN(LogHead head, Head());
  uint64_t seq = head.seq + 1;
  event->set_seq(seq);
  std::string bytes = CanonicalEventBytes(*event);
  std::string chain = NextChainHash(head.chain, seq, bytes);
  ASSIGN_OR_RETURN(Statement * insert,
                   db_.Prepare("INSERT INTO events(seq, topic, created_ms, scan_id, job_id, "
                               "payload, chain) VALUES(?,?,?,?,?,?,?)"));
  insert->Bind(1, static_cast<int64_t>(seq))
      .Bind(2, event->topic())
      .Bind(3, event->created_ms())
      .Bind(4, static_cast<int64_t>(event->scan_id()))
      .Bind(5, static_cast<int64_t>(event->job_id()))
      .BindBlob(6, bytes)
      .BindBlob(7, chain);
  RETURN_IF_ERROR(insert->Run());
  head_ = LogHead{seq, std::move(chain)};
  return Status::Ok();
}

StatusOr<int64_t> EventLog::ChainOlderEvents(std::optional<LogHead>* needs_anchor) {
  needs_anchor->reset();
  head_.reset();
  ASSIGN_OR_RETURN(std::optional<v1::LogCheckpoint> anchor, pages_.Anchor());
  ASSIGN_OR_RETURN(Statement * unchained,
                   db_.Prepare("SELECT seq, payload FROM events WHERE chain IS NULL ORDER BY seq"));
  ASSIGN_OR_RETURN(Statement * before, db_.Prepare("SELECT chain FROM events WHERE seq=?"));
  ASSIGN_OR_RETURN(Statement * update,
                   db_.Prepare("UPDATE events SET payload=?, chain=? WHERE seq=?"));
  int64_t chained = 0;
  std::string prev;
  uint64_t expected = 0;
  Status status = Status::Ok();
  while (status.ok()) {
    auto row = unchained->Step();
    if (!row.ok() || !*row) {
      if (!row.ok()) status = row.status();
      break;
    }
    uint64_t seq = static_cast<uint64_t>(unchained->ColumnInt(0));
    if (chained == 0) {
      // Where the chain of the older rows starts.
      before->Bind(1, static_cast<int64_t>(seq - 1));
      auto found = before->Step();
      if (found.ok() && *found && before->ColumnBlob(0).size() == kChainHashBytes) {
        prev = before->ColumnBlob(0);
      } else if (anchor && anchor->seq() + 1 == seq) {
        prev = anchor->chain_hash();
      } else {
        prev = GenesisChainHash();
        if (seq != 1) *needs_anchor = LogHead{seq - 1, prev};
      }
      before->Reset();
    } else if (seq != expected) {
      status = Status::DataLoss("the stored event log has a gap before seq " + std::to_string(seq));
      break;
    }
    v1::Event event;
    if (!event.ParseFromString(unchained->ColumnBlob(1))) {
      status = Status::DataLoss("stored event " + std::to_string(seq) + " is corrupt");
      break;
    }
    event.set_seq(seq);
    std::string bytes = CanonicalEventBytes(event);
    prev = NextChainHash(prev, seq, bytes);
    update->BindBlob(1, bytes).BindBlob(2, prev).Bind(3, static_cast<int64_t>(seq));
    status = update->Run();
    expected = seq + 1;
    ++chained;
  }
  unchained->Reset();
  RETURN_IF_ERROR(status);
  if (chained == 0 && !anchor) {
    // Every event was deleted before the log had a chain: it starts at the head.
    ASSIGN_OR_RETURN(uint64_t first, pages_.FirstStoredSeq());
    ASSIGN_OR_RETURN(uint64_t last, pages_.LastSeq());
    if (first == 0 && last > 0) *needs_anchor = LogHead{last, GenesisChainHash()};
  }
  return chained;
}

StatusOr<std::optional<LogHead>> EventLog::PruneBefore(TimeMs before_ms) {
  // Events are appended in time order: the prefix older than the cutoff ends
  // before the first event to keep.
  ASSIGN_OR_RETURN(
      Statement * last_deleted,
      db_.Prepare("SELECT seq, chain FROM events WHERE seq < coalesce("
                  "(SELECT seq FROM events WHERE created_ms >= ? ORDER BY seq LIMIT 1),"
                  "(SELECT max(seq) + 1 FROM events)) ORDER BY seq DESC LIMIT 1"));
  last_deleted->Bind(1, before_ms);
  ASSIGN_OR_RETURN(bool any, last_deleted->Step());
  std::optional<LogHead> deleted;
  if (any)
    deleted =
        LogHead{static_cast<uint64_t>(last_deleted->ColumnInt(0)), last_deleted->ColumnBlob(1)};
  last_deleted->Reset();
  if (!deleted) return deleted;
  if (deleted->chain.size() != kChainHashBytes) {
    return Status::DataLoss("stored event " + std::to_string(deleted->seq) + " has no chain hash");
  }
  ASSIGN_OR_RETURN(Statement * prune, db_.Prepare("DELETE FROM events WHERE seq <= ?"));
  prune->Bind(1, static_cast<int64_t>(deleted->seq));
  RETURN_IF_ERROR(prune->Run());
  return deleted;
}

Status EventLog::SetAnchor(const v1::LogCheckpoint& anchor) {
  ASSIGN_OR_RETURN(Statement * upsert,
                   db_.Prepare("INSERT INTO event_anchor(id, seq, checkpoint) VALUES(1,?,?) "
                               "ON CONFLICT(id) DO UPDATE SET seq=excluded.seq, "
                               "checkpoint=excluded.checkpoint"));
  upsert->Bind(1, static_cast<int64_t>(anchor.seq())).BindBlob(2, anchor.SerializeAsString());
  return upsert->Run();
}

}  // namespace scanfleet
