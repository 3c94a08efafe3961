// Session MACs (common/security/session_mac.h, session_verifier.h): both ends
// derive the same key and nobody else does; a sealed frame passes once, in
// counter order; tampered bodies, headers and MACs, another key's session,
// unknown sessions, replayed or reordered counters, stale frames and
// malformed headers are rejected and counted by reason; a worker's new hello
// replaces its session; revoked keys and forgotten workers lose theirs; a full
// table opens none.
#include "common/security/session_mac.h"

#include <gtest/gtest.h>

#include "common/security/session_verifier.h"

namespace scanfleet {
namespace {

constexpr int64_t kMacNow = 1'700'000'000'000;
constexpr int64_t kMacWindow = 60'000;

class SessionMacTest : public ::testing::Test {
 protected:
  // A sealer of `worker_`'s whose session the verifier opened for `worker_id`.
  SessionSealer OpenedSession(const std::string& worker_id = "w1") {
    auto sealer = SessionSealer::Open(worker_, controller_.public_key);
    EXPECT_TRUE(sealer.ok()) << sealer.status().ToString();
    EXPECT_TRUE(verifier_.Open(worker_id, worker_.public_key, sealer->session_id()).ok());
    return std::move(sealer).value();
  }
  StatusOr<std::string> Verify(const Frames& frames, int64_t now = kMacNow) {
    return verifier_.Verify(frames[1], frames[2], frames[0], now);
  }

