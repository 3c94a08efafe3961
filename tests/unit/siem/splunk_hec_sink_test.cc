// SplunkHecSink against a real in-process HTTP server on 127.0.0.1 playing
// Splunk HEC: headers, body shape, 503s retried by the fan-out without loss,
// a rejected token stopping the bridge, connection errors, sink URIs.
#include "common/siem/splunk_hec_sink.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/siem/sink_fanout.h"
#include "common/siem/sink_uri.h"
#include "tests/unit/siem/test_events.h"

namespace scanfleet::siem {
namespace {

// Concatenated JSON objects (a HEC /event body) into a list.
std::vector<nlohmann::json> ParseObjects(const std::string& body) {
  std::vector<nlohmann::json> objects;
  std::istringstream in(body);
  while ((in >> std::ws).peek() != std::char_traits<char>::eof()) {
    nlohmann::json object;
    in >> object;
    objects.push_back(std::move(object));
  }
  return objects;
}

// A HEC on an ephemeral port: answers scripted (status, body) pairs in order,
// then 200 {"text":"Success","code":0}; records every request.
class FakeHec {
 public:
  FakeHec() {
    server_.Post("/services/collector/event",
                 [this](const httplib::Request& request, httplib::Response& response) {
                   std::lock_guard lock(mutex_);
                   authorizations_.push_back(request.get_header_value("Authorization"));
                   bodies_.push_back(request.body);
                   int status = 200;
                   std::string body = R"({"text":"Success","code":0})";
                   if (!script_.empty()) {
                     std::tie(status, body) = script_.front();
                     script_.pop_front();
                   }
                   if (status == 200) {
                     for (auto& object : ParseObjects(request.body))
                       accepted_.push_back(std::move(object));
                   }
                   response.status = status;
                   response.set_content(body, "application/json");
                 });
    port = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();  // so stop() is never lost
  }
  ~FakeHec() {
    server_.stop();
    thread_.join();
  }

  // Copies under the lock: the server thread writes these.
  void Script(std::deque<std::pair<int, std::string>> replies) {
    std::lock_guard lock(mutex_);
    script_ = std::move(replies);
  }
  std::vector<std::string> Authorizations() {
    std::lock_guard lock(mutex_);
    return authorizations_;
  }
  std::vector<std::string> Bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  std::vector<nlohmann::json> Accepted() {
    std::lock_guard lock(mutex_);
    return accepted_;
  }

  int port = 0;

