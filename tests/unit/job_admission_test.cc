// DecideAdmission: each reason a job is declined, their order, and the
// duplicate of a running attempt that is ignored.
// Thread-safety: single-threaded tests.
#include "worker/session/job_admission.h"

#include <gtest/gtest.h>

namespace scanfleet {
namespace {

const std::map<std::string, std::string> kScanners = {{"bandit", "1.7.5"},
                                                      {"flawfinder", "2.0.19"}};

v1::JobAssignment Job(uint64_t job_id, uint32_t attempt, const std::string& scanner) {
  v1::JobAssignment job;
  job.mutable_job()->set_job_id(job_id);
  job.mutable_job()->set_attempt(attempt);
  job.set_scanner(scanner);
  return job;
}

AdmissionFacts Idle() {
  AdmissionFacts facts;
  facts.free_slots = 2;
  facts.scanners = &kScanners;
  return facts;
}

TEST(JobAdmissionTest, AFreeSlotAndTheScannerRunTheJob) {
  EXPECT_EQ(DecideAdmission(Job(1, 1, "bandit"), Idle()).kind, Admission::Kind::kRun);
}

TEST(JobAdmissionTest, NoFreeSlotDeclines) {
  AdmissionFacts facts = Idle();
  facts.free_slots = 0;
  Admission admission = DecideAdmission(Job(1, 1, "bandit"), facts);
  EXPECT_EQ(admission.kind, Admission::Kind::kDecline);
  EXPECT_EQ(admission.reason, v1::DECLINE_NO_FREE_SLOT);
}

TEST(JobAdmissionTest, AMissingScannerDeclinesAndNamesIt) {
  Admission admission = DecideAdmission(Job(1, 1, "semgrep"), Idle());
  EXPECT_EQ(admission.kind, Admission::Kind::kDecline);
  EXPECT_EQ(admission.reason, v1::DECLINE_SCANNER_MISSING);
  EXPECT_NE(admission.detail.find("semgrep"), std::string::npos);
}

TEST(JobAdmissionTest, AMissingScannerIsReportedBeforeABusyWorker) {
  AdmissionFacts facts = Idle();
  facts.free_slots = 0;
  EXPECT_EQ(DecideAdmission(Job(1, 1, "semgrep"), facts).reason, v1::DECLINE_SCANNER_MISSING);
}

TEST(JobAdmissionTest, DrainingDeclinesEverything) {
  AdmissionFacts facts = Idle();
  facts.draining = true;
  facts.running_attempt = 1;
  Admission admission = DecideAdmission(Job(1, 2, "semgrep"), facts);
  EXPECT_EQ(admission.kind, Admission::Kind::kDecline);
  EXPECT_EQ(admission.reason, v1::DECLINE_DRAINING);
}

TEST(JobAdmissionTest, ANewAttemptWhileTheOldOneStopsIsDeclined) {
  AdmissionFacts facts = Idle();
  facts.running_attempt = 1;
  Admission admission = DecideAdmission(Job(1, 2, "bandit"), facts);
  EXPECT_EQ(admission.kind, Admission::Kind::kDecline);
  EXPECT_EQ(admission.reason, v1::DECLINE_NO_FREE_SLOT);
  EXPECT_EQ(admission.detail, "an earlier attempt of this job is still stopping");
}

TEST(JobAdmissionTest, TheAttemptAlreadyRunningHereIsIgnored) {
  AdmissionFacts facts = Idle();
  facts.running_attempt = 3;
  EXPECT_EQ(DecideAdmission(Job(1, 3, "bandit"), facts).kind, Admission::Kind::kIgnore);
}

TEST(JobAdmissionTest, NoScannerListMeansNoScanner) {
  AdmissionFacts facts = Idle();
  facts.scanners = nullptr;
  EXPECT_EQ(DecideAdmission(Job(1, 1, "bandit"), facts).reason, v1::DECLINE_SCANNER_MISSING);
}

}  // namespace
}  // namespace scanfleet
