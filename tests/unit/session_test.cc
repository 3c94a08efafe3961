// WorkerSession with a fake clock: hello backoff, heartbeats, controller
// restarts, silence and result re-sends.
#include "worker/session/worker_session.h"

#include <gtest/gtest.h>

namespace scanfleet {
namespace {

constexpr TimeMs kStart = 5'000;

TEST(WorkerSessionTest, HelloBacksOffFromOneToThirtyTwoSeconds) {
  WorkerSession session(SessionConfig{}, kStart);
  std::vector<TimeMs> hellos;
  for (TimeMs now = kStart; now <= kStart + 200'000; now += 100) {
    if (session.Tick(now).send_hello) hellos.push_back(now - kStart);
  }
  ASSERT_GE(hellos.size(), 8u);
  std::vector<TimeMs> gaps;
  for (size_t i = 1; i < 8; ++i) gaps.push_back(hellos[i] - hellos[i - 1]);
  EXPECT_EQ(gaps, (std::vector<TimeMs>{1000, 2000, 4000, 8000, 16000, 32000, 32000}));
}

TEST(WorkerSessionTest, AckStopsHellosAndHeartbeatsKeepTheirInterval) {
  WorkerSession session(SessionConfig{}, kStart);
  auto first = session.Tick(kStart);
  EXPECT_TRUE(first.send_hello);
  EXPECT_TRUE(first.send_heartbeat);
  session.OnHelloAck(kStart + 10);
  int heartbeats = 0;
  for (TimeMs now = kStart + 100; now < kStart + 10'000; now += 100) {
    session.OnControllerHeartbeat(1, now);
    auto actions = session.Tick(now);
    EXPECT_FALSE(actions.send_hello);
    heartbeats += actions.send_heartbeat;
  }
  EXPECT_EQ(heartbeats, 9);
}

TEST(WorkerSessionTest, ControllerRestartMeansHelloAgainAndResendResults) {
  WorkerSession session(SessionConfig{}, kStart);
  session.Tick(kStart);
  session.OnHelloAck(kStart);
  session.OnControllerHeartbeat(111, kStart);
  session.OnResultSent({9, 1}, kStart);
  EXPECT_TRUE(session.Tick(kStart + 500).resend_results.empty());
  session.OnControllerHeartbeat(222, kStart + 600);  // new incarnation
  auto actions = session.Tick(kStart + 600);
  EXPECT_TRUE(actions.send_hello);
  ASSERT_EQ(actions.resend_results.size(), 1u);
  EXPECT_EQ(actions.resend_results[0], (WorkerSession::AttemptKey{9, 1}));
}

TEST(WorkerSessionTest, SilentControllerIsNoticedAfterMissedHeartbeats) {
  WorkerSession session(SessionConfig{}, kStart);
  session.Tick(kStart);
  session.OnHelloAck(kStart);
  EXPECT_FALSE(session.Tick(kStart + 3000).send_hello);
  EXPECT_TRUE(session.Tick(kStart + 3001).send_hello);
  EXPECT_FALSE(session.registered());
}

TEST(WorkerSessionTest, HeartbeatsFallOnTheClocksMultiplesOfTheInterval) {
  SessionConfig config;
  config.heartbeat_interval_ms = 200;
  // Two workers started at different moments heartbeat at the same instants.
  for (TimeMs start : {kStart + 37, kStart + 151}) {
    WorkerSession session(config, start);
    std::vector<TimeMs> beats;
    for (TimeMs now = start; now < kStart + 1000; ++now) {
      if (session.Tick(now).send_heartbeat) beats.push_back(now);
    }
    EXPECT_EQ(beats, (std::vector<TimeMs>{start, kStart + 200, kStart + 400, kStart + 600,
                                          kStart + 800}));
  }
}

TEST(WorkerSessionTest, SilenceIsMeasuredInTheControllersHeartbeatPeriod) {
  SessionConfig config;
  config.heartbeat_interval_ms = 200;  // the worker heartbeats 5x a second
  WorkerSession session(config, kStart);
  session.Tick(kStart);
  session.OnHelloAck(kStart, /*controller_interval_ms=*/1000);
  EXPECT_FALSE(session.Tick(kStart + 3000).send_hello);  // not 3 x 200 ms
  EXPECT_TRUE(session.registered());
  EXPECT_TRUE(session.Tick(kStart + 3001).send_hello);
  // A hello ack naming no period: the worker's own interval.
  session.OnHelloAck(kStart + 4000);
  EXPECT_FALSE(session.Tick(kStart + 4600).send_hello);
  EXPECT_TRUE(session.Tick(kStart + 4601).send_hello);
}

TEST(WorkerSessionTest, AfterSilenceTheHelloCarriesEveryUnackedResult) {
  // A worker stopped (or partitioned) for longer than the controller's
  // heartbeats: its result must reach the controller with the hello, before
  // the controller gives it credit for a job it already finished.
  WorkerSession session(SessionConfig{}, kStart);
  session.Tick(kStart);
  session.OnHelloAck(kStart);
  session.OnResultSent({9, 1}, kStart + 2500);  // next re-send at kStart + 4500
  auto actions = session.Tick(kStart + 3001);
  EXPECT_TRUE(actions.send_hello);
  ASSERT_EQ(actions.resend_results.size(), 1u);
  EXPECT_EQ(actions.resend_results[0], (WorkerSession::AttemptKey{9, 1}));
}

TEST(WorkerSessionTest, ResultsAreResentUntilAcknowledged) {
  SessionConfig config;
  config.result_resend_ms = 2000;
  WorkerSession session(config, kStart);
  session.OnResultSent({1, 1}, kStart);
  EXPECT_TRUE(session.Tick(kStart + 1999).resend_results.empty());
  EXPECT_EQ(session.Tick(kStart + 2000).resend_results.size(), 1u);
  EXPECT_TRUE(session.Tick(kStart + 3999).resend_results.empty());
  session.OnResultAcked({1, 1});
  EXPECT_TRUE(session.Tick(kStart + 10000).resend_results.empty());
  EXPECT_EQ(session.unacked_results(), 0u);
}

}  // namespace
}  // namespace scanfleet