 private:
  std::deque<std::pair<int, std::string>> script_;
  std::vector<std::string> authorizations_;
  std::vector<std::string> bodies_;
  std::vector<nlohmann::json> accepted_;  // events of requests answered 200
  std::mutex mutex_;
  httplib::Server server_;
  std::thread thread_;
};

v1::Event HecFinding(uint64_t seq) {
  v1::Event event;
  event.set_seq(seq);
  event.set_topic("finding.high.bandit");
  event.set_created_ms(1'700'000'000'123 + seq);
  event.set_scan_id(7);
  auto* finding = event.mutable_finding();
  finding->set_tool("bandit");
  finding->set_rule_id("B602");
  finding->set_severity(v1::SEVERITY_HIGH);
  finding->set_path("app.py");
  finding->set_fingerprint("fp" + std::to_string(seq));
  return event;
}

SplunkHecOptions Options(int port) {
  SplunkHecOptions options;
  options.host = "127.0.0.1";
  options.port = port;
  options.token = "tok-123";
  options.envelope.host = "bridge-host";
  options.envelope.sourcetype = "scanfleet:finding";
  options.envelope.index = "security";
  options.envelope.product_version = "0.1.0";
  options.connect_timeout_ms = 2000;
  options.io_timeout_ms = 2000;
  return options;
}

std::vector<std::string> Fingerprints(const std::vector<nlohmann::json>& objects) {
  std::vector<std::string> fingerprints;
  for (const auto& object : objects) {
    fingerprints.push_back(object["event"]["scanfleet"]["finding"]["fingerprint"]);
  }
  return fingerprints;
}

TEST(SplunkHecSinkTest, PostsConcatenatedEventObjectsWithSplunkAuthorization) {
  FakeHec hec;
  SplunkHecSink sink(Options(hec.port));
  EXPECT_EQ(sink.Describe(), "splunk-hec://127.0.0.1:" + std::to_string(hec.port) +
                                 "/services/collector/event (ecs)");
  ASSERT_TRUE(sink.Deliver(testing::LoggedAll({HecFinding(1), HecFinding(2)})).ok());
  ASSERT_EQ(hec.Bodies().size(), 1u);
  EXPECT_EQ(hec.Authorizations()[0], "Splunk tok-123");
  EXPECT_EQ(hec.Bodies()[0].find('\n'), std::string::npos);
  EXPECT_TRUE(hec.Bodies()[0].starts_with(R"({"time":1700000000.124,"host":"bridge-host",)"))
      << hec.Bodies()[0];
  auto objects = ParseObjects(hec.Bodies()[0]);
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[1]["time"].get<double>(), 1700000000.125);
  EXPECT_EQ(objects[1]["source"], "scanfleet");
  EXPECT_EQ(objects[1]["sourcetype"], "scanfleet:finding");
  EXPECT_EQ(objects[1]["index"], "security");
  EXPECT_EQ(objects[1]["event"]["event"]["kind"], "alert");
  EXPECT_EQ(Fingerprints(objects), (std::vector<std::string>{"fp1", "fp2"}));
  // A retry of delivered events sends nothing.
  ASSERT_TRUE(sink.Deliver(testing::LoggedAll({HecFinding(2)})).ok());
  EXPECT_EQ(hec.Bodies().size(), 1u);
}

TEST(SplunkHecSinkTest, OcsfSkipsNonFindingsAndOmitsEmptyIndex) {
  FakeHec hec;
  auto options = Options(hec.port);
  options.envelope.format = EventFormat::kOcsf;
  options.envelope.index.clear();
  SplunkHecSink sink(options);
  v1::Event scan_event;
  scan_event.set_seq(2);
  scan_event.set_topic("scan.succeeded");
  ASSERT_TRUE(sink.Deliver(testing::LoggedAll({scan_event})).ok());
  EXPECT_TRUE(hec.Bodies().empty());  // nothing to send, nothing posted
  ASSERT_TRUE(sink.Deliver(testing::LoggedAll({HecFinding(3)})).ok());
  auto objects = ParseObjects(hec.Bodies().at(0));
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_FALSE(objects[0].contains("index"));
  EXPECT_EQ(objects[0]["event"]["class_uid"], 2002);
}

TEST(SplunkHecSinkTest, OutageOf503sIsRetriedByTheFanoutWithoutLossOrDuplicates) {
  FakeHec hec;
  hec.Script({{503, R"({"text":"Server is busy","code":9})"},
              {503, R"({"text":"Server is busy","code":9})"},
              {429, "too many"}});
  auto options = Options(hec.port);
  options.max_body_bytes = 1;  // one event per request: a batch is split
  std::vector<std::unique_ptr<EventSink>> sinks;
  sinks.push_back(std::make_unique<SplunkHecSink>(options));
  std::vector<int64_t> waits;
  std::ostringstream log;
  SinkFanout fanout(
      std::move(sinks), nullptr, FanoutOptions(),
      [&](int64_t ms) {
        waits.push_back(ms);
        return true;
      },
      log);
  ASSERT_TRUE(
      fanout.Deliver(testing::LoggedAll({HecFinding(1), HecFinding(2), HecFinding(3)})).ok());
  ASSERT_TRUE(fanout.Deliver(testing::LoggedAll({HecFinding(4)})).ok());
  EXPECT_EQ(waits, (std::vector<int64_t>{100, 200, 400}));
  EXPECT_EQ(hec.Bodies().size(), 7u);  // 3 refused + 4 accepted
  EXPECT_EQ(Fingerprints(hec.Accepted()), (std::vector<std::string>{"fp1", "fp2", "fp3", "fp4"}));
  EXPECT_EQ(fanout.cursor_seq(), 4u);
  EXPECT_NE(log.str().find("is down"), std::string::npos);
  EXPECT_NE(log.str().find("HTTP 503 (code 9): Server is busy"), std::string::npos) << log.str();
  EXPECT_NE(log.str().find("is back up"), std::string::npos);
}

TEST(SplunkHecSinkTest, PartlyAcceptedBatchResendsOnlyTheRest) {
  FakeHec hec;
  SplunkHecSink sink([&] {
    auto options = Options(hec.port);
    options.max_body_bytes = 1;
    return options;
  }());
  hec.Script({{200, R"({"text":"Success","code":0})"}, {503, "{}"}});
  EXPECT_EQ(sink.Deliver(testing::LoggedAll({HecFinding(1), HecFinding(2), HecFinding(3)})).code(),
            StatusCode::kUnavailable);
  ASSERT_TRUE(sink.Deliver(testing::LoggedAll({HecFinding(1), HecFinding(2), HecFinding(3)})).ok());
  EXPECT_EQ(Fingerprints(hec.Accepted()), (std::vector<std::string>{"fp1", "fp2", "fp3"}));
}

TEST(SplunkHecSinkTest, RejectedTokenStopsTheBridgeWithHecTextAndKeepsTheCursor) {
  FakeHec hec;
  hec.Script({{401, R"({"text":"Invalid authorization","code":3})"}});
  std::vector<std::unique_ptr<EventSink>> sinks;
  sinks.push_back(std::make_unique<SplunkHecSink>(Options(hec.port)));
  int waits = 0;
  std::ostringstream log;
  SinkFanout fanout(
      std::move(sinks), nullptr, FanoutOptions(), [&](int64_t) { return ++waits < 100; }, log);
  fanout.set_cursor_seq(10);
  Status status = fanout.Deliver(testing::LoggedAll({HecFinding(11), HecFinding(12)}));
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(status.message().find("HTTP 401 (code 3): Invalid authorization"), std::string::npos)
      << status.message();
  EXPECT_EQ(status.message().find("tok-123"), std::string::npos);
  EXPECT_EQ(log.str().find("tok-123"), std::string::npos);
  EXPECT_EQ(waits, 0);  // no spinning on a bad token
  EXPECT_EQ(fanout.cursor_seq(), 10u);
  EXPECT_TRUE(hec.Accepted().empty());
  // 400 (bad data) is permanent too; a 2xx without code 0 is not trusted.
  SplunkHecSink sink(Options(hec.port));
  hec.Script({{400, R"({"text":"Invalid data format","code":6})"}, {200, "<html>"}});
  EXPECT_EQ(sink.Deliver(testing::LoggedAll({HecFinding(1)})).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(sink.Deliver(testing::LoggedAll({HecFinding(1)})).code(), StatusCode::kUnavailable);
  EXPECT_TRUE(sink.Deliver(testing::LoggedAll({HecFinding(1)})).ok());
}

TEST(SplunkHecSinkTest, ConnectionRefusedIsUnavailable) {
  int port;
  {
    FakeHec gone;
    port = gone.port;
  }
  SplunkHecSink sink(Options(port));
  Status status = sink.Deliver(testing::LoggedAll({HecFinding(1)}));
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("splunk-hec://127.0.0.1:"), std::string::npos);
}

TEST(SplunkHecSinkTest, SinkUris) {
  auto spec =
      ParseSinkUri("splunk-hec://splunk.example:8088?token-env=HEC_TOKEN&index=sec&format=ocsf");
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  EXPECT_EQ(spec->kind, SinkSpec::Kind::kSplunkHec);
  EXPECT_EQ(spec->host, "splunk.example");
  EXPECT_EQ(spec->port, 8088);
  EXPECT_EQ(spec->path, "/services/collector/event");
  EXPECT_EQ(spec->token_env, "HEC_TOKEN");
  EXPECT_EQ(spec->index, "sec");
  EXPECT_EQ(spec->sourcetype, "scanfleet:ocsf");
  EXPECT_FALSE(spec->https);
  auto tls = ParseSinkUri(
      "splunk-hecs://[::1]:443/custom/event?token-env=T&sourcetype=scanfleet:finding&ca-file=/ca");
  ASSERT_TRUE(tls.ok()) << tls.status().message();
  EXPECT_TRUE(tls->https);
  EXPECT_EQ(tls->host, "::1");
  EXPECT_EQ(tls->path, "/custom/event");
  EXPECT_EQ(tls->sourcetype, "scanfleet:finding");
  EXPECT_EQ(tls->ca_file, "/ca");
  EXPECT_FALSE(ParseSinkUri("splunk-hec://h:8088").ok());            // no token-env
  EXPECT_FALSE(ParseSinkUri("splunk-hec://h:8088?token=abc").ok());  // never in argv
  EXPECT_FALSE(ParseSinkUri("splunk-hec://h:8088?token-env=T&format=cef").ok());
  EXPECT_FALSE(ParseSinkUri("splunk-hec://h?token-env=T").ok());
  EXPECT_FALSE(ParseSinkUri("splunk-hec://h:1?token-env=T&ca-file=/x").ok());  // https only

  unsetenv("SCANFLEET_TEST_HEC_TOKEN");
  auto unset = ParseSinkUri("splunk-hec://127.0.0.1:1?token-env=SCANFLEET_TEST_HEC_TOKEN");
  ASSERT_TRUE(unset.ok());
  auto no_token = MakeSink(*unset, {"0.1.0", "host"});
  EXPECT_EQ(no_token.status().code(), StatusCode::kInvalidArgument);
  setenv("SCANFLEET_TEST_HEC_TOKEN", "secret-token", 1);
  auto made = MakeSink(*unset, {"0.1.0", "host"});
  ASSERT_TRUE(made.ok());
  EXPECT_EQ((*made)->Describe().find("secret-token"), std::string::npos);
  unsetenv("SCANFLEET_TEST_HEC_TOKEN");
}

}  // namespace
}  // namespace scanfleet::siem
