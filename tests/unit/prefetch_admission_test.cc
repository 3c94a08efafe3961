// The worker's local queue (credit "prefetch"): DecideAdmission's run /
// queue / decline choices when slots are busy, duplicates and superseded
// attempts of a waiting job, and PrefetchQueue's order, expiry by
// accept_by_ms and deadline. Time is a parameter; nothing sleeps.
// Thread-safety: single-threaded tests.
#include <gtest/gtest.h>

#include "worker/session/job_admission.h"
#include "worker/session/prefetch_queue.h"

namespace scanfleet {
namespace {

const std::map<std::string, std::string> kQueueScanners = {{"bandit", "1.7.5"}};

v1::JobAssignment QueueJob(uint64_t job_id, uint32_t attempt, int64_t accept_by_ms = 0,
                           const std::string& scanner = "bandit") {
  v1::JobAssignment job;
  job.mutable_job()->set_job_id(job_id);
  job.mutable_job()->set_attempt(attempt);
  job.set_scanner(scanner);
  job.set_accept_by_ms(accept_by_ms);
  return job;
}

// One slot, busy; room for one waiting job.
AdmissionFacts Busy() {
  AdmissionFacts facts;
  facts.free_slots = 0;
  facts.prefetch = 1;
  facts.scanners = &kQueueScanners;
  return facts;
}

TEST(PrefetchAdmissionTest, ABusyWorkerWithRoomQueuesTheJob) {
  EXPECT_EQ(DecideAdmission(QueueJob(1, 1), Busy()).kind, Admission::Kind::kQueue);
}

TEST(PrefetchAdmissionTest, AFullQueueDeclinesWithNoFreeSlot) {
  AdmissionFacts facts = Busy();
  facts.queued = 1;
  Admission admission = DecideAdmission(QueueJob(2, 1), facts);
  EXPECT_EQ(admission.kind, Admission::Kind::kDecline);
  EXPECT_EQ(admission.reason, v1::DECLINE_NO_FREE_SLOT);
  EXPECT_NE(admission.detail.find("1 jobs wait"), std::string::npos) << admission.detail;
}

TEST(PrefetchAdmissionTest, NoPrefetchMeansDeclineWhenBusy) {
  AdmissionFacts facts = Busy();
  facts.prefetch = 0;
  EXPECT_EQ(DecideAdmission(QueueJob(1, 1), facts).reason, v1::DECLINE_NO_FREE_SLOT);
}

TEST(PrefetchAdmissionTest, AFreeSlotGoesToTheJobThatWaitsFirst) {
  AdmissionFacts facts = Busy();
  facts.free_slots = 1;
  facts.queued = 1;
  facts.prefetch = 2;
  EXPECT_EQ(DecideAdmission(QueueJob(5, 1), facts).kind, Admission::Kind::kQueue);
  facts.free_slots = 2;  // one for the waiting job, one for this one
  EXPECT_EQ(DecideAdmission(QueueJob(5, 1), facts).kind, Admission::Kind::kRun);
}

TEST(PrefetchAdmissionTest, TheSameOrAnOlderAttemptOfAWaitingJobIsIgnored) {
  AdmissionFacts facts = Busy();
  facts.queued = 1;
  facts.queued_attempt = 2;
  EXPECT_EQ(DecideAdmission(QueueJob(1, 2), facts).kind, Admission::Kind::kIgnore);
  EXPECT_EQ(DecideAdmission(QueueJob(1, 1), facts).kind, Admission::Kind::kIgnore);
}

TEST(PrefetchAdmissionTest, ANewerAttemptSupersedesTheWaitingOneAndTakesItsPlace) {
  AdmissionFacts facts = Busy();
  facts.queued = 1;  // the queue is full, but with the superseded attempt only
  facts.queued_attempt = 1;
  Admission admission = DecideAdmission(QueueJob(1, 2), facts);
  EXPECT_EQ(admission.kind, Admission::Kind::kQueue);
  EXPECT_TRUE(admission.drop_queued_attempt);
  EXPECT_FALSE(DecideAdmission(QueueJob(2, 1), Busy()).drop_queued_attempt);
}

TEST(PrefetchAdmissionTest, DrainingAndAMissingScannerComeBeforeTheQueue) {
  AdmissionFacts facts = Busy();
  EXPECT_EQ(DecideAdmission(QueueJob(1, 1, 0, "semgrep"), facts).reason,
            v1::DECLINE_SCANNER_MISSING);
  facts.draining = true;
  EXPECT_EQ(DecideAdmission(QueueJob(1, 1), facts).reason, v1::DECLINE_DRAINING);
}

TEST(PrefetchQueueTest, JobsLeaveInArrivalOrder) {
  PrefetchQueue queue;
  EXPECT_TRUE(queue.empty());
  EXPECT_FALSE(queue.PopOldest().has_value());
  queue.Push(QueueJob(7, 1));
  queue.Push(QueueJob(3, 2));
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_EQ(queue.AttemptOf(3), 2u);
  EXPECT_FALSE(queue.AttemptOf(4).has_value());
  EXPECT_EQ(queue.PopOldest()->job().job_id(), 7u);
  EXPECT_EQ(queue.PopOldest()->job().job_id(), 3u);
  EXPECT_TRUE(queue.empty());
}

TEST(PrefetchQueueTest, AJobPastItsAcceptByIsTakenOutAndTheOthersKeepTheirOrder) {
  PrefetchQueue queue;
  queue.Push(QueueJob(1, 1, 5000));
  queue.Push(QueueJob(2, 1, 0));  // no deadline
  queue.Push(QueueJob(3, 1, 3000));
  queue.Push(QueueJob(4, 1, 9000));
  EXPECT_EQ(queue.NextDeadline(), 3000);
  EXPECT_TRUE(queue.TakeExpired(2999).empty());
  std::vector<v1::JobAssignment> expired = queue.TakeExpired(5000);
  ASSERT_EQ(expired.size(), 2u);
  EXPECT_EQ(expired[0].job().job_id(), 1u);
  EXPECT_EQ(expired[1].job().job_id(), 3u);
  EXPECT_EQ(queue.NextDeadline(), 9000);
  EXPECT_EQ(queue.PopOldest()->job().job_id(), 2u);
  EXPECT_EQ(queue.PopOldest()->job().job_id(), 4u);
  EXPECT_EQ(queue.NextDeadline(), PrefetchQueue::kNever);
}

TEST(PrefetchQueueTest, RemoveAndTakeAll) {
  PrefetchQueue queue;
  queue.Push(QueueJob(1, 1));
  queue.Push(QueueJob(2, 1));
  queue.Push(QueueJob(3, 1));
  EXPECT_TRUE(queue.RemoveJob(2));
  EXPECT_FALSE(queue.RemoveJob(2));
  std::vector<v1::JobAssignment> all = queue.TakeAll();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].job().job_id(), 1u);
  EXPECT_EQ(all[1].job().job_id(), 3u);
  EXPECT_TRUE(queue.empty());
}

}  // namespace
}  // namespace scanfleet
