// Signed messages: a good signature passes once; tampered headers or bodies,
// unknown keys, replays (also of a re-sent copy) and stale or future messages
// are rejected and counted by reason; a signature cannot be moved to another
// message; events are verified the same way by subscribers.
#include <gtest/gtest.h>

#include "common/security/event_verifier.h"
#include "common/security/message_signing.h"
#include "common/wire/envelope.h"

namespace scanfleet {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int64_t kWindow = 60'000;

class SigningTest : public ::testing::Test {
 protected:
  KeyPair worker_ = GenerateKeyPair("worker");
  KeyPair stranger_ = GenerateKeyPair("stranger");
  MessageSigner signer_{worker_};
  MessageVerifier verifier_{{worker_.public_key}, kWindow};
};

TEST_F(SigningTest, ValidSignaturePassesOnceAndReplaysAreRejected) {
  SignedParts parts = signer_.Sign("result", 7, 2, "body", kNow);
  auto header = verifier_.Verify(parts.header, parts.signature, "body", kNow + 5);
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_EQ(header->job_id(), 7u);
  EXPECT_EQ(header->attempt(), 2u);
  EXPECT_EQ(header->key_id(), worker_.public_key.key_id);
  // The same bytes again (another connection makes no difference: the
  // verifier remembers nonces, not connections).
  auto replay = verifier_.Verify(parts.header, parts.signature, "body", kNow + 10);
  EXPECT_EQ(replay.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(verifier_.counters().replayed.load(), 1u);
  // Re-signing the same body gives a fresh nonce: a re-sent result is fine.
  SignedParts again = signer_.Sign("result", 7, 2, "body", kNow + 20);
  EXPECT_TRUE(verifier_.Verify(again.header, again.signature, "body", kNow + 20).ok());
  EXPECT_EQ(verifier_.counters().verified.load(), 2u);
}

TEST_F(SigningTest, TamperedBodyHeaderOrSignatureIsRejected) {
  SignedParts parts = signer_.Sign("result", 1, 1, "findings: 3", kNow);
  EXPECT_FALSE(verifier_.Verify(parts.header, parts.signature, "findings: 0", kNow).ok());
  EXPECT_EQ(verifier_.counters().body_mismatch.load(), 1u);

  v1::SignedHeader header;
  ASSERT_TRUE(header.ParseFromString(parts.header));
  header.set_attempt(9);  // claims another attempt
  std::string forged = header.SerializeAsString();
  EXPECT_FALSE(verifier_.Verify(forged, parts.signature, "findings: 3", kNow).ok());
  std::string flipped = parts.signature;
  flipped[10] ^= 1;
  EXPECT_FALSE(verifier_.Verify(parts.header, flipped, "findings: 3", kNow).ok());
  EXPECT_FALSE(verifier_.Verify(parts.header, parts.signature.substr(1), "findings: 3", kNow).ok());
  EXPECT_EQ(verifier_.counters().bad_signature.load(), 3u);
  EXPECT_EQ(verifier_.counters().verified.load(), 0u);
}

TEST_F(SigningTest, UnknownOrWrongKeyIsRejected) {
  MessageSigner stranger(stranger_);
  SignedParts parts = stranger.Sign("hello", 0, 0, "x", kNow);
  auto result = verifier_.Verify(parts.header, parts.signature, "x", kNow);
  EXPECT_EQ(result.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(verifier_.counters().unknown_key.load(), 1u);
  // A stranger claiming the worker's key id: the signature does not verify.
  v1::SignedHeader header;
  ASSERT_TRUE(header.ParseFromString(parts.header));
  header.set_key_id(worker_.public_key.key_id);
  EXPECT_FALSE(verifier_.Verify(header.SerializeAsString(), parts.signature, "x", kNow).ok());
  EXPECT_EQ(verifier_.counters().bad_signature.load(), 1u);
}

TEST_F(SigningTest, MessagesOutsideTheWindowAreRejected) {
  SignedParts old = signer_.Sign("heartbeat", 0, 0, "x", kNow - kWindow - 1);
  EXPECT_FALSE(verifier_.Verify(old.header, old.signature, "x", kNow).ok());
  SignedParts future = signer_.Sign("heartbeat", 0, 0, "x", kNow + kWindow + 1);
  EXPECT_FALSE(verifier_.Verify(future.header, future.signature, "x", kNow).ok());
  EXPECT_EQ(verifier_.counters().out_of_window.load(), 2u);
}

TEST_F(SigningTest, MalformedHeadersAreCountedNotCrashed) {
  EXPECT_FALSE(verifier_.Verify("", "", "", kNow).ok());
  EXPECT_FALSE(verifier_.Verify(std::string(600, 'x'), std::string(64, 0), "", kNow).ok());
  EXPECT_FALSE(verifier_.Verify("\xff\xff\xff", std::string(64, 0), "", kNow).ok());
  EXPECT_EQ(verifier_.counters().malformed.load(), 3u);
}

TEST_F(SigningTest, RevokedSignerIsRefusedAfterReset) {
  SignedParts before = signer_.Sign("hello", 0, 0, "x", kNow);
  EXPECT_TRUE(verifier_.Verify(before.header, before.signature, "x", kNow).ok());
  verifier_.ResetSigners({});
  SignedParts after = signer_.Sign("hello", 0, 0, "x", kNow);
  EXPECT_FALSE(verifier_.Verify(after.header, after.signature, "x", kNow).ok());
}

TEST_F(SigningTest, OneSignatureCoversAWholeBatch) {
  v1::Envelope batch;
  for (uint32_t attempt = 1; attempt <= 3; ++attempt) {
    v1::JobResult& result = *batch.mutable_worker_batch()->add_results();
    result.mutable_job()->set_job_id(4);
    result.mutable_job()->set_attempt(attempt);
  }
  batch.mutable_worker_batch()->mutable_heartbeat()->set_free_slots(1);
  std::string frame = EncodeEnvelope(batch, 1, "worker", kNow);
  Frames frames = SignEnvelopeFrame(signer_, batch, frame, kNow);
  ASSERT_EQ(frames.size(), 3u);
  auto header = verifier_.Verify(frames[1], frames[2], frames[0], kNow);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->type(), "worker_batch");
  EXPECT_TRUE(CheckHeaderMatches(*header, batch).ok());
  EXPECT_EQ(verifier_.counters().verified, 1u) << "one verification for three results";
  // The body hash binds every message in it: changing one breaks the frame.
  v1::Envelope other = batch;
  other.mutable_worker_batch()->mutable_results(2)->mutable_job()->set_attempt(9);
  std::string tampered = EncodeEnvelope(other, 1, "worker", kNow);
  EXPECT_FALSE(verifier_.Verify(frames[1], frames[2], tampered, kNow).ok());
  // A signature over another kind of body is not taken for a batch.
  v1::Envelope event;
  event.mutable_event()->set_seq(1);
  EXPECT_FALSE(CheckHeaderMatches(*header, event).ok());
  // Nor one that names a job (version 1's per-message signatures).
  SignedParts per_message = signer_.Sign("worker_batch", 4, 1, frame, kNow);
  auto named = verifier_.Verify(per_message.header, per_message.signature, frame, kNow);
  ASSERT_TRUE(named.ok());
  EXPECT_FALSE(CheckHeaderMatches(*named, batch).ok());
}

// A page of events first_seq..first_seq+count-1 as the controller encodes it.
std::string PageBody(uint64_t first_seq, int count, int64_t at = kNow) {
  v1::Envelope envelope;
  v1::EventPage& page = *envelope.mutable_event_page();
  page.set_first_seq(first_seq);
  page.set_prev_chain_hash(std::string(32, '\x01'));
  for (int i = 0; i < count; ++i) {
    v1::Event event;
    event.set_seq(first_seq + static_cast<uint64_t>(i));
    event.set_topic("finding.high.flawfinder");
    page.add_events(event.SerializeAsString());
  }
  page.set_head_seq(first_seq + static_cast<uint64_t>(count) - 1);
  page.set_last_chain_hash(std::string(32, '\x02'));
  return EncodeEnvelope(envelope, first_seq, "controller", at);
}

class EventVerifierTest : public ::testing::Test {
 protected:
  Frames SignedPage(uint64_t first_seq, int count = 3, int64_t at = kNow) {
    std::string body = PageBody(first_seq, count, at);
    SignedParts parts = signer_.Sign("event_page", 0, 0, body, at);
    return {count == 0 ? "heartbeat" : "page", body, parts.header, parts.signature};
  }
  KeyPair controller_ = GenerateKeyPair("controller");
  MessageSigner signer_{controller_};
  EventVerifier verifier_{controller_.public_key, kWindow};
};

TEST_F(EventVerifierTest, OneSignaturePassesAWholePageTamperedOnesDoNot) {
  auto page = verifier_.FromFrames(SignedPage(1), kNow);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->events.size(), 3u);
  EXPECT_EQ(page->events[2].seq(), 3u);
  EXPECT_EQ(page->bytes[2], page->events[2].SerializeAsString());

  Frames tampered = SignedPage(4);
  tampered[1][tampered[1].size() - 1] ^= 1;
  EXPECT_FALSE(verifier_.FromFrames(tampered, kNow).ok());
  Frames retopic = SignedPage(7);
  retopic[0] = "heartbeat";  // the topic frame is outside the signature
  EXPECT_FALSE(verifier_.FromFrames(retopic, kNow).ok());
  Frames replayed = SignedPage(10);
  EXPECT_TRUE(verifier_.FromFrames(replayed, kNow).ok());
  EXPECT_FALSE(verifier_.FromFrames(replayed, kNow).ok());
  Frames unsigned_page = SignedPage(13);
  unsigned_page.resize(2);
  EXPECT_FALSE(verifier_.FromFrames(unsigned_page, kNow).ok());
  EXPECT_FALSE(verifier_.FromFrames(SignedPage(16, 3, kNow - 2 * kWindow), kNow).ok());

  MessageSigner impostor(GenerateKeyPair("controller"));
  Frames forged = SignedPage(19);
  SignedParts parts = impostor.Sign("event_page", 0, 0, forged[1], kNow);
  forged[2] = parts.header;
  forged[3] = parts.signature;
  EXPECT_FALSE(verifier_.FromFrames(forged, kNow).ok());
  // A signature over another kind of body is no page's.
  Frames retyped = SignedPage(22);
  SignedParts event_parts = signer_.Sign("event", 0, 0, retyped[1], kNow);
  retyped[2] = event_parts.header;
  retyped[3] = event_parts.signature;
  EXPECT_FALSE(verifier_.FromFrames(retyped, kNow).ok());
  // Verified: pages 1, 7 (its topic frame failed after), the first copy of 10, 22.
  EXPECT_EQ(verifier_.signature_counters()->verified.load(), 4u);
}

TEST_F(EventVerifierTest, APageWhoseEventsAreOutOfSequenceIsRefused) {
  v1::Envelope envelope;
  v1::EventPage& page = *envelope.mutable_event_page();
  page.set_first_seq(5);
  page.set_prev_chain_hash(std::string(32, '\0'));
  page.set_last_chain_hash(std::string(32, '\0'));
  for (uint64_t seq : {5, 7}) {
    v1::Event event;
    event.set_seq(seq);
    page.add_events(event.SerializeAsString());
  }
  std::string body = EncodeEnvelope(envelope, 1, "controller", kNow);
  SignedParts parts = signer_.Sign("event_page", 0, 0, body, kNow);
  auto refused = verifier_.FromFrames({"page", body, parts.header, parts.signature}, kNow);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("not 6"), std::string::npos);
}

