#include "common/siem/json_formats.h"

#include <gtest/gtest.h>

#include "tests/unit/siem/test_events.h"

namespace scanfleet::siem {
namespace {

using nlohmann::json;

TEST(EcsTest, FindingFieldNames) {
  json ecs = EcsJson(testing::HostileFinding(), "0.1.0");
  EXPECT_EQ(ecs["@timestamp"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(ecs["event"]["kind"], "alert");
  EXPECT_EQ(ecs["event"]["category"], json::array({"vulnerability"}));
  EXPECT_EQ(ecs["event"]["severity"], 8);
  EXPECT_EQ(ecs["event"]["sequence"], 42);
  EXPECT_EQ(ecs["vulnerability"]["id"], "B602|x");
  EXPECT_EQ(ecs["vulnerability"]["severity"], "High");
  EXPECT_EQ(ecs["vulnerability"]["category"], json::array({"CWE-78", "CWE-88"}));
  EXPECT_EQ(ecs["rule"]["name"], "pipe|back\\slash\nnewline");
  EXPECT_EQ(ecs["file"]["path"], "src/dir/ünï.py");
  EXPECT_EQ(ecs["file"]["name"], "ünï.py");
  EXPECT_FALSE(ecs.contains("url"));
  EXPECT_EQ(ecs["scanfleet"]["finding"]["fingerprint"], "abc123");
  EXPECT_EQ(ecs["scanfleet"]["finding"]["line"], 12);
  EXPECT_EQ(ecs["observer"]["version"], "0.1.0");
}

TEST(EcsTest, ScanEvent) {
  v1::Event event;
  event.set_seq(3);
  event.set_topic("scan.succeeded");
  event.mutable_scan()->set_state(v1::SCAN_SUCCEEDED);
  json ecs = EcsJson(event, "0.1.0");
  EXPECT_EQ(ecs["event"]["kind"], "event");
  EXPECT_EQ(ecs["event"]["outcome"], "success");
  EXPECT_EQ(ecs["scanfleet"]["state"], "succeeded");
}

TEST(EcsTest, ACarriedSetIsAScanEvent) {
  json ecs = EcsJson(testing::CarriedEvent(), "0.1.0");
  EXPECT_EQ(ecs["event"]["kind"], "event");
  EXPECT_EQ(ecs["event"]["dataset"], "scanfleet.scan");
  EXPECT_EQ(ecs["event"]["action"], "scan.carried");
  EXPECT_EQ(ecs["message"], "10713 findings carried from scan 7");
  EXPECT_EQ(ecs["scanfleet"]["carried"]["count"], 10713);
  EXPECT_EQ(ecs["scanfleet"]["carried"]["base_scan_id"], 7);
  EXPECT_EQ(ecs["scanfleet"]["carried"]["scanner"], "flaw|finder=x");
  EXPECT_EQ(ecs["scanfleet"]["job_id"], 11);
  EXPECT_FALSE(ecs.contains("vulnerability"));
  EXPECT_FALSE(OcsfVulnerabilityFinding(testing::CarriedEvent(), "0.1.0").has_value());
}

TEST(OcsfTest, VulnerabilityFindingClass) {
  auto ocsf = OcsfVulnerabilityFinding(testing::HostileFinding(), "0.1.0");
  ASSERT_TRUE(ocsf.has_value());
  json& o = *ocsf;
  EXPECT_EQ(o["class_uid"], 2002);
  EXPECT_EQ(o["category_uid"], 2);
  EXPECT_EQ(o["type_uid"], 200201);
  EXPECT_EQ(o["activity_id"], 1);
  EXPECT_EQ(o["severity_id"], 4);
  EXPECT_EQ(o["time"], 1'700'000'000'123);
  EXPECT_EQ(o["metadata"]["product"]["name"], "scanfleet");
  EXPECT_EQ(o["finding_info"]["uid"], "abc123");
  EXPECT_EQ(o["finding_info"]["desc"], "a=b c\\d\r\ne|f");
  EXPECT_EQ(o["confidence_id"], 3);
  const json& vulnerability = o["vulnerabilities"][0];
  EXPECT_EQ(vulnerability["cwe"]["uid"], "78");
  EXPECT_EQ(vulnerability["affected_code"][0]["file"]["path"], "src/dir/ünï.py");
  EXPECT_EQ(vulnerability["affected_code"][0]["start_line"], 12);
  EXPECT_EQ(vulnerability["affected_code"][0]["end_line"], 14);
  EXPECT_EQ(o["unmapped"]["scanfleet"]["finding"]["cwes"], json::array({78, 88}));
}

TEST(OcsfTest, ScanEventsHaveNoVulnerabilityFinding) {
  v1::Event event;
  event.mutable_scan()->set_state(v1::SCAN_RUNNING);
  EXPECT_FALSE(OcsfVulnerabilityFinding(event, "0.1.0").has_value());
}

TEST(JsonLineTest, OneLineEvenWithNewlinesAndInvalidUtf8) {
  v1::Event event = testing::HostileFinding();
  json ecs = EcsJson(event, "0.1.0");
  ecs["bad"] = std::string("\xff\xfe");
  std::string line = JsonLine(ecs);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_TRUE(json::accept(line));
}

}  // namespace
}  // namespace scanfleet::siem
