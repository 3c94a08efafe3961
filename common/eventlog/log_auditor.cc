#include "common/eventlog/log_auditor.h"

#include <algorithm>

#include "common/eventlog/chain.h"

namespace scanfleet {

const char* LogProblemName(LogProblem problem) {
  switch (problem) {
    case LogProblem::kDeleted:
      return "deleted";
    case LogProblem::kInserted:
      return "inserted";
    case LogProblem::kReordered:
      return "reordered";
    case LogProblem::kAltered:
      return "altered";
    case LogProblem::kUnsigned:
      return "rewritten";
    case LogProblem::kBadCheckpoint:
      return "bad checkpoint";
  }
  return "unknown";
}

LogAuditor::LogAuditor(CheckpointCheck check) : check_(std::move(check)) {}

void LogAuditor::Fail(LogProblem kind, uint64_t seq, std::string detail) {
  if (!audit_.problem) audit_.problem = LogAudit::Problem{kind, seq, std::move(detail)};
}

void LogAuditor::StartAfter(uint64_t seq, std::string chain) {
  start_after_ = seq;
  chain_ = std::move(chain);
  last_checkpoint_seq_ = seq;
  MatchCheckpoints(seq, *chain_);
}

void LogAuditor::AddCheckpoint(const v1::LogCheckpoint& checkpoint, const std::string& source) {
  if (Status signed_ok = check_(checkpoint); !signed_ok.ok()) {
    Fail(LogProblem::kBadCheckpoint, checkpoint.seq(), source + ": " + signed_ok.message());
    return;
  }
  pending_[checkpoint.seq()] = {checkpoint.chain_hash(), source};
  if (start_after_ && checkpoint.seq() == *start_after_ && chain_) {
    MatchCheckpoints(*start_after_, *chain_);
  }
}

void LogAuditor::MatchCheckpoints(uint64_t seq, const std::string& chain) {
  auto it = pending_.find(seq);
  if (it == pending_.end()) return;
  if (it->second.first != chain) {
    Fail(LogProblem::kUnsigned, seq,
         "the log up to seq " + std::to_string(seq) + " does not match " + it->second.second +
             ": an event after seq " + std::to_string(last_checkpoint_seq_) +
             " was altered, inserted or deleted and the chain recomputed to hide it");
  } else {
    ++audit_.checkpoints_verified;
    audit_.covered_through = std::max(audit_.covered_through, seq);
    last_checkpoint_seq_ = seq;
  }
  pending_.erase(it);
}

void LogAuditor::CheckChain(const LogRecord& record, const v1::Event& event) {
  std::string prev;
  if (chain_) {
    prev = *chain_;
    if (record.prev_chain && *record.prev_chain != prev) {
      Fail(LogProblem::kAltered, record.seq,
           record.where + " (seq " + std::to_string(record.seq) +
               ") states a previous chain hash that is not the one of the record before it");
      return;
    }
  } else if (record.prev_chain) {
    prev = *record.prev_chain;  // the first record: a later checkpoint covers it
  } else if (record.seq == 1) {
    prev = GenesisChainHash();
  } else {
    Fail(LogProblem::kAltered, record.seq,
         record.where + " (seq " + std::to_string(record.seq) +
             ") is the first record and the source states no chain before it");
    return;
  }
  std::string chain = record.event_digest
                          ? NextChainHashOfDigest(prev, record.seq, *record.event_digest)
                          : NextChainHash(prev, record.seq, record.event_bytes);
  if (record.chain && *record.chain != chain) {
    Fail(LogProblem::kAltered, record.seq,
         record.where + " (seq " + std::to_string(record.seq) +
             "): its bytes do not hash to the chain hash it states: the event was altered");
    return;
  }
  if (event.has_checkpoint()) {
    const v1::LogCheckpoint& checkpoint = event.checkpoint();
    std::string source =
        "the checkpoint at " + record.where + " (seq " + std::to_string(record.seq) + ")";
    if (Status signed_ok = check_(checkpoint); !signed_ok.ok()) {
      Fail(LogProblem::kBadCheckpoint, record.seq, source + ": " + signed_ok.message());
      return;
    }
    if (checkpoint.seq() + 1 != record.seq) {
      Fail(LogProblem::kAltered, record.seq,
           source + " covers seq " + std::to_string(checkpoint.seq()) + ", not the seq before it");
      return;
    }
    pending_[checkpoint.seq()] = {checkpoint.chain_hash(), source};
    MatchCheckpoints(checkpoint.seq(), prev);
  }
  chain_ = std::move(chain);
}

void LogAuditor::Add(const LogRecord& record) {
  ++audit_.records;
  if (audit_.first_seq == 0) audit_.first_seq = record.seq;
  if (gap_) {
    // Only whether a missing seq turns up later still matters.
    if (!reordered_seq_ && record.seq >= gap_->first && record.seq <= gap_->second) {
      reordered_seq_ = record.seq;
    }
    return;
  }
  if (audit_.problem) return;
  bool first = audit_.records == 1;
  if (record.seq == 0) {
    Fail(LogProblem::kAltered, 0, record.where + " claims seq 0, which no event has");
    return;
  }
  if (!first || start_after_) {
    uint64_t last = first ? *start_after_ : audit_.last_seq;
    if (record.seq <= last) {
      bool before_start = first || (start_after_ && record.seq <= *start_after_);
      Fail(LogProblem::kInserted, record.seq,
           before_start
               ? record.where + " claims seq " + std::to_string(record.seq) +
                     ", at or before the start of the log (seq " + std::to_string(last) + ")"
               : "a second record claims seq " + std::to_string(record.seq) + " (" + record.where +
                     "): an event was inserted");
      return;
    }
    if (record.seq > last + 1) {
      gap_ = std::make_pair(last + 1, record.seq - 1);
      gap_seen_after_ = record.seq;
      return;
    }
  }
  v1::Event event;
  if (record.event_digest) {  // known by its digest only
    if (record.event_digest->size() != kChainHashBytes) {
      Fail(LogProblem::kAltered, record.seq,
           record.where + " states a digest of " + std::to_string(record.event_digest->size()) +
               " bytes for the left-out seq " + std::to_string(record.seq));
      return;
    }
    event.set_seq(record.seq);
  } else if (!event.ParseFromString(record.event_bytes)) {
    Fail(LogProblem::kAltered, record.seq,
         record.where + " (seq " + std::to_string(record.seq) + ") does not hold an event");
    return;
  }
  if (event.seq() != record.seq) {
    bool again = event.seq() != 0 && event.seq() < record.seq && event.seq() <= audit_.last_seq;
    Fail(again ? LogProblem::kInserted : LogProblem::kAltered, again ? event.seq() : record.seq,
         record.where + " is filed under seq " + std::to_string(record.seq) + " but holds event " +
             std::to_string(event.seq()) +
             (again ? ": an event was inserted before it and the rest renumbered" : ""));
    return;
  }
  if (!record.mismatch.empty()) {
    Fail(LogProblem::kAltered, record.seq,
         record.where + " (seq " + std::to_string(record.seq) + "): " + record.mismatch);
    return;
  }
  CheckChain(record, event);
  if (audit_.problem) return;
  audit_.last_seq = record.seq;
  MatchCheckpoints(record.seq, *chain_);
}

LogAudit LogAuditor::Finish() {
  if (gap_ && !audit_.problem) {
    if (reordered_seq_) {
      Fail(LogProblem::kReordered, *reordered_seq_,
           "seq " + std::to_string(*reordered_seq_) + " comes after seq " +
               std::to_string(gap_seen_after_) + ": the events were reordered");
    } else {
      std::string range = gap_->first == gap_->second
                              ? "seq " + std::to_string(gap_->first) + " is"
                              : "seqs " + std::to_string(gap_->first) + ".." +
                                    std::to_string(gap_->second) + " are";
      Fail(LogProblem::kDeleted, gap_->first,
           range + " missing before seq " + std::to_string(gap_seen_after_) + ": deleted");
    }
  }
  if (!audit_.problem && !pending_.empty()) {
    // A trusted checkpoint beyond the last record: the records stop short.
    const auto& [seq, checkpoint] = *pending_.rbegin();
    if (seq > audit_.last_seq) {
      uint64_t from = audit_.records == 0 && start_after_ ? *start_after_ + 1 : audit_.last_seq + 1;
      Fail(LogProblem::kDeleted, from,
           checkpoint.second + " covers seq " + std::to_string(seq) +
               " but the records end at seq " + std::to_string(audit_.last_seq) + ": seqs " +
               std::to_string(from) + ".." + std::to_string(seq) + " are missing");
    }
  }
  return audit_;
}

}  // namespace scanfleet
