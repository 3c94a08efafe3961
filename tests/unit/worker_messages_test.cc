// What the worker puts on the wire: heartbeats carry draining and leaving,
// declines carry the attempt, reason and detail, and both survive the
// envelope codec.
// Thread-safety: single-threaded tests.
#include "worker/loop/worker_messages.h"

#include <gtest/gtest.h>

#include "common/wire/envelope.h"

namespace scanfleet {
namespace {

v1::Envelope RoundTrip(v1::Envelope envelope) {
  WireCounters counters;
  auto decoded =
      DecodeEnvelope(EncodeEnvelope(envelope, 1, "w1", 1), kDefaultMaxFrameBytes, counters);
  EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
  return decoded.ok() ? *decoded : v1::Envelope();
}

TEST(WorkerMessagesTest, HeartbeatReportsRunningJobsAndDrainState) {
  HeartbeatReport report;
  report.running = {{4, 1}, {9, 2}};
  report.free_slots = 0;
  report.draining = true;
  report.leaving = true;
  v1::Envelope envelope = RoundTrip(MakeHeartbeatEnvelope(report));
  ASSERT_TRUE(envelope.has_heartbeat());
  const v1::Heartbeat& heartbeat = envelope.heartbeat();
  ASSERT_EQ(heartbeat.running_size(), 2);
  EXPECT_EQ(heartbeat.running(1).job_id(), 9u);
  EXPECT_EQ(heartbeat.running(1).attempt(), 2u);
  EXPECT_EQ(heartbeat.free_slots(), 0u);
  EXPECT_TRUE(heartbeat.draining());
  EXPECT_TRUE(heartbeat.leaving());
}

TEST(WorkerMessagesTest, AServingHeartbeatIsNotDraining) {
  HeartbeatReport report;
  report.free_slots = 2;
  v1::Envelope envelope = RoundTrip(MakeHeartbeatEnvelope(report));
  EXPECT_EQ(envelope.heartbeat().free_slots(), 2u);
  EXPECT_FALSE(envelope.heartbeat().draining());
  EXPECT_FALSE(envelope.heartbeat().leaving());
}

TEST(WorkerMessagesTest, DeclineNamesTheAttemptAndTheReason) {
  v1::JobRef ref;
  ref.set_job_id(17);
  ref.set_attempt(3);
  v1::Envelope envelope = RoundTrip(
      MakeDeclinedEnvelope(ref, v1::DECLINE_SCANNER_MISSING, "scanner 'semgrep' is missing"));
  ASSERT_TRUE(envelope.has_declined());
  EXPECT_EQ(envelope.declined().job().job_id(), 17u);
  EXPECT_EQ(envelope.declined().job().attempt(), 3u);
  EXPECT_EQ(envelope.declined().reason(), v1::DECLINE_SCANNER_MISSING);
  EXPECT_EQ(envelope.declined().detail(), "scanner 'semgrep' is missing");
}

TEST(WorkerMessagesTest, HelloListsPoolsScannersAndSlots) {
  v1::Envelope envelope =
      RoundTrip(MakeHelloEnvelope({"sast", "dast"}, {{"bandit", "1.7.5"}}, 4, "host-a"));
  ASSERT_TRUE(envelope.has_hello());
  EXPECT_EQ(envelope.hello().pools_size(), 2);
  ASSERT_EQ(envelope.hello().scanners_size(), 1);
  EXPECT_EQ(envelope.hello().scanners(0).name(), "bandit");
  EXPECT_EQ(envelope.hello().slots(), 4u);
  EXPECT_EQ(envelope.hello().hostname(), "host-a");
}

}  // namespace
}  // namespace scanfleet
