// Results, spool file contents and a temporary-directory fixture for the
// result spool's tests (spool_test, spool_batch_test, spool_fault_test).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/fs/posix_file_system.h"
#include "common/wire/envelope.h"
#include "proto/scanfleet.pb.h"
#include "worker/spool/result_spool.h"

namespace scanfleet::testing {

// The spool's frame size limit in these tests.
inline constexpr int64_t kMaxSpoolFrameBytes = 1 << 20;

// A JobResult for JOB_ID's ATTEMPT.
inline v1::JobResult SpoolResult(uint64_t job_id, uint32_t attempt, const std::string& error = "") {
  v1::JobResult result;
  result.mutable_job()->set_job_id(job_id);
  result.mutable_job()->set_attempt(attempt);
  result.set_error(error);
  return result;
}

// Whether two results are the same message.
inline bool SameResult(const v1::JobResult& a, const v1::JobResult& b) {
  return a.SerializeAsString() == b.SerializeAsString();
}

// The bytes of a spool file holding `batch` (what Put writes for a batch of
// one result).
inline std::string SpoolFileOf(const v1::WorkerBatch& batch) {
  v1::Envelope envelope;
  *envelope.mutable_worker_batch() = batch;
  return EncodeEnvelope(envelope, 0, "", 0);
}

// A spool file as protocol version 1 wrote it: Envelope{protocol_version 1,
// result = 13}, a field version 2 no longer has.
inline std::string VersionOneSpoolFile(uint64_t job_id, uint32_t attempt) {
  std::string result = SpoolResult(job_id, attempt).SerializeAsString();
  std::string bytes = "\x08\x01";  // protocol_version = 1
  bytes += static_cast<char>((13 << 3) | 2);
  bytes += static_cast<char>(result.size());  // < 128: a one-byte varint
  return bytes + result;
}

inline void WriteSpoolFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

inline bool SpoolPathExists(const std::string& path) { return std::filesystem::exists(path); }

// A spool in a fresh temporary directory, dir_ (not created yet).
class ResultSpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "spool-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    dir_ = root_ + "/spool";
  }
  void TearDown() override {
    chmod(dir_.c_str(), 0700);  // in case a test made it read-only
    std::filesystem::remove_all(root_);
  }

  ResultSpool OpenOrDie() {
    auto spool = ResultSpool::Open(DefaultFileSystem(), dir_, kMaxSpoolFrameBytes);
    EXPECT_TRUE(spool.ok()) << spool.status().ToString();
    return std::move(spool).value();
  }

  std::string root_;
  std::string dir_;
};

}  // namespace scanfleet::testing
