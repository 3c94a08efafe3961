#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/fs/posix_file_system.h"
#include "common/siem/cursor_file.h"
#include "common/siem/json_lines_sink.h"
#include "common/siem/sink_fanout.h"
#include "common/siem/sink_uri.h"
#include "common/siem/syslog_tcp_sink.h"
#include "tests/unit/siem/test_events.h"

namespace scanfleet::siem {
namespace {

// Records what reached the "network"; fails on demand.
struct FakeNetwork {
  std::string received;
  int connects = 0;
  int refuse_connects = 0;  // the next N connects fail
  int fail_acks = 0;        // the next N acknowledgements fail (bytes did arrive)
};

class FakeStream final : public ByteStream {
 public:
  explicit FakeStream(FakeNetwork& network) : network_(network) {}
  Status WriteAll(std::string_view bytes) override {
    network_.received += bytes;
    return Status::Ok();
  }
  Status WaitAcknowledged(int) override {
    if (network_.fail_acks > 0) {
      --network_.fail_acks;
      return Status::Unavailable("reset");
    }
    return Status::Ok();
  }

 private:
  FakeNetwork& network_;
};

class FakeConnector final : public StreamConnector {
 public:
  explicit FakeConnector(FakeNetwork& network) : network_(network) {}
  StatusOr<std::unique_ptr<ByteStream>> Connect() override {
    ++network_.connects;
    if (network_.refuse_connects > 0) {
      --network_.refuse_connects;
      return Status::Unavailable("connection refused");
    }
    return std::unique_ptr<ByteStream>(std::make_unique<FakeStream>(network_));
  }
  std::string Describe() const override { return "fake:1"; }

