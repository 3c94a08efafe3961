// What the worker puts on the wire (protocol v2): the hello, heartbeat and
// decline builders, and OutgoingBatch: messages gathered in order, a result
// replacing its pending acceptance, the split at split_bytes, a large result
// alone, the latest hello and heartbeat winning, and every batch surviving
// the envelope codec.
// Thread-safety: single-threaded tests.
#include "worker/loop/outgoing_batch.h"

#include <gtest/gtest.h>

#include "common/wire/envelope.h"
#include "worker/loop/worker_messages.h"

namespace scanfleet {
namespace {

v1::JobRef Ref(uint64_t job_id, uint32_t attempt) {
  v1::JobRef ref;
  ref.set_job_id(job_id);
  ref.set_attempt(attempt);
  return ref;
}

v1::JobResult ResultOf(uint64_t job_id, uint32_t attempt, size_t error_bytes = 0) {
  v1::JobResult result;
  *result.mutable_job() = Ref(job_id, attempt);
  result.set_error(std::string(error_bytes, 'e'));
  return result;
}

v1::WorkerBatch RoundTrip(const v1::WorkerBatch& batch) {
  v1::Envelope envelope;
  *envelope.mutable_worker_batch() = batch;
  WireCounters counters;
  auto decoded =
      DecodeEnvelope(EncodeEnvelope(envelope, 1, "w1", 1), kDefaultMaxFrameBytes, counters);
  EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
  return decoded.ok() ? decoded->worker_batch() : v1::WorkerBatch();
}

TEST(WorkerBatchPartsTest, HeartbeatReportsRunningJobsAndDrainState) {
  HeartbeatReport report;
  report.running = {{4, 1}, {9, 2}};
  report.free_slots = 0;
  report.draining = true;
  report.leaving = true;
  v1::Heartbeat heartbeat = MakeWorkerHeartbeat(report);
  ASSERT_EQ(heartbeat.running_size(), 2);
  EXPECT_EQ(heartbeat.running(1).job_id(), 9u);
  EXPECT_EQ(heartbeat.running(1).attempt(), 2u);
  EXPECT_EQ(heartbeat.free_slots(), 0u);
  EXPECT_TRUE(heartbeat.draining());
  EXPECT_TRUE(heartbeat.leaving());
  report = HeartbeatReport();
  report.free_slots = 2;
  EXPECT_EQ(MakeWorkerHeartbeat(report).free_slots(), 2u);
  EXPECT_FALSE(MakeWorkerHeartbeat(report).draining());
}

TEST(WorkerBatchPartsTest, DeclineNamesTheAttemptAndTheReason) {
  v1::JobDeclined declined =
      MakeJobDeclined(Ref(17, 3), v1::DECLINE_SCANNER_MISSING, "scanner 'semgrep' is missing");
  EXPECT_EQ(declined.job().job_id(), 17u);
  EXPECT_EQ(declined.job().attempt(), 3u);
  EXPECT_EQ(declined.reason(), v1::DECLINE_SCANNER_MISSING);
  EXPECT_EQ(declined.detail(), "scanner 'semgrep' is missing");
}

TEST(WorkerBatchPartsTest, HelloListsPoolsScannersSlotsAndPrefetch) {
  HelloFacts facts;
  facts.pools = {"sast", "dast"};
  facts.scanners = {{"bandit", "1.7.5"}};
  facts.slots = 4;
  facts.prefetch = 3;
  facts.hostname = "host-a";
  v1::WorkerHello hello = MakeWorkerHello(facts);
  EXPECT_EQ(hello.pools_size(), 2);
  ASSERT_EQ(hello.scanners_size(), 1);
  EXPECT_EQ(hello.scanners(0).name(), "bandit");
  EXPECT_EQ(hello.scanners(0).version(), "1.7.5");
  EXPECT_EQ(hello.slots(), 4u);
  EXPECT_EQ(hello.prefetch(), 3u);
  EXPECT_EQ(hello.hostname(), "host-a");
  EXPECT_FALSE(hello.software_version().empty());
}

TEST(OutgoingBatchTest, AnEmptyBatchSendsNothing) {
  OutgoingBatch batch(1 << 20);
  EXPECT_TRUE(batch.empty());
  EXPECT_TRUE(batch.Take().empty());
}

TEST(OutgoingBatchTest, MessagesOfOneTurnShareOneBatch) {
  OutgoingBatch batch(1 << 20);
  v1::WorkerHello hello;
  hello.set_slots(2);
  batch.SetHello(hello);
  batch.AddAccepted(Ref(1, 1));
  batch.AddDeclined(MakeJobDeclined(Ref(2, 1), v1::DECLINE_NO_FREE_SLOT, "busy"));
  batch.AddResult(ResultOf(3, 1));
  v1::Heartbeat heartbeat;
  heartbeat.set_free_slots(1);
  batch.SetHeartbeat(heartbeat);
  EXPECT_FALSE(batch.empty());
  std::vector<v1::WorkerBatch> taken = batch.Take();
  ASSERT_EQ(taken.size(), 1u);
  v1::WorkerBatch sent = RoundTrip(taken[0]);
  EXPECT_EQ(sent.hello().slots(), 2u);
  ASSERT_EQ(sent.accepted_size(), 1);
  EXPECT_EQ(sent.accepted(0).job().job_id(), 1u);
  ASSERT_EQ(sent.declined_size(), 1);
  EXPECT_EQ(sent.declined(0).detail(), "busy");
  ASSERT_EQ(sent.results_size(), 1);
  EXPECT_EQ(sent.results(0).job().job_id(), 3u);
  EXPECT_EQ(sent.heartbeat().free_slots(), 1u);
  EXPECT_TRUE(batch.empty());
  EXPECT_TRUE(batch.Take().empty());
}

TEST(OutgoingBatchTest, OpenBytesIsTheEncodedSize) {
  OutgoingBatch batch(1 << 20);
  batch.AddAccepted(Ref(1, 1));
  batch.AddResult(ResultOf(2, 1, 300));
  batch.AddDeclined(MakeJobDeclined(Ref(3, 1), v1::DECLINE_DRAINING, "stopping"));
  size_t open = batch.open_bytes();
  std::vector<v1::WorkerBatch> taken = batch.Take();
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(open, taken[0].ByteSizeLong());
}

TEST(OutgoingBatchTest, AResultReplacesItsPendingAcceptance) {
  OutgoingBatch batch(1 << 20);
  batch.AddAccepted(Ref(1, 1));
  batch.AddAccepted(Ref(2, 1));
  batch.AddResult(ResultOf(1, 1));
  batch.AddResult(ResultOf(2, 7));  // another attempt: its acceptance stays
  std::vector<v1::WorkerBatch> taken = batch.Take();
  ASSERT_EQ(taken.size(), 1u);
  ASSERT_EQ(taken[0].accepted_size(), 1);
  EXPECT_EQ(taken[0].accepted(0).job().job_id(), 2u);
  EXPECT_EQ(taken[0].results_size(), 2);
}

TEST(OutgoingBatchTest, AResultReplacesAnAcceptanceInAnEarlierUnsentBatch) {
  OutgoingBatch batch(200);
  batch.AddAccepted(Ref(1, 1));
  batch.AddResult(ResultOf(9, 1, 250));  // alone: closes the batch of the acceptance
  batch.AddResult(ResultOf(1, 1));
  std::vector<v1::WorkerBatch> taken = batch.Take();
  // The acceptance's batch became empty and is not sent.
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].results(0).job().job_id(), 9u);
  EXPECT_EQ(taken[1].results(0).job().job_id(), 1u);
  for (const v1::WorkerBatch& sent : taken) EXPECT_EQ(sent.accepted_size(), 0);
}

