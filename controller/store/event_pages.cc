#include "controller/store/event_pages.h"

#include "common/eventlog/chain.h"

namespace scanfleet {

namespace {

Status CorruptRow(int64_t seq, const std::string& what) {
  return Status::DataLoss("stored event " + std::to_string(seq) + " " + what);
}

}  // namespace

v1::EventPage EventPageOf(StoredPage page) {
  v1::EventPage wire;
  wire.set_first_seq(page.first_seq);
  wire.set_prev_chain_hash(std::move(page.prev_chain));
  for (std::string& event : page.events) wire.add_events(std::move(event));
  wire.set_head_seq(page.head_seq);
  wire.set_first_stored_seq(page.first_stored_seq);
  wire.set_last_chain_hash(std::move(page.last_chain));
  if (page.anchor) *wire.mutable_anchor() = std::move(*page.anchor);
  return wire;
}

StatusOr<uint64_t> EventPages::LastSeq() {
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

StatusOr<uint64_t> EventPages::FirstStoredSeq() {
  ASSIGN_OR_RETURN(Statement * first, db_.Prepare("SELECT coalesce(min(seq), 0) FROM events"));
  ASSIGN_OR_RETURN(bool has_first, first->Step());
  uint64_t seq = has_first ? static_cast<uint64_t>(first->ColumnInt(0)) : 0;
  first->Reset();
  return seq;
}

StatusOr<std::optional<v1::LogCheckpoint>> EventPages::Anchor() {
  ASSIGN_OR_RETURN(Statement * query,
                   db_.Prepare("SELECT checkpoint FROM event_anchor WHERE id=1"));
  ASSIGN_OR_RETURN(bool row, query->Step());
  std::optional<v1::LogCheckpoint> anchor;
  if (row) {
    anchor.emplace();
    bool parsed = anchor->ParseFromString(query->ColumnBlob(0));
    query->Reset();
    if (!parsed || anchor->chain_hash().size() != kChainHashBytes) {
      return Status::DataLoss("the event log's retention anchor is corrupt");
    }
    return anchor;
  }
  query->Reset();
  return anchor;
}

StatusOr<LogHead> EventPages::Head() {
  ASSIGN_OR_RETURN(Statement * query,
                   db_.Prepare("SELECT seq, chain FROM events ORDER BY seq DESC LIMIT 1"));
  ASSIGN_OR_RETURN(bool row, query->Step());
  if (row) {
    LogHead head{static_cast<uint64_t>(query->ColumnInt(0)), query->ColumnBlob(1)};
    query->Reset();
    if (head.chain.size() != kChainHashBytes) {
      return CorruptRow(static_cast<int64_t>(head.seq), "has no chain hash");
    }
    return head;
  }
  query->Reset();
  ASSIGN_OR_RETURN(std::optional<v1::LogCheckpoint> anchor, Anchor());
  if (anchor) return LogHead{anchor->seq(), anchor->chain_hash()};
  return LogHead{0, GenesisChainHash()};
}

Status EventPages::ForEachRow(uint64_t after_seq, const RowVisitor& visit) {
  // Its own statement: a visitor may read pages meanwhile.
  ASSIGN_OR_RETURN(Statement * query,
                   db_.Prepare("SELECT seq, payload, coalesce(chain, x'') FROM events "
                               "WHERE seq>? ORDER BY seq /* audit */"));
  query->Bind(1, static_cast<int64_t>(after_seq));
  Status status = Status::Ok();
  while (status.ok()) {
    auto row = query->Step();
    if (!row.ok() || !*row) {
      if (!row.ok()) status = row.status();
      break;
    }
    status = visit(static_cast<uint64_t>(query->ColumnInt(0)), query->ColumnBlob(1),
                   query->ColumnBlob(2));
  }
  query->Reset();
  return status;
}

StatusOr<StoredPage> EventPages::Read(uint64_t after_seq, size_t max_events, size_t max_bytes) {
  StoredPage page;
  ASSIGN_OR_RETURN(page.head_seq, LastSeq());
  ASSIGN_OR_RETURN(page.first_stored_seq, FirstStoredSeq());
  if (after_seq >= page.head_seq || max_events == 0) return page;
  // The row at after_seq itself, when stored, gives the chain before the page.
  ASSIGN_OR_RETURN(Statement * query, db_.Prepare("SELECT seq, payload, chain FROM events "
                                                  "WHERE seq>=? ORDER BY seq LIMIT ?"));
  query->Bind(1, static_cast<int64_t>(after_seq)).Bind(2, static_cast<int64_t>(max_events) + 1);
  size_t bytes = 0;
  Status status = Status::Ok();
  while (page.events.size() < max_events && (page.events.empty() || bytes < max_bytes)) {
    auto row = query->Step();
    if (!row.ok()) {
      status = row.status();
      break;
    }
    if (!*row) break;
    int64_t seq = query->ColumnInt(0);
    std::string chain = query->ColumnBlob(2);
    if (chain.size() != kChainHashBytes) {
      status = CorruptRow(seq, "has no chain hash");
      break;
    }
    if (static_cast<uint64_t>(seq) == after_seq) {
      page.prev_chain = std::move(chain);
      continue;
    }
    if (page.events.empty()) {
      page.first_seq = static_cast<uint64_t>(seq);
    } else if (static_cast<uint64_t>(seq) != page.first_seq + page.events.size()) {
      status = CorruptRow(seq, "follows a gap in the stored log");
      break;
    }
    std::string payload = query->ColumnBlob(1);
    bytes += payload.size();
    page.events.push_back(std::move(payload));
    page.last_chain = std::move(chain);
  }
  query->Reset();
  RETURN_IF_ERROR(status);
  if (page.events.empty() || !page.prev_chain.empty()) return page;
  // The page does not start right after a stored row: at the start of the
  // log, or after retention deleted the rows before it.
  if (page.first_seq == 1) {
    page.prev_chain = GenesisChainHash();
    return page;
  }
  ASSIGN_OR_RETURN(page.anchor, Anchor());
  if (!page.anchor || page.anchor->seq() + 1 != page.first_seq) {
    return CorruptRow(static_cast<int64_t>(page.first_seq),
                      "has neither a stored predecessor nor a retention anchor");
  }
  page.prev_chain = page.anchor->chain_hash();
  return page;
}

}  // namespace scanfleet
