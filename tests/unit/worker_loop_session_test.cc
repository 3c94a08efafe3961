// WorkerLoop against the secured fake controller (worker_loop_fixture.h):
// session MACs. The hello is signed and names a session; frames are MAC'd
// only after a hello ack names that session back (an ack naming none keeps
// them signed); a controller restart (a new incarnation) makes the worker say
// hello again, signed, in a new session.
// Thread-safety: the worker runs on its own thread with its own sockets; the
// fake controller's sockets belong to the test thread.
#include "tests/unit/worker_loop_fixture.h"

namespace scanfleet {
namespace {

using WorkerLoopSessionTest = WorkerLoopFixture;

// Reads the worker's messages until `done` holds or the deadline passes.
bool ReadWhileNot(FakeController& controller, const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWorkerWaitMs);
  while (!done() && std::chrono::steady_clock::now() < deadline) controller.Next(50);
  return done();
}

TEST_F(WorkerLoopSessionTest, FramesAreMacdOnceTheAckNamesTheSessionAndSignedAgainAfterARestart) {
  // Only the batches' hello ack and heartbeats act on the session here.
  config_.session.controller_dead_after_missed = 1000;
  Secure();
  StartWorker();
  ASSERT_TRUE(controller().NextMatching(IsHello));
  std::string first = controller().hello_session();
  ASSERT_EQ(first.size(), kSessionIdBytes);
  EXPECT_EQ(controller().macs_verified(), 0u);

  v1::ControlBatch ack;
  ack.mutable_hello_ack()->set_session_id(first);
  ack.mutable_heartbeat()->set_incarnation(1);
  controller().Send(config_.worker_id, ack);
  // Heartbeats go out every 50 ms: after the ack, under the session's MAC.
  ASSERT_TRUE(ReadWhileNot(controller(), [&] { return controller().macs_verified() >= 3; }));
  uint64_t signed_so_far = controller().signatures_verified();
  uint64_t macs = controller().macs_verified();
  ASSERT_TRUE(ReadWhileNot(controller(), [&] { return controller().macs_verified() >= macs + 3; }));
  EXPECT_EQ(controller().signatures_verified(), signed_so_far) << "a frame was signed in session";

  // The controller restarted: hello again, signed, naming a new session.
  v1::ControlBatch restarted;
  restarted.mutable_heartbeat()->set_incarnation(2);
  controller().Send(config_.worker_id, restarted);
  ASSERT_TRUE(controller().NextMatching(IsHello));
  EXPECT_EQ(controller().hello_session().size(), kSessionIdBytes);
  EXPECT_NE(controller().hello_session(), first);
  EXPECT_GT(controller().signatures_verified(), signed_so_far);
  EXPECT_EQ(controller().bad_frames(), 0u);
  StopAndExpectItLeaves();
  EXPECT_EQ(controller().bad_frames(), 0u);
}

TEST_F(WorkerLoopSessionTest, AnAckNamingNoSessionKeepsEveryFrameSigned) {
  config_.session.controller_dead_after_missed = 1000;
  Secure();
  StartWorker();
  ASSERT_TRUE(controller().NextMatching(IsHello));
  v1::ControlBatch ack;
  ack.mutable_hello_ack();  // a controller whose session table is full names none
  ack.mutable_heartbeat()->set_incarnation(1);
  controller().Send(config_.worker_id, ack);
  uint64_t signed_at_ack = controller().signatures_verified();
  ASSERT_TRUE(ReadWhileNot(
      controller(), [&] { return controller().signatures_verified() >= signed_at_ack + 4; }));
  EXPECT_EQ(controller().macs_verified(), 0u);
  EXPECT_EQ(controller().bad_frames(), 0u);
  StopAndExpectItLeaves();
}

}  // namespace
}  // namespace scanfleet
