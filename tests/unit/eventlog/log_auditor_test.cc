// LogAuditor: a log as a source holds it, judged record by record. Each kind
// of tampering is named at the first seq it touches; a chain recomputed to hide
// an edit is caught by the signed checkpoint after it; a checkpoint signed by
// another key, or beyond the records, is a problem too.
#include "common/eventlog/log_auditor.h"

#include <gtest/gtest.h>

#include "common/eventlog/chain.h"
#include "common/security/checkpoint_signing.h"

namespace scanfleet {
namespace {

class LogAuditorTest : public ::testing::Test {
 protected:
  // A log of `count` events (every fifth a finding); checkpoint_after > 0
  // appends a signed checkpoint event after that many.
  void Build(int count, int checkpoint_after = 0) {
    std::string chain = GenesisChainHash();
    for (int i = 1; i <= count; ++i) {
      v1::Event event;
      event.set_seq(static_cast<uint64_t>(i));
      event.set_topic(i % 5 == 0 ? "finding.high.flawfinder" : "scan.queued");
      event.set_scan_id(static_cast<uint64_t>(i));
      if (i == checkpoint_after + 1 && checkpoint_after > 0) {
        event.set_topic("log.checkpoint");
        *event.mutable_checkpoint() = SignCheckpoint(key_, static_cast<uint64_t>(i - 1), chain, 7);
      }
      std::string bytes = CanonicalEventBytes(event);
      std::string next = NextChainHash(chain, static_cast<uint64_t>(i), bytes);
      records_.push_back(
          LogRecord{static_cast<uint64_t>(i), bytes, next, chain, "line " + std::to_string(i), "", std::nullopt});
      chain = next;
    }
    head_ = chain;
  }
  LogAudit Audit(const std::vector<LogRecord>& records) {
    LogAuditor auditor([this](const v1::LogCheckpoint& checkpoint) {
      return VerifyCheckpoint(checkpoint, key_.public_key);
    });
    for (const auto& record : records) auditor.Add(record);
    return auditor.Finish();
  }
  void ExpectProblem(const std::vector<LogRecord>& records, LogProblem kind, uint64_t seq) {
    LogAudit audit = Audit(records);
    ASSERT_FALSE(audit.ok());
    EXPECT_EQ(audit.problem->kind, kind) << audit.problem->detail;
    EXPECT_EQ(audit.problem->seq, seq) << audit.problem->detail;
  }