TEST_F(EventVerifierTest, HeartbeatsCarryTheHeadAndNoEvents) {
  auto page = verifier_.FromFrames(SignedPage(1, 0), kNow);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(page->heartbeat);
  EXPECT_EQ(page->head_seq, 0u);
}

TEST_F(EventVerifierTest, ReplayAnswersAreVerifiedToo) {
  v1::ReplayEventsResponse replay;
  Frames one = SignedPage(1);
  v1::SignedBlob* blob = replay.mutable_page();
  blob->set_body(one[1]);
  blob->set_header(one[2]);
  blob->set_signature(one[3]);
  auto page = verifier_.FromReplay(replay, kNow);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 3u);
  v1::ReplayEventsResponse forged;
  forged.mutable_page()->set_body(
      PageBody(4, 1));  // unsigned: refused while signatures are required
  EXPECT_FALSE(verifier_.FromReplay(forged, kNow).ok());
}

TEST(EventVerifierPlaintextTest, WithoutAKeyOnlyUnsignedPagesAreRead) {
  EventVerifier plaintext(std::nullopt, kWindow);
  std::string body = PageBody(1, 2);
  EXPECT_TRUE(plaintext.FromFrames({"page", body}, kNow).ok());
  EXPECT_FALSE(plaintext.FromFrames({"page", body, "h", "s"}, kNow).ok());
  EXPECT_FALSE(plaintext.FromFrames({"page"}, kNow).ok());
}

}  // namespace
}  // namespace scanfleet