TEST(OutgoingBatchTest, ABatchIsSplitBeforeItPassesTheLimitAndKeepsTheOrder) {
  constexpr size_t kSplit = 1000;
  OutgoingBatch batch(kSplit);
  for (uint64_t job = 1; job <= 10; ++job) batch.AddResult(ResultOf(job, 1, 290));
  std::vector<v1::WorkerBatch> taken = batch.Take();
  ASSERT_EQ(taken.size(), 4u);  // three results of ~300 bytes fit in 1000
  uint64_t next = 1;
  for (const v1::WorkerBatch& sent : taken) {
    EXPECT_LE(sent.ByteSizeLong(), kSplit);
    for (const v1::JobResult& result : sent.results()) EXPECT_EQ(result.job().job_id(), next++);
  }
  EXPECT_EQ(next, 11u);
}

TEST(OutgoingBatchTest, AResultLargerThanASplitTravelsAlone) {
  OutgoingBatch batch(500);
  batch.AddAccepted(Ref(1, 1));
  batch.AddResult(ResultOf(2, 1, 2000));
  batch.AddAccepted(Ref(3, 1));
  std::vector<v1::WorkerBatch> taken = batch.Take();
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken[0].accepted(0).job().job_id(), 1u);
  EXPECT_EQ(taken[0].results_size(), 0);
  ASSERT_EQ(taken[1].results_size(), 1);
  EXPECT_EQ(taken[1].accepted_size(), 0);
  EXPECT_EQ(taken[1].results(0).job().job_id(), 2u);
  EXPECT_EQ(taken[2].accepted(0).job().job_id(), 3u);
}

TEST(OutgoingBatchTest, TheLatestHelloAndHeartbeatOfABatchWin) {
  OutgoingBatch batch(1 << 20);
  v1::Heartbeat serving;
  serving.set_free_slots(2);
  batch.SetHeartbeat(serving);
  v1::Heartbeat draining;
  draining.set_draining(true);
  batch.SetHeartbeat(draining);
  v1::WorkerHello first;
  first.set_slots(1);
  batch.SetHello(first);
  v1::WorkerHello second;
  second.set_slots(5);
  batch.SetHello(second);
  size_t open = batch.open_bytes();
  std::vector<v1::WorkerBatch> taken = batch.Take();
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_TRUE(taken[0].heartbeat().draining());
  EXPECT_EQ(taken[0].heartbeat().free_slots(), 0u);
  EXPECT_EQ(taken[0].hello().slots(), 5u);
  EXPECT_EQ(open, taken[0].ByteSizeLong());
}

TEST(OutgoingBatchTest, AHelloAddedBeforeResultsIsNeverInALaterBatch) {
  OutgoingBatch batch(400);
  v1::WorkerHello hello;
  hello.set_hostname(std::string(100, 'h'));
  batch.SetHello(hello);
  for (uint64_t job = 1; job <= 4; ++job) batch.AddResult(ResultOf(job, 1, 150));
  std::vector<v1::WorkerBatch> taken = batch.Take();
  ASSERT_GE(taken.size(), 2u);
  EXPECT_TRUE(taken[0].has_hello());
  for (size_t i = 1; i < taken.size(); ++i) EXPECT_FALSE(taken[i].has_hello());
}

}  // namespace
}  // namespace scanfleet