  KeyPair key_ = GenerateKeyPair("controller");
  std::vector<LogRecord> records_;
  std::string head_;
};

TEST_F(LogAuditorTest, AnUntouchedLogVerifiesAndSaysWhatItsCheckpointsCover) {
  Build(20, 12);
  LogAudit audit = Audit(records_);
  ASSERT_TRUE(audit.ok()) << audit.problem->detail;
  EXPECT_EQ(audit.records, 20u);
  EXPECT_EQ(audit.first_seq, 1u);
  EXPECT_EQ(audit.last_seq, 20u);
  EXPECT_EQ(audit.checkpoints_verified, 1u);
  EXPECT_EQ(audit.covered_through, 12u);
}

TEST_F(LogAuditorTest, EachKindOfTamperingIsNamedAtItsFirstSeq) {
  Build(20);
  auto deleted = records_;
  deleted.erase(deleted.begin() + 6, deleted.begin() + 8);  // seqs 7 and 8
  ExpectProblem(deleted, LogProblem::kDeleted, 7);

  auto inserted = records_;
  inserted.insert(inserted.begin() + 9, records_[8]);  // seq 9 twice
  ExpectProblem(inserted, LogProblem::kInserted, 9);

  auto reordered = records_;
  std::swap(reordered[10], reordered[11]);  // 12 before 11
  ExpectProblem(reordered, LogProblem::kReordered, 11);

  auto altered = records_;
  altered[4].event_bytes.back() ^= 1;  // seq 5's bytes, its stated chain kept
  ExpectProblem(altered, LogProblem::kAltered, 5);

  auto renumbered = records_;  // seq 3 dropped, the rest filed one lower
  renumbered.erase(renumbered.begin() + 2);
  for (size_t i = 2; i < renumbered.size(); ++i) --renumbered[i].seq;
  ExpectProblem(renumbered, LogProblem::kAltered, 3);

  auto mismatched = records_;
  mismatched[13].mismatch = "its field vulnerability.severity is not what the bytes say";
  ExpectProblem(mismatched, LogProblem::kAltered, 14);

  auto garbage = records_;
  garbage[2].event_bytes = "\xff\xff not protobuf";
  ExpectProblem(garbage, LogProblem::kAltered, 3);
}

TEST_F(LogAuditorTest, ARecomputedChainIsCaughtByTheSignedCheckpointAfterIt) {
  Build(20, 15);
  // Event 6 altered and every chain hash after it recomputed: each record
  // links, only the checkpoint's signed chain at seq 15 differs.
  v1::Event event;
  ASSERT_TRUE(event.ParseFromString(records_[5].event_bytes));
  event.set_topic("finding.info.flawfinder");
  records_[5].event_bytes = CanonicalEventBytes(event);
  std::string chain = *records_[4].chain;
  for (size_t i = 5; i < records_.size(); ++i) {
    records_[i].prev_chain = chain;
    chain = NextChainHash(chain, records_[i].seq, records_[i].event_bytes);
    records_[i].chain = chain;
  }
  LogAudit audit = Audit(records_);
  ASSERT_FALSE(audit.ok());
  EXPECT_EQ(audit.problem->kind, LogProblem::kUnsigned);
  EXPECT_EQ(audit.problem->seq, 15u);
  EXPECT_NE(audit.problem->detail.find("after seq 0"), std::string::npos) << audit.problem->detail;
}

TEST_F(LogAuditorTest, CheckpointsSignedByAnotherKeyOrBeyondTheRecordsAreProblems) {
  Build(10);
  LogAuditor auditor([this](const v1::LogCheckpoint& checkpoint) {
    return VerifyCheckpoint(checkpoint, key_.public_key);
  });
  KeyPair other = GenerateKeyPair("impostor");
  auditor.AddCheckpoint(SignCheckpoint(other, 10, head_, 1), "a forged checkpoint");
  for (const auto& record : records_) auditor.Add(record);
  EXPECT_EQ(auditor.Finish().problem->kind, LogProblem::kBadCheckpoint);

  // A fresh checkpoint at seq 10, but the records stop at 8: the tail went.
  LogAuditor cut([this](const v1::LogCheckpoint& checkpoint) {
    return VerifyCheckpoint(checkpoint, key_.public_key);
  });
  cut.AddCheckpoint(SignCheckpoint(key_, 10, head_, 1), "the checkpoint signed now");
  for (size_t i = 0; i < 8; ++i) cut.Add(records_[i]);
  LogAudit audit = cut.Finish();
  ASSERT_FALSE(audit.ok());
  EXPECT_EQ(audit.problem->kind, LogProblem::kDeleted);
  EXPECT_EQ(audit.problem->seq, 9u);

  LogAuditor whole([this](const v1::LogCheckpoint& checkpoint) {
    return VerifyCheckpoint(checkpoint, key_.public_key);
  });
  whole.AddCheckpoint(SignCheckpoint(key_, 10, head_, 1), "the checkpoint signed now");
  for (const auto& record : records_) whole.Add(record);
  audit = whole.Finish();
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit.covered_through, 10u);
}

TEST_F(LogAuditorTest, ALogThatStartsAfterAnAnchorVerifiesFromIt) {
  Build(10);
  std::vector<LogRecord> tail(records_.begin() + 4, records_.end());
  for (auto& record : tail) record.prev_chain.reset();
  LogAuditor auditor([this](const v1::LogCheckpoint& checkpoint) {
    return VerifyCheckpoint(checkpoint, key_.public_key);
  });
  v1::LogCheckpoint anchor = SignCheckpoint(key_, 4, *records_[3].chain, 1);
  auditor.AddCheckpoint(anchor, "the retention anchor");
  auditor.StartAfter(4, anchor.chain_hash());
  for (const auto& record : tail) auditor.Add(record);
  LogAudit audit = auditor.Finish();
  ASSERT_TRUE(audit.ok()) << audit.problem->detail;
  EXPECT_EQ(audit.covered_through, 4u);
  // Without an anchor, a log whose first record is not seq 1 and states no
  // chain before it cannot be checked.
  ExpectProblem(tail, LogProblem::kAltered, 5);
}

TEST(CheckpointSigningTest, OnlyTheControllersSignatureOverTheseValuesVerifies) {
  KeyPair key = GenerateKeyPair("controller");
  v1::LogCheckpoint checkpoint = SignCheckpoint(key, 42, std::string(32, 'c'), 1000);
  EXPECT_TRUE(VerifyCheckpoint(checkpoint, key.public_key).ok());
  v1::LogCheckpoint moved = checkpoint;
  moved.set_seq(43);
  EXPECT_EQ(VerifyCheckpoint(moved, key.public_key).code(), StatusCode::kPermissionDenied);
  v1::LogCheckpoint rechained = checkpoint;
  rechained.set_chain_hash(std::string(32, 'd'));
  EXPECT_FALSE(VerifyCheckpoint(rechained, key.public_key).ok());
  EXPECT_FALSE(
      VerifyCheckpoint(UnsignedCheckpoint(42, std::string(32, 'c'), 1000), key.public_key).ok());
  EXPECT_EQ(VerifyCheckpoint(UnsignedCheckpoint(42, "short", 1000), key.public_key).code(),
            StatusCode::kDataLoss);
  EXPECT_FALSE(VerifyCheckpoint(checkpoint, GenerateKeyPair("other").public_key).ok());
}

TEST(ChainTest, EncodingsRoundTripAndRefuseMalformedInput) {
  std::string bytes = "\x00\x01\xfe\xff scanfleet";
  EXPECT_EQ(BytesOfHex(HexOf(bytes), bytes.size()), bytes);
  EXPECT_EQ(BytesOfHex("zz", 1), "");
  EXPECT_EQ(BytesOfHex("abc", 2), "");
  EXPECT_EQ(BytesOfBase64(Base64Of(bytes)), bytes);
  EXPECT_FALSE(BytesOfBase64("not base64!").has_value());
  // The chain binds the seq: the same bytes at another seq hash differently.
  EXPECT_NE(NextChainHash(GenesisChainHash(), 1, "x"), NextChainHash(GenesisChainHash(), 2, "x"));
}

}  // namespace
}  // namespace scanfleet
