// common/job and common/wire/error_code: every job state, attempt outcome and
// decline reason round-trips name <-> enum (walked from the proto descriptor,
// so a value added later is covered without touching this file); the names
// the store and the CLI depend on are pinned; unknown names are errors; the
// wire's ErrorCode and StatusCode map onto each other for every code, with
// the numbers the field carried when it was a uint32.
#include "common/job/job_state.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/wire/error_code.h"

namespace scanfleet {
namespace {

// Every named value of a proto enum, from its descriptor.
template <typename Enum>
std::vector<Enum> Values(const google::protobuf::EnumDescriptor* descriptor) {
  std::vector<Enum> values;
  for (int i = 0; i < descriptor->value_count(); ++i) {
    values.push_back(static_cast<Enum>(descriptor->value(i)->number()));
  }
  return values;
}

// Name -> enum -> the same enum for every value but the zero one, whose name
// (like any word no value has) does not parse; names are distinct.
template <typename Enum, typename Parse>
void ExpectRoundTrips(const google::protobuf::EnumDescriptor* descriptor,
                      std::string_view (*name_of)(Enum), Parse parse) {
  std::set<std::string_view> names;
  for (Enum value : Values<Enum>(descriptor)) {
    std::string_view name = name_of(value);
    SCOPED_TRACE(std::string(name));
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(names.insert(name).second) << "two values share the name";
    auto parsed = parse(name);
    if (static_cast<int>(value) == 0) {
      EXPECT_EQ(name, "unspecified");
      EXPECT_FALSE(parsed.ok());
    } else {
      ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
      EXPECT_EQ(*parsed, value);
    }
  }
  // A newer peer's value: named, but no name gives it back.
  EXPECT_EQ(name_of(static_cast<Enum>(1000)), "unknown");
  for (std::string_view word : {"unknown", "", " queued", "queued ", "QUEUED", "Pending"}) {
    auto parsed = parse(word);
    ASSERT_FALSE(parsed.ok()) << "'" << word << "'";
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(JobStateTest, EveryJobStateRoundTrips) {
  ExpectRoundTrips<v1::JobState>(v1::JobState_descriptor(), JobStateName, ParseJobState);
}

TEST(JobStateTest, JobStateNamesAreTheStoredAndPrintedWords) {
  // jobs.state in SQLite and `scanfleet status [--json]` use these words.
  EXPECT_EQ(JobStateName(v1::JOB_QUEUED), "queued");
  EXPECT_EQ(JobStateName(v1::JOB_DISPATCHED), "dispatched");
  EXPECT_EQ(JobStateName(v1::JOB_RUNNING), "running");
  EXPECT_EQ(JobStateName(v1::JOB_SUCCEEDED), "succeeded");
  EXPECT_EQ(JobStateName(v1::JOB_FAILED), "failed");
  EXPECT_EQ(JobStateName(v1::JOB_DEAD_LETTERED), "dead");
  EXPECT_EQ(JobStateName(v1::JOB_CANCELLED), "cancelled");
  EXPECT_FALSE(ParseJobState("dead_lettered").ok());
  auto unknown = ParseJobState("waiting");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("'waiting'"), std::string::npos);
}

TEST(JobStateTest, EveryAttemptOutcomeRoundTrips) {
  ExpectRoundTrips<v1::AttemptOutcome>(v1::AttemptOutcome_descriptor(), AttemptOutcomeName,
                                       ParseAttemptOutcome);
}

TEST(JobStateTest, AttemptOutcomeNamesAreTheStoredWords) {
  // attempts.outcome in SQLite; the store's SQL compares with these words.
  EXPECT_EQ(AttemptOutcomeName(v1::ATTEMPT_PENDING), "pending");
  EXPECT_EQ(AttemptOutcomeName(v1::ATTEMPT_SUCCEEDED), "succeeded");
  EXPECT_EQ(AttemptOutcomeName(v1::ATTEMPT_FAILED), "failed");
  EXPECT_EQ(AttemptOutcomeName(v1::ATTEMPT_RETRY), "retry");
  EXPECT_EQ(AttemptOutcomeName(v1::ATTEMPT_REQUEUED), "requeued");
  EXPECT_EQ(AttemptOutcomeName(v1::ATTEMPT_STALE), "stale");
  EXPECT_EQ(AttemptOutcomeName(v1::ATTEMPT_CANCELLED), "cancelled");
}

TEST(JobStateTest, EveryDeclineReasonRoundTrips) {
  ExpectRoundTrips<v1::DeclineReason>(v1::DeclineReason_descriptor(), DeclineReasonName,
                                      ParseDeclineReason);
  EXPECT_EQ(DeclineReasonName(v1::DECLINE_NO_FREE_SLOT), "no free slot");
  EXPECT_EQ(DeclineReasonName(v1::DECLINE_SCANNER_MISSING), "scanner missing");
  EXPECT_EQ(DeclineReasonName(v1::DECLINE_DRAINING), "draining");
  EXPECT_EQ(DeclineReasonName(v1::DECLINE_HANDED_BACK), "handed back");
}

TEST(JobStateTest, JobStatusPrefersTheEnumAndReadsAnOlderPeersString) {
  v1::JobStatus job;
  EXPECT_EQ(JobStateOf(job), v1::JOB_STATE_UNSPECIFIED);
  job.set_state("dead");  // a controller that predates job_state
  EXPECT_EQ(JobStateOf(job), v1::JOB_DEAD_LETTERED);
  job.set_state("no such state");
  EXPECT_EQ(JobStateOf(job), v1::JOB_STATE_UNSPECIFIED);
  job.set_job_state(v1::JOB_RUNNING);
  EXPECT_EQ(JobStateOf(job), v1::JOB_RUNNING);

  v1::JobStatus set;
  SetJobState(&set, v1::JOB_CANCELLED);
  EXPECT_EQ(set.job_state(), v1::JOB_CANCELLED);
  EXPECT_EQ(set.state(), "cancelled");  // what an older client reads
}

// Every StatusCode: the ones StatusCodeName knows (its switch has no default).
std::vector<StatusCode> StatusCodes() {
  std::vector<StatusCode> codes;
  for (int value = 0; value < 256; ++value) {
    if (StatusCodeName(static_cast<StatusCode>(value)) != "UNKNOWN") {
      codes.push_back(static_cast<StatusCode>(value));
    }
  }
  return codes;
}

TEST(ErrorCodeTest, EveryStatusCodeRoundTrips) {
  std::vector<StatusCode> codes = StatusCodes();
  ASSERT_GE(codes.size(), 11u);
  std::set<v1::ErrorCode> wire;
  for (StatusCode code : codes) {
    SCOPED_TRACE(std::string(StatusCodeName(code)));
    v1::ErrorCode error = ErrorCodeOf(code);
    EXPECT_TRUE(v1::ErrorCode_IsValid(error));
    EXPECT_EQ(StatusCodeOf(error), code);
    EXPECT_TRUE(wire.insert(error).second) << "two codes share a wire code";
    // An older peer sent static_cast<uint32_t>(code): it must mean the same.
    EXPECT_EQ(static_cast<int>(error), static_cast<int>(code));
  }
  EXPECT_EQ(ErrorCodeOf(StatusCode::kOk), v1::ERROR_CODE_UNSPECIFIED);
}

TEST(ErrorCodeTest, EveryErrorCodeRoundTrips) {
  for (v1::ErrorCode error : Values<v1::ErrorCode>(v1::ErrorCode_descriptor())) {
    SCOPED_TRACE(v1::ErrorCode_Name(error));
    StatusCode code = StatusCodeOf(error);
    EXPECT_NE(StatusCodeName(code), "UNKNOWN");
    EXPECT_EQ(ErrorCodeOf(code), error);
  }
  // A newer peer's code is a failure this side cannot classify.
  EXPECT_EQ(StatusCodeOf(static_cast<v1::ErrorCode>(1000)), StatusCode::kInternal);
}

TEST(ErrorCodeTest, TheUint32EncodingParsesAsTheEnum) {
  // ApiResponse field 2 as the uint32 it was: tag (2 << 3 | varint), value 10.
  v1::ApiResponse response;
  ASSERT_TRUE(response.ParseFromString(std::string("\x10\x0a", 2)));
  EXPECT_EQ(response.error_code(), v1::ERROR_PERMISSION_DENIED);
  EXPECT_EQ(StatusCodeOf(response.error_code()), StatusCode::kPermissionDenied);
  // And back: the enum is written as the same bytes.
  v1::ApiResponse not_found;
  not_found.set_error_code(ErrorCodeOf(StatusCode::kNotFound));
  EXPECT_EQ(not_found.SerializeAsString(), std::string("\x10\x02", 2));
}

}  // namespace
}  // namespace scanfleet
