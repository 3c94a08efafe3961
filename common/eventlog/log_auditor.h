// LogAuditor: the core of `scanfleet verify-log`. It reads the records of an
// event log in the order a source holds them (a controller database's rows, a
// replayed range, the lines of a SIEM file sink) and decides whether they are
// the log the controller signed: it recomputes the hash chain (chain.h),
// compares it with the chain each record states, checks every signed
// checkpoint it meets in the log (log.checkpoint events) and those given from
// outside (a retention anchor, a fresh checkpoint from the controller), and
// stops at the first problem, naming the seq and what happened there:
//   deleted    a seq is missing (and does not turn up later);
//   inserted   a second record claims a seq already seen;
//   reordered  a seq turns up after a later one;
//   altered    a record's bytes do not hash to the chain it states, or are
//              not the event its seq says;
//   unsigned   the chain at a checkpoint differs from the signed one: an
//              event between the previous checkpoint and this one was
//              altered, inserted or deleted and the chain recomputed to hide
//              it (the range is named; only a signature can tell which);
//   bad checkpoint  a checkpoint's signature does not verify.
// Records after the last checkpoint are consistent but not yet covered by a
// signature; Finish() says how many.
// Pure: no I/O; the signature check is injected. Thread-safety: one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "common/status/status.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

// One record as the source holds it.
struct LogRecord {
  uint64_t seq = 0;                       // the seq the source files it under
  std::string event_bytes;                // CanonicalEventBytes of the event
  std::optional<std::string> chain;       // the chain hash the source states for it
  std::optional<std::string> prev_chain;  // the chain before it, where the source states it
  std::string where;                      // "line 12", "row 7": for messages
  // Set when the source's own rendering of the event disagrees with its
  // bytes (e.g. a SIEM line whose visible fields were edited): says how.
  std::string mismatch;
  // Instead of the bytes: the digest of an event the source left out (a SIEM
  // sink's topic filter); it is chained, its content cannot be checked.
  std::optional<std::string> event_digest;
};

enum class LogProblem { kDeleted, kInserted, kReordered, kAltered, kUnsigned, kBadCheckpoint };
const char* LogProblemName(LogProblem problem);

struct LogAudit {
  uint64_t records = 0;
  uint64_t first_seq = 0;  // 0: no record
  uint64_t last_seq = 0;
  uint64_t checkpoints_verified = 0;
  uint64_t covered_through = 0;  // highest seq a verified checkpoint matched (0: none)
  struct Problem {
    LogProblem kind;
    uint64_t seq;        // the first seq concerned
    std::string detail;  // one sentence, names the record
  };
  std::optional<Problem> problem;
  bool ok() const { return !problem.has_value(); }
};

class LogAuditor {
 public:
  // OK when the checkpoint's signature is the controller's (checkpoint_signing.h).
  using CheckpointCheck = std::function<Status(const v1::LogCheckpoint&)>;
  explicit LogAuditor(CheckpointCheck check);

  // The log starts after `seq` whose chain is `chain` (a retention anchor or
  // where a range begins). Without it the first record's stated prev_chain is
  // used (genesis for seq 1); a checkpoint later covers it either way.
  void StartAfter(uint64_t seq, std::string chain);
  // A checkpoint from outside the records (e.g. a fresh one from the
  // controller): its signature is checked now, its chain when the records
  // reach its seq.
  void AddCheckpoint(const v1::LogCheckpoint& checkpoint, const std::string& source);
  // The next record, in the source's order. Ignored after the first problem
  // but for the seq bookkeeping that tells a deletion from a reordering.
  void Add(const LogRecord& record);
  LogAudit Finish();

 private:
  void Fail(LogProblem kind, uint64_t seq, std::string detail);
  void CheckChain(const LogRecord& record, const v1::Event& event);
  void MatchCheckpoints(uint64_t seq, const std::string& chain);

  CheckpointCheck check_;
  LogAudit audit_;
  std::optional<std::string> chain_;  // chain(last_seq) as recomputed, once known
  std::optional<uint64_t> start_after_;
  uint64_t last_checkpoint_seq_ = 0;  // seq covered by the previous checkpoint met
  // Trusted checkpoints waiting for the records to reach their seq.
  std::map<uint64_t, std::pair<std::string, std::string>> pending_;  // seq -> (chain, source)
  // A gap seen at a record: seqs [gap_first, gap_last] were missing there. A
  // later record in that range makes it a reordering, none a deletion.
  std::optional<std::pair<uint64_t, uint64_t>> gap_;
  uint64_t gap_seen_after_ = 0;
  std::optional<uint64_t> reordered_seq_;
  uint64_t highest_seq_ = 0;
};

}  // namespace scanfleet