 private:
  FakeNetwork& network_;
};

v1::Event Finding(uint64_t seq, std::string topic = "finding.low.bandit") {
  v1::Event event;
  event.set_seq(seq);
  event.set_topic(topic);
  event.mutable_finding()->set_tool("bandit");
  event.mutable_finding()->set_rule_id("B" + std::to_string(seq));
  event.mutable_finding()->set_severity(v1::SEVERITY_LOW);
  return event;
}

int Count(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

std::string TempDir() {
  char pattern[] = "/tmp/siem_test_XXXXXX";
  return mkdtemp(pattern);
}

TEST(SyslogTcpSinkTest, FramesAreOctetCountedRfc5424Cef) {
  FakeNetwork network;
  SyslogTcpSink sink(std::make_unique<FakeConnector>(network), {});
  ASSERT_TRUE(sink.Deliver(testing::LoggedAll({Finding(1)})).ok());
  const std::string& bytes = network.received;
  size_t space = bytes.find(' ');
  ASSERT_NE(space, std::string::npos);
  EXPECT_EQ(std::stoul(bytes.substr(0, space)), bytes.size() - space - 1);
  EXPECT_EQ(bytes.substr(space + 1, 8), "<109>1 -");  // log audit (13), notice (5)
  EXPECT_NE(bytes.find("[scanfleet@32473 seq=\"1\" scan=\"0\"] CEF:0|"), std::string::npos)
      << bytes;
}

TEST(SyslogTcpSinkTest, ResendsUnacknowledgedBatchAndSkipsDelivered) {
  FakeNetwork network;
  SyslogTcpSink sink(std::make_unique<FakeConnector>(network), {});
  ASSERT_TRUE(sink.Deliver(testing::LoggedAll({Finding(1)})).ok());
  network.fail_acks = 1;
  EXPECT_FALSE(sink.Deliver(testing::LoggedAll({Finding(2), Finding(3)})).ok());
  network.refuse_connects = 1;
  EXPECT_FALSE(sink.Deliver(testing::LoggedAll({Finding(2), Finding(3)})).ok());
  ASSERT_TRUE(sink.Deliver(testing::LoggedAll({Finding(1), Finding(2), Finding(3)})).ok());
  EXPECT_EQ(Count(network.received, "|bandit:B1|"), 1);
  EXPECT_EQ(Count(network.received, "|bandit:B2|"), 2);  // the at-least-once window
  EXPECT_EQ(Count(network.received, "|bandit:B3|"), 2);
  EXPECT_EQ(sink.delivered_seq(), 3u);
  EXPECT_EQ(network.connects, 3);
}

TEST(JsonLinesSinkTest, AppendsOneLinePerEventAndSkipsDelivered) {
  std::string dir = TempDir();
  JsonLinesSink sink(dir + "/out.jsonl", EventFormat::kOcsf, "0.1.0");
  v1::Event scan_event;
  scan_event.set_seq(2);
  scan_event.set_topic("scan.running");
  scan_event.mutable_scan()->set_state(v1::SCAN_RUNNING);
  ASSERT_TRUE(sink.Deliver(testing::LoggedAll({Finding(1), scan_event, Finding(3)})).ok());
  ASSERT_TRUE(sink.Deliver(testing::LoggedAll({Finding(3), Finding(4)})).ok());  // 3 is a retry
  std::ifstream in(dir + "/out.jsonl");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(Count(text, "\n"), 3) << text;  // OCSF has no line for the scan event
  EXPECT_EQ(Count(text, "\"class_uid\":2002"), 3);
  EXPECT_EQ(Count(text, "\"uid\":\"3\""), 1);
  // A torn last line (a crash inside write) is cut off when the file is opened.
  std::ofstream(dir + "/out.jsonl", std::ios::app) << "{\"torn";
  JsonLinesSink reopened(dir + "/out.jsonl", EventFormat::kOcsf, "0.1.0");
  ASSERT_TRUE(reopened.Deliver(testing::LoggedAll({Finding(5)})).ok());
  std::ifstream again(dir + "/out.jsonl");
  std::string repaired((std::istreambuf_iterator<char>(again)), std::istreambuf_iterator<char>());
  EXPECT_EQ(repaired.find("torn"), std::string::npos);
  EXPECT_EQ(repaired.substr(0, text.size()), text);
  EXPECT_EQ(Count(repaired, "\n"), 4);
  std::ofstream(dir + "/only.jsonl") << "{\"torn";
  JsonLinesSink only(dir + "/only.jsonl", EventFormat::kOcsf, "0.1.0");
  ASSERT_TRUE(only.Deliver(testing::LoggedAll({Finding(6)})).ok());
  std::ifstream only_in(dir + "/only.jsonl");
  std::string only_text((std::istreambuf_iterator<char>(only_in)),
                        std::istreambuf_iterator<char>());
  EXPECT_EQ(only_text.find("torn"), std::string::npos);
  EXPECT_EQ(Count(only_text, "\n"), 1);
  JsonLinesSink unwritable(dir + "/missing/out.jsonl", EventFormat::kEcs, "0.1.0");
  EXPECT_EQ(unwritable.Deliver(testing::LoggedAll({Finding(1)})).code(), StatusCode::kUnavailable);
  std::system(("rm -rf " + dir).c_str());
}

// kill -9 after the sink's fsync but before the cursor's save: the restarted
// bridge hands the sink the same event again; the file already holds it.
TEST(JsonLinesSinkTest, ResumesAfterTheLastLineOfItsFileAcrossARestart) {
  std::string dir = TempDir();
  for (EventFormat format : {EventFormat::kEcs, EventFormat::kOcsf}) {
    std::string path = dir + "/" + std::string(EventFormatName(format)) + ".jsonl";
    {
      JsonLinesSink crashed(path, format, "0.1.0");
      ASSERT_TRUE(crashed.Deliver(testing::LoggedAll({Finding(1), Finding(2), Finding(3)})).ok());
    }
    JsonLinesSink restarted(path, format, "0.1.0");
    ASSERT_TRUE(
        restarted.Deliver(testing::LoggedAll({Finding(3)})).ok());  // the cursor was still at 2
    ASSERT_TRUE(restarted.Deliver(testing::LoggedAll({Finding(4)})).ok());
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(Count(text, "\n"), 4) << text;
    std::istringstream lines(text);
    int with_b3 = 0;
    for (std::string line; std::getline(lines, line);) with_b3 += line.find("\"B3\"") != line.npos;
    EXPECT_EQ(with_b3, 1) << text;
  }
  // A last line that is not one of ours (no seq) gives no resume point.
  std::ofstream(dir + "/foreign.jsonl") << "{\"note\":\"rotated by hand\"}\nnot json\n";
  JsonLinesSink foreign(dir + "/foreign.jsonl", EventFormat::kEcs, "0.1.0");
  ASSERT_TRUE(foreign.Deliver(testing::LoggedAll({Finding(1)})).ok());
  std::ifstream in(dir + "/foreign.jsonl");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(Count(text, "\n"), 3) << text;
  std::system(("rm -rf " + dir).c_str());
}

TEST(SinkFanoutTest, DownSinkBlocksWithBackoffAndNothingIsSkipped) {
  std::string dir = TempDir();
  CursorFile cursor(DefaultFileSystem(), dir + "/cursor");
  auto owned = std::make_unique<testing::RecordingSink>();
  testing::RecordingSink* sink = owned.get();
  sink->failures = 5;
  std::vector<std::unique_ptr<EventSink>> sinks;
  sinks.push_back(std::move(owned));
  std::vector<int64_t> waits;
  std::ostringstream log;
  FanoutOptions options;
  options.topic_prefixes = {"finding."};
  options.max_batch = 2;
  options.initial_backoff_ms = 100;
  options.max_backoff_ms = 800;
  SinkFanout fanout(
      std::move(sinks), &cursor, options,
      [&](int64_t ms) {
        waits.push_back(ms);
        return true;
      },
      log);
  std::vector<v1::Event> events = {Finding(1), Finding(2, "scan.running"), Finding(3), Finding(4),
                                   Finding(5, "scan.succeeded")};
  ASSERT_TRUE(fanout.Deliver(testing::LoggedAll(events)).ok());
  EXPECT_EQ(sink->seqs, (std::vector<uint64_t>{1, 3, 4}));
  EXPECT_EQ(waits, (std::vector<int64_t>{100, 200, 400, 800, 800}));
  EXPECT_EQ(Count(log.str(), "is down"), 1);  // once per state change
  EXPECT_EQ(Count(log.str(), "is back up"), 1);
  // A filtered-out event travels on as a digest attached to the next delivered
  // one; until then the cursor stays before it (read again after a restart).
  EXPECT_EQ(sink->skipped_seqs, (std::vector<uint64_t>{2}));
  EXPECT_EQ(*cursor.Load(), 4u);
  // Events seen already are not delivered again.
  ASSERT_TRUE(fanout.Deliver(testing::LoggedAll({Finding(4), Finding(5), Finding(6)})).ok());
  EXPECT_EQ(sink->seqs, (std::vector<uint64_t>{1, 3, 4, 6}));
  EXPECT_EQ(sink->skipped_seqs, (std::vector<uint64_t>{2, 5}));
  EXPECT_EQ(*cursor.Load(), 6u);
  // A checkpoint passes any topic filter: it is what a file sink verifies with.
  v1::Event checkpoint = Finding(7, "log.checkpoint");
  checkpoint.mutable_checkpoint()->set_seq(6);
  ASSERT_TRUE(fanout.Deliver(testing::LoggedAll({checkpoint})).ok());
  EXPECT_EQ(sink->seqs.back(), 7u);
  std::system(("rm -rf " + dir).c_str());
}

TEST(SinkFanoutTest, StopWhileDownKeepsCursor) {
  auto owned = std::make_unique<testing::RecordingSink>();
  owned->failures = 100;
  std::vector<std::unique_ptr<EventSink>> sinks;
  sinks.push_back(std::move(owned));
  std::ostringstream log;
  SinkFanout fanout(
      std::move(sinks), nullptr, {}, [](int64_t) { return false; }, log);
  EXPECT_FALSE(fanout.Deliver(testing::LoggedAll({Finding(1)})).ok());
  EXPECT_EQ(fanout.cursor_seq(), 0u);
}

TEST(SinkUriTest, ParsesEveryKindAndRejectsNonsense) {
  auto syslog = ParseSinkUri("syslog-tcp://127.0.0.1:5514?format=leef");
  ASSERT_TRUE(syslog.ok());
  EXPECT_EQ(syslog->kind, SinkSpec::Kind::kSyslogTcp);
  EXPECT_EQ(syslog->host, "127.0.0.1");
  EXPECT_EQ(syslog->port, 5514);
  EXPECT_EQ(syslog->format, EventFormat::kLeef);
  EXPECT_EQ(ParseSinkUri("syslog-tcp://[::1]:514")->host, "::1");
  EXPECT_EQ(ParseSinkUri("syslog-tcp://h:514")->format, EventFormat::kCef);
  EXPECT_TRUE(
      ParseSinkUri("syslog-tcp://h:514?format=cef&cef-extension-space=1")->cef_extension_space);
  EXPECT_FALSE(ParseSinkUri("file:/x?cef-extension-space=1").ok());
  EXPECT_EQ(ParseSinkUri("file:/tmp/x.jsonl?format=ocsf")->format, EventFormat::kOcsf);
  EXPECT_EQ(ParseSinkUri("file:/tmp/x.jsonl")->path, "/tmp/x.jsonl");
  EXPECT_EQ(ParseSinkUri("stdout")->format, EventFormat::kEcs);
  for (const char* bad : {"syslog-tcp://h", "syslog-tcp://h:0", "syslog-tcp://h:99999",
                          "syslog-tcp://h:1x", "syslog-tcp://h:514?format=ecs", "file:?format=ecs",
                          "file:/x?format=cef", "stdout?fmt=ecs", "udp://h:514", ""}) {
    EXPECT_FALSE(ParseSinkUri(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace scanfleet::siem
