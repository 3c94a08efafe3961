#include "controller/store/carried_sets.h"

#include <algorithm>
#include <charconv>
#include <string>

namespace scanfleet {

namespace {

// carried_changes.kind
constexpr char kChanged[] = "changed";
constexpr char kDeleted[] = "deleted";
constexpr char kRenamed[] = "renamed";

// The carried_sets columns ReadSetRow expects, then the job's shard.
constexpr char kSetColumns[] =
    "c.job_id, c.scan_id, c.base_scan_id, c.base_job_ids, c.depth, c.findings_info, "
    "c.findings_low, c.findings_medium, c.findings_high, c.findings_critical, j.shard_index, "
    "j.shard_count FROM carried_sets c JOIN jobs j ON j.id = c.job_id";

std::string JoinIds(const std::vector<uint64_t>& ids) {
  std::string text;
  for (uint64_t id : ids) text += (text.empty() ? "" : ",") + std::to_string(id);
  return text;
}

// "12,13" -> {12, 13}; DataLoss for anything this store never writes.
StatusOr<std::vector<uint64_t>> ParseIds(const std::string& text) {
  std::vector<uint64_t> ids;
  for (size_t start = 0; start < text.size();) {
    size_t comma = std::min(text.find(',', start), text.size());
    uint64_t id = 0;
    auto [end, error] = std::from_chars(text.data() + start, text.data() + comma, id);
    if (error != std::errc() || end != text.data() + comma || id == 0) {
      return Status::DataLoss("carried_sets.base_job_ids: '" + text.substr(0, 64) + "'");
    }
    ids.push_back(id);
    start = comma + 1;
  }
  return ids;
}

// The record in the current row of a query that selects kSetColumns.
StatusOr<CarriedSet> ReadSetRow(Statement& query) {
  CarriedSet set;
  set.job_id = static_cast<uint64_t>(query.ColumnInt(0));
  set.scan_id = static_cast<uint64_t>(query.ColumnInt(1));
  set.base_scan_id = static_cast<uint64_t>(query.ColumnInt(2));
  ASSIGN_OR_RETURN(set.base_job_ids, ParseIds(query.ColumnText(3)));
  set.depth = static_cast<uint32_t>(query.ColumnInt(4));
  for (int severity = 0; severity < 5; ++severity) {
    set.by_severity[static_cast<size_t>(severity)] =
        static_cast<uint64_t>(query.ColumnInt(5 + severity));
  }
  set.shard_index = static_cast<uint32_t>(query.ColumnInt(10));
  set.shard_count = static_cast<uint32_t>(query.ColumnInt(11));
  return set;
}

}  // namespace

uint64_t CarriedSet::count() const {
  uint64_t total = 0;
  for (uint64_t n : by_severity) total += n;
  return total;
}

Status CarriedSets::Insert(const CarriedSet& set) {
  ASSIGN_OR_RETURN(Statement * insert,
                   db_.Prepare("INSERT INTO carried_sets(job_id, scan_id, base_scan_id, "
                               "base_job_ids, depth, findings_info, findings_low, "
                               "findings_medium, findings_high, findings_critical) "
                               "VALUES(?,?,?,?,?,?,?,?,?,?)"));
  insert->Bind(1, static_cast<int64_t>(set.job_id))
      .Bind(2, static_cast<int64_t>(set.scan_id))
      .Bind(3, static_cast<int64_t>(set.base_scan_id))
      .Bind(4, JoinIds(set.base_job_ids))
      .Bind(5, static_cast<int64_t>(set.depth));
  for (int severity = 0; severity < 5; ++severity) {
    insert->Bind(6 + severity, static_cast<int64_t>(set.by_severity.at(severity)));
  }
  RETURN_IF_ERROR(insert->Run());
  ASSIGN_OR_RETURN(Statement * change,
                   db_.Prepare("INSERT INTO carried_changes(job_id, ordinal, kind, path, "
                               "to_path) VALUES(?,?,?,?,?)"));
  int64_t ordinal = 0;
  auto add = [&](const char* kind, const std::string& path, const std::string& to) {
    change->Bind(1, static_cast<int64_t>(set.job_id))
        .Bind(2, ordinal++)
        .Bind(3, kind)
        .Bind(4, path)
        .Bind(5, to);
    return change->Run();
  };
  for (const std::string& path : set.changes.changed) RETURN_IF_ERROR(add(kChanged, path, ""));
  for (const std::string& path : set.changes.deleted) RETURN_IF_ERROR(add(kDeleted, path, ""));
  for (const FileRename& rename : set.changes.renames) {
    RETURN_IF_ERROR(add(kRenamed, rename.from, rename.to));
  }
  return Status::Ok();
}

Status CarriedSets::LoadChanges(CarriedSet& set) {
  ASSIGN_OR_RETURN(Statement * changes,
                   db_.Prepare("SELECT kind, path, to_path FROM carried_changes WHERE job_id=? "
                               "ORDER BY ordinal"));
  changes->Bind(1, static_cast<int64_t>(set.job_id));
  while (true) {
    ASSIGN_OR_RETURN(bool row, changes->Step());
    if (!row) break;
    std::string kind = changes->ColumnText(0);
    if (kind == kChanged) {
      set.changes.changed.push_back(changes->ColumnText(1));
    } else if (kind == kDeleted) {
      set.changes.deleted.push_back(changes->ColumnText(1));
    } else if (kind == kRenamed) {
      set.changes.renames.push_back(
          FileRename{changes->ColumnText(1), changes->ColumnText(2), 100});
    } else {
      changes->Reset();
      return Status::DataLoss("carried_changes.kind: '" + kind.substr(0, 32) + "'");
    }
  }
  changes->Reset();
  return Status::Ok();
}

StatusOr<std::optional<CarriedSet>> CarriedSets::OfJob(uint64_t job_id) {
  ASSIGN_OR_RETURN(Statement * query,
                   db_.Prepare(std::string("SELECT ") + kSetColumns + " WHERE c.job_id=?"));
  query->Bind(1, static_cast<int64_t>(job_id));
  ASSIGN_OR_RETURN(bool found, query->Step());
  if (!found) {
    query->Reset();
    return std::optional<CarriedSet>();
  }
  StatusOr<CarriedSet> set = ReadSetRow(*query);
  query->Reset();
  if (!set.ok()) return set.status();
  RETURN_IF_ERROR(LoadChanges(*set));
  return std::optional<CarriedSet>(std::move(set).value());
}

StatusOr<std::map<uint64_t, CarriedSet>> CarriedSets::OfScan(uint64_t scan_id) {
  ASSIGN_OR_RETURN(Statement * query,
                   db_.Prepare(std::string("SELECT ") + kSetColumns + " WHERE c.scan_id=?"));
  query->Bind(1, static_cast<int64_t>(scan_id));
  std::map<uint64_t, CarriedSet> sets;
  while (true) {
    ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    StatusOr<CarriedSet> set = ReadSetRow(*query);
    if (!set.ok()) {
      query->Reset();
      return set.status();
    }
    sets.emplace(set->job_id, std::move(set).value());
  }
  query->Reset();
  // Read after the scan's query is done: LoadChanges uses a statement of its own.
  for (auto& [job_id, set] : sets) RETURN_IF_ERROR(LoadChanges(set));
  return sets;
}

StatusOr<std::vector<uint64_t>> CarriedSets::DependentsOf(uint64_t base_job_id) {
  ASSIGN_OR_RETURN(Statement * query,
                   db_.Prepare("SELECT job_id, base_job_ids FROM carried_sets WHERE "
                               "base_scan_id=(SELECT scan_id FROM jobs WHERE id=?) ORDER BY "
                               "job_id"));
  query->Bind(1, static_cast<int64_t>(base_job_id));
  std::vector<uint64_t> dependents;
  while (true) {
    ASSIGN_OR_RETURN(bool row, query->Step());
    if (!row) break;
    StatusOr<std::vector<uint64_t>> bases = ParseIds(query->ColumnText(1));
    if (!bases.ok()) {
      query->Reset();
      return bases.status();
    }
    if (std::find(bases->begin(), bases->end(), base_job_id) != bases->end()) {
      dependents.push_back(static_cast<uint64_t>(query->ColumnInt(0)));
    }
  }
  query->Reset();
  return dependents;
}

StatusOr<uint32_t> CarriedSets::DepthOf(const std::vector<uint64_t>& job_ids) {
  ASSIGN_OR_RETURN(Statement * query, db_.Prepare("SELECT depth FROM carried_sets WHERE job_id=?"));
  uint32_t deepest = 0;
  for (uint64_t job_id : job_ids) {
    query->Bind(1, static_cast<int64_t>(job_id));
    ASSIGN_OR_RETURN(bool found, query->Step());
    if (found) deepest = std::max(deepest, static_cast<uint32_t>(query->ColumnInt(0)));
    query->Reset();
  }
  return deepest;
}

StatusOr<std::vector<uint64_t>> CarriedSets::CountBySeverity(uint64_t scan_id) {
  ASSIGN_OR_RETURN(Statement * query, db_.Prepare("SELECT coalesce(sum(findings_info), 0), "
                                                  "coalesce(sum(findings_low), 0), "
                                                  "coalesce(sum(findings_medium), 0), "
                                                  "coalesce(sum(findings_high), 0), "
                                                  "coalesce(sum(findings_critical), 0) "
                                                  "FROM carried_sets WHERE scan_id=?"));
  query->Bind(1, static_cast<int64_t>(scan_id));
  std::vector<uint64_t> counts(5, 0);
  ASSIGN_OR_RETURN(bool row, query->Step());
  for (int severity = 0; row && severity < 5; ++severity) {
    counts[static_cast<size_t>(severity)] = static_cast<uint64_t>(query->ColumnInt(severity));
  }
  query->Reset();
  return counts;
}

Status CarriedSets::Erase(uint64_t job_id) {
  ASSIGN_OR_RETURN(Statement * changes, db_.Prepare("DELETE FROM carried_changes WHERE job_id=?"));
  changes->Bind(1, static_cast<int64_t>(job_id));
  RETURN_IF_ERROR(changes->Run());
  ASSIGN_OR_RETURN(Statement * set, db_.Prepare("DELETE FROM carried_sets WHERE job_id=?"));
  set->Bind(1, static_cast<int64_t>(job_id));
  return set->Run();
}

}  // namespace scanfleet