  KeyPair controller_ = GenerateKeyPair("controller");
  KeyPair worker_ = GenerateKeyPair("worker");
  KeyPair stranger_ = GenerateKeyPair("stranger");
  SessionVerifier verifier_{controller_, kMacWindow};
};

TEST_F(SessionMacTest, BothEndsDeriveTheSameKeyAndNoOtherPairDoes) {
  std::string id(kSessionIdBytes, 'i');
  auto at_worker = DeriveWorkerSideSessionKey(worker_, controller_.public_key, id);
  auto at_controller = DeriveControllerSideSessionKey(controller_, worker_.public_key, id);
  ASSERT_TRUE(at_worker.ok() && at_controller.ok());
  EXPECT_EQ(*at_worker, *at_controller);
  EXPECT_EQ(at_worker->size(), kSessionKeyBytes);
  // Another session id, another worker, or the controller's other direction: other keys.
  EXPECT_NE(*DeriveWorkerSideSessionKey(worker_, controller_.public_key,
                                        std::string(kSessionIdBytes, 'j')),
            *at_worker);
  EXPECT_NE(*DeriveControllerSideSessionKey(controller_, stranger_.public_key, id), *at_worker);
  EXPECT_NE(*DeriveWorkerSideSessionKey(controller_, worker_.public_key, id), *at_worker);
  // A session id of the wrong size, and a degenerate (all-zero) Curve key.
  EXPECT_FALSE(DeriveWorkerSideSessionKey(worker_, controller_.public_key, "short").ok());
  PublicKey zero = controller_.public_key;
  zero.curve_public.assign(32, '\0');
  EXPECT_FALSE(DeriveWorkerSideSessionKey(worker_, zero, id).ok());
}

TEST_F(SessionMacTest, SealedFramesPassOnceInCounterOrder) {
  SessionSealer sealer = OpenedSession();
  Frames first = sealer.Seal("batch 1", kMacNow);
  Frames second = sealer.Seal("batch 2", kMacNow);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[1].size(), kSessionHeaderBytes);
  EXPECT_EQ(first[2].size(), kSessionMacBytes);
  EXPECT_TRUE(LooksLikeSessionHeader(first[1]));
  auto worker = Verify(first);
  ASSERT_TRUE(worker.ok()) << worker.status().ToString();
  EXPECT_EQ(*worker, "w1");
  EXPECT_TRUE(Verify(second).ok());
  // The same frame again, and an older one after a newer: replays.
  EXPECT_EQ(Verify(second).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Verify(first).status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(verifier_.counters().replayed.load(), 2u);
  EXPECT_EQ(verifier_.counters().verified.load(), 2u);
  // A lost frame leaves a gap, which is fine: the counter only has to grow.
  (void)sealer.Seal("lost", kMacNow);
  EXPECT_TRUE(Verify(sealer.Seal("batch 4", kMacNow)).ok());
}

TEST_F(SessionMacTest, TamperedBodyHeaderOrMacIsRejected) {
  SessionSealer sealer = OpenedSession();
  ASSERT_TRUE(Verify(sealer.Seal("first", kMacNow)).ok());
  Frames frames = sealer.Seal("findings: 3", kMacNow);  // counter 2
  Frames body = frames;
  body[0] = "findings: 0";
  EXPECT_FALSE(Verify(body).ok());
  Frames counter = frames;
  counter[1][kSessionHeaderBytes - 9] ^= 1;  // the counter's last byte: 2 -> 3
  EXPECT_FALSE(Verify(counter).ok());
  Frames time = frames;
  time[1][kSessionHeaderBytes - 1] ^= 1;  // issued-at
  EXPECT_FALSE(Verify(time).ok());
  Frames mac = frames;
  mac[2][0] ^= 1;
  EXPECT_FALSE(Verify(mac).ok());
  EXPECT_EQ(verifier_.counters().bad_mac.load(), 4u);
  // The untouched frame still passes: a rejected copy takes no counter.
  EXPECT_TRUE(Verify(frames).ok());
}

TEST_F(SessionMacTest, AnotherKeysSessionAndUnknownSessionsAreRejected) {
  // The stranger MACs under the worker's session id with its own derived key.
  SessionSealer sealer = OpenedSession();
  auto forged_key =
      DeriveWorkerSideSessionKey(stranger_, controller_.public_key, sealer.session_id());
  ASSERT_TRUE(forged_key.ok());
  std::string header = EncodeSessionHeader({sealer.session_id(), 1, kMacNow});
  EXPECT_EQ(
      verifier_.Verify(header, SessionMac(*forged_key, header, "x"), "x", kMacNow).status().code(),
      StatusCode::kPermissionDenied);
  EXPECT_EQ(verifier_.counters().bad_mac.load(), 1u);
  // A session the verifier never opened (e.g. one from before a restart).
  auto unopened = SessionSealer::Open(worker_, controller_.public_key);
  ASSERT_TRUE(unopened.ok());
  EXPECT_FALSE(Verify(unopened->Seal("x", kMacNow)).ok());
  EXPECT_EQ(verifier_.counters().unknown_session.load(), 1u);
}

TEST_F(SessionMacTest, FramesOutsideTheWindowAreRejected) {
  SessionSealer sealer = OpenedSession();
  EXPECT_FALSE(Verify(sealer.Seal("old", kMacNow - kMacWindow - 1)).ok());
  EXPECT_FALSE(Verify(sealer.Seal("future", kMacNow + kMacWindow + 1)).ok());
  EXPECT_EQ(verifier_.counters().out_of_window.load(), 2u);
  EXPECT_TRUE(Verify(sealer.Seal("now", kMacNow + kMacWindow)).ok());
}

TEST_F(SessionMacTest, MalformedHeadersAreCountedNotCrashed) {
  SessionSealer sealer = OpenedSession();
  Frames frames = sealer.Seal("x", kMacNow);
  EXPECT_FALSE(verifier_.Verify("", frames[2], "x", kMacNow).ok());
  EXPECT_FALSE(verifier_.Verify(frames[1].substr(0, 20), frames[2], "x", kMacNow).ok());
  EXPECT_FALSE(verifier_.Verify(frames[1] + "!", frames[2], "x", kMacNow).ok());
  EXPECT_FALSE(verifier_.Verify(frames[1], frames[2].substr(1), "x", kMacNow).ok());
  std::string zero_counter = EncodeSessionHeader({sealer.session_id(), 0, kMacNow});
  EXPECT_FALSE(verifier_.Verify(zero_counter, frames[2], "x", kMacNow).ok());
  std::string no_magic = frames[1];
  no_magic[0] = 'x';
  EXPECT_FALSE(DecodeSessionHeader(no_magic).ok());
  EXPECT_EQ(verifier_.counters().malformed.load(), 5u);
  EXPECT_EQ(verifier_.counters().rejected(), 5u);

  auto decoded = DecodeSessionHeader(EncodeSessionHeader({sealer.session_id(), 258, -5}));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->session_id, sealer.session_id());
  EXPECT_EQ(decoded->counter, 258u);
  EXPECT_EQ(decoded->issued_at_ms, -5);
}

TEST_F(SessionMacTest, ANewHelloReplacesTheSessionAResentOneKeepsItsCounter) {
  SessionSealer first = OpenedSession();
  ASSERT_TRUE(Verify(first.Seal("a", kMacNow)).ok());
  // The same hello again: same session, the counter goes on.
  ASSERT_TRUE(verifier_.Open("w1", worker_.public_key, first.session_id()).ok());
  Frames replay_after_rehello = first.Seal("b", kMacNow);
  ASSERT_TRUE(Verify(replay_after_rehello).ok());
  EXPECT_FALSE(Verify(replay_after_rehello).ok());
  // Another worker or key may not take this session id over.
  EXPECT_FALSE(verifier_.Open("w2", worker_.public_key, first.session_id()).ok());
  EXPECT_FALSE(verifier_.Open("w1", stranger_.public_key, first.session_id()).ok());
  // A new session for w1 ends the first.
  SessionSealer second = OpenedSession();
  EXPECT_EQ(verifier_.SessionOf("w1"), second.session_id());
  EXPECT_FALSE(Verify(first.Seal("c", kMacNow)).ok());
  EXPECT_TRUE(Verify(second.Seal("d", kMacNow)).ok());
  EXPECT_EQ(verifier_.size(), 1u);
}

TEST_F(SessionMacTest, RevokedKeysAndForgottenWorkersLoseTheirSessions) {
  SessionSealer kept = OpenedSession("w1");
  SessionSealer forgotten = OpenedSession("w2");
  auto strangers = SessionSealer::Open(stranger_, controller_.public_key);
  ASSERT_TRUE(strangers.ok());
  ASSERT_TRUE(verifier_.Open("w3", stranger_.public_key, strangers->session_id()).ok());
  EXPECT_EQ(verifier_.DropSessionsNotOf({worker_.public_key.key_id}), 1u);
  EXPECT_FALSE(Verify(strangers->Seal("x", kMacNow)).ok());
  verifier_.ForgetWorker("w2");
  EXPECT_EQ(verifier_.SessionOf("w2"), "");
  EXPECT_FALSE(Verify(forgotten.Seal("x", kMacNow)).ok());
  EXPECT_TRUE(Verify(kept.Seal("x", kMacNow)).ok());
  EXPECT_EQ(verifier_.counters().unknown_session.load(), 2u);
  EXPECT_EQ(verifier_.counters().dropped.load(), 2u);
}

TEST_F(SessionMacTest, AFullTableOpensNoNewWorkersSession) {
  SessionVerifier small(controller_, kMacWindow, /*max_sessions=*/1);
  std::string a(kSessionIdBytes, 'a'), b(kSessionIdBytes, 'b'), c(kSessionIdBytes, 'c');
  ASSERT_TRUE(small.Open("w1", worker_.public_key, a).ok());
  EXPECT_EQ(small.Open("w2", worker_.public_key, b).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(small.SessionOf("w2"), "");
  // A worker that holds a session may replace it.
  EXPECT_TRUE(small.Open("w1", worker_.public_key, c).ok());
  EXPECT_EQ(small.SessionOf("w1"), c);
}

}  // namespace
}  // namespace scanfleet
