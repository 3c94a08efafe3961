// Envelope decoding of untrusted frames, and the API's submission checks.
#include "common/wire/envelope.h"

#include <gtest/gtest.h>

#include <random>

#include "common/wire/convert.h"
#include "controller/api/api_handler.h"

namespace scanfleet {
namespace {

std::string HeartbeatFrame(uint32_t version = kProtocolVersion) {
  v1::Envelope envelope;
  envelope.mutable_worker_batch()->mutable_heartbeat()->set_free_slots(2);
  std::string frame = EncodeEnvelope(envelope, 7, "w1", 1234);
  if (version != kProtocolVersion) {
    v1::Envelope other;
    other.ParseFromString(frame);
    other.set_protocol_version(version);
    frame = other.SerializeAsString();
  }
  return frame;
}

TEST(EnvelopeTest, RoundTripsHeaderAndBody) {
  WireCounters counters;
  auto decoded = DecodeEnvelope(HeartbeatFrame(), kDefaultMaxFrameBytes, counters);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->protocol_version(), kProtocolVersion);
  EXPECT_EQ(decoded->message_id(), 7u);
  EXPECT_EQ(decoded->sender(), "w1");
  EXPECT_EQ(decoded->sent_ms(), 1234);
  EXPECT_EQ(decoded->worker_batch().heartbeat().free_slots(), 2u);
  EXPECT_EQ(counters.decoded, 1u);
  EXPECT_EQ(counters.rejected(), 0u);
}

TEST(EnvelopeTest, OtherProtocolVersionIsRefusedClearly) {
  WireCounters counters;
  auto decoded = DecodeEnvelope(HeartbeatFrame(1), kDefaultMaxFrameBytes, counters);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(decoded.status().message(),
            "peer speaks protocol version 1, this side speaks version 2");
  EXPECT_EQ(counters.wrong_version, 1u);
  auto newer = DecodeEnvelope(HeartbeatFrame(3), kDefaultMaxFrameBytes, counters);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(counters.wrong_version, 2u);
}

TEST(EnvelopeTest, OversizedFrameIsRejectedBeforeParsing) {
  WireCounters counters;
  std::string frame = HeartbeatFrame();
  auto decoded = DecodeEnvelope(frame, static_cast<int64_t>(frame.size()) - 1, counters);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(counters.oversized, 1u);
}

TEST(EnvelopeTest, EmptyBodyIsRejected) {
  WireCounters counters;
  v1::Envelope envelope;
  auto decoded = DecodeEnvelope(EncodeEnvelope(envelope, 1, "x", 0), 1024, counters);
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(counters.empty_body, 1u);
}

TEST(EnvelopeTest, GarbageAndTruncatedFramesAreCountedNeverFatal) {
  WireCounters counters;
  std::string good = HeartbeatFrame();
  std::mt19937 random(42);
  int rejected = 0;
  for (size_t cut = 0; cut < good.size(); ++cut) {
    if (!DecodeEnvelope(good.substr(0, cut), 1024, counters).ok()) ++rejected;
  }
  for (int i = 0; i < 2000; ++i) {
    std::string noise(random() % 64, '\0');
    for (char& c : noise) c = static_cast<char>(random());
    if (!DecodeEnvelope(noise, 1024, counters).ok()) ++rejected;
  }
  EXPECT_GT(rejected, 0);
  EXPECT_EQ(counters.rejected(), static_cast<uint64_t>(rejected));
  EXPECT_EQ(counters.decoded + counters.rejected(), good.size() + 2000);
}

v1::SubmitScanRequest Sast(const std::string& repo, const std::string& ref) {
  v1::SubmitScanRequest request;
  request.mutable_target()->set_repo(repo);
  request.mutable_target()->set_ref(ref);
  return request;
}

TEST(SubmissionTest, AcceptsAPlainRepoAndRef) {
  EXPECT_TRUE(ValidateSubmission(Sast("/srv/repo", "main")).ok());
  EXPECT_TRUE(ValidateSubmission(Sast("https://example.invalid/r.git", "0123abcd")).ok());
}

TEST(SubmissionTest, RejectsOptionLikeOrControlCharacterInput) {
  EXPECT_FALSE(ValidateSubmission(Sast("--upload-pack=touch /tmp/pwned", "main")).ok());
  EXPECT_FALSE(ValidateSubmission(Sast("/srv/repo", "-oN/etc/x")).ok());
  EXPECT_FALSE(ValidateSubmission(Sast("/srv/repo", "main\nid")).ok());
  EXPECT_FALSE(ValidateSubmission(Sast("/srv/repo", std::string(10 << 20, 'a'))).ok());
  EXPECT_FALSE(ValidateSubmission(Sast("/srv/repo", "")).ok());
  v1::SubmitScanRequest both = Sast("/srv/repo", "main");
  both.mutable_target()->set_url("http://127.0.0.1/");
  EXPECT_FALSE(ValidateSubmission(both).ok());
  EXPECT_FALSE(ValidateSubmission(v1::SubmitScanRequest()).ok());
}

TEST(SubmissionTest, SecretNamesAreValidatedNeverValues) {
  v1::SubmitScanRequest named = Sast("https://example.invalid/r.git", "main");
  named.mutable_target()->add_secret_names("dast-login");
  named.mutable_target()->set_repo_token_secret("repo.token");
  EXPECT_TRUE(ValidateSubmission(named).ok());
  v1::SubmitScanRequest pasted = Sast("/srv/repo", "main");
  pasted.mutable_target()->add_secret_names("hunter2 hunter2");
  Status refused = ValidateSubmission(pasted);
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(refused.message().find("hunter2"), std::string::npos) << refused.message();
  v1::SubmitScanRequest twice = Sast("/srv/repo", "main");
  twice.mutable_target()->add_secret_names("a");
  twice.mutable_target()->add_secret_names("a");
  EXPECT_FALSE(ValidateSubmission(twice).ok());
  v1::SubmitScanRequest dast_token;
  dast_token.mutable_target()->set_url("http://127.0.0.1/");
  dast_token.mutable_target()->set_repo_token_secret("repo.token");
  EXPECT_FALSE(ValidateSubmission(dast_token).ok());
  v1::SubmitScanRequest too_many = Sast("/srv/repo", "main");
  for (int i = 0; i < 17; ++i) too_many.mutable_target()->add_secret_names("s" + std::to_string(i));
  EXPECT_FALSE(ValidateSubmission(too_many).ok());
}

TEST(EnvelopeTest, NonUtf8ToolOutputStillMakesADecodableResult) {
  Finding finding;
  finding.tool = "cppcheck";
  finding.path = std::string("src/caf\xe9.c");             // a Latin-1 file name
  finding.snippet = std::string("x = \"\xff\xfe\xc3\";");  // stray bytes, a cut sequence
  finding.message = std::string("ok \xe2\x82\xac and overlong \xc0\xaf and \xed\xa0\x80");
  v1::Envelope envelope;
  FindingToProto(finding, envelope.mutable_worker_batch()->add_results()->add_findings());
  std::string frame = EncodeEnvelope(envelope, 1, "w1", 0);
  WireCounters counters;
  auto decoded = DecodeEnvelope(frame, 1 << 20, counters);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  const v1::Finding& f = decoded->worker_batch().results(0).findings(0);
  EXPECT_EQ(f.path(), "src/caf\xef\xbf\xbd.c");
  EXPECT_EQ(f.message(),
            "ok \xe2\x82\xac and overlong \xef\xbf\xbd\xef\xbf\xbd and "
            "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd")
      << "valid sequences kept, invalid ones replaced byte by byte";
  EXPECT_EQ(ValidUtf8("plain ascii"), "plain ascii");
}

}  // namespace
}  // namespace scanfleet
