// The trigger hub's schedules against a real store, scheduler and API handler,
// driven by a fake clock: fire, skip while unfinished, queue, and no double
// fire across a restart.
#include "controller/triggers/trigger_hub.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace scanfleet {
namespace {

constexpr TimeMs kHubStart = 1'700'000'000'000;

class TriggerHubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("trigger-hub-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    setenv("TRIGGER_HUB_TEST_SECRET", "secret", 1);
    std::ofstream(dir_ / "repos.json") << R"({
      "repos": [{"name": "app", "forge": "github", "repository": "acme/app",
                 "clone_url": "/srv/git/app", "profile": "python",
                 "secret_env": "TRIGGER_HUB_TEST_SECRET"}],
      "schedules": [
        {"name": "skipper", "repo": "app", "branch": "main", "cron": "*/2 * * * * *"},
        {"name": "queuer", "repo": "app", "branch": "dev", "cron": "*/2 * * * * *",
         "overlap": "queue"}]})";
    config_.repos_file = (dir_ / "repos.json").string();
    config_.database_path = (dir_ / "test.db").string();
    Open();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Open() {
    hub_.reset();
    handler_.reset();
    store_ = ControllerStore::Open(config_.database_path, Database::Options{}).value();
    scheduler_ = std::make_unique<Scheduler>(config_.scheduler, [] { return 0.5; });
    handler_ = std::make_unique<ApiHandler>(*store_, *scheduler_, config_, hellos_,
                                            v1::GetEndpointsResponse{});
    auto hub = TriggerHub::Start(config_, *store_, clock_.NowMs());
    ASSERT_TRUE(hub.ok()) << hub.status().message();
    hub_ = std::move(hub).value();
  }

  // One loop iteration at the fake clock's time; the events it stored.
  std::vector<v1::Event> Iterate() {
    uint64_t before = store_->events().LastSeq().value();
    auto batch = store_->BeginTransaction();
    EXPECT_TRUE(batch.ok());
    EXPECT_TRUE(hub_->Run(clock_.NowMs(), *handler_).ok());
    EXPECT_TRUE(batch->Commit().ok());
    hub_->AfterCommit();
    std::vector<v1::Event> events;
    auto page = store_->events().pages().Read(before, 1000, 1 << 20);
    EXPECT_TRUE(page.ok());
    for (const std::string& bytes : page->events) events.emplace_back().ParseFromString(bytes);
    return events;
  }

  v1::ScheduleStatus Status(const std::string& name) {
    auto list = hub_->ListSchedules();
    EXPECT_TRUE(list.ok());
    for (const auto& schedule : list->schedules()) {
      if (schedule.name() == name) return schedule;
    }
    ADD_FAILURE() << "no schedule " << name;
    return {};
  }

  std::filesystem::path dir_;
  FakeClock clock_{kHubStart};
  ControllerConfig config_;
  std::map<std::string, v1::WorkerHello> hellos_;
  std::unique_ptr<ControllerStore> store_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<ApiHandler> handler_;
  std::unique_ptr<TriggerHub> hub_;
};

TEST_F(TriggerHubTest, FiresSkipsQueuesAndNeverFiresASlotTwiceAcrossARestart) {
  EXPECT_EQ(hub_->NextWake(), kHubStart + 2000);
  clock_.Advance(1999);
  EXPECT_TRUE(Iterate().empty());

  clock_.Advance(1);
  std::vector<v1::Event> events = Iterate();
  ASSERT_EQ(events.size(), 2u);  // scan.queued of each schedule's first scan
  v1::ScheduleStatus skipper = Status("skipper");
  EXPECT_EQ(skipper.last_slot_ms(), kHubStart + 2000);
  ASSERT_NE(skipper.last_scan_id(), 0u);
  EXPECT_EQ(skipper.last_scan_state(), v1::SCAN_QUEUED);
  EXPECT_EQ(skipper.next_fire_ms(), kHubStart + 4000);
  EXPECT_EQ(skipper.target(), "app@main");
  EXPECT_EQ(skipper.profile(), "python");
  auto scan = store_->views().GetScan(skipper.last_scan_id());
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->target().repo(), "/srv/git/app");
  EXPECT_EQ(scan->target().ref(), "main");
  EXPECT_EQ(scan->target().branch(), "main");
  uint64_t first_queued = Status("queuer").last_scan_id();

  // The skipper's scan is still queued: its next slot is skipped, the queuer fires.
  clock_.Advance(2000);
  events = Iterate();
  EXPECT_EQ(events.size(), 1u);
  EXPECT_EQ(Status("skipper").skipped(), 1u);
  EXPECT_EQ(Status("skipper").last_scan_id(), skipper.last_scan_id());
  EXPECT_EQ(Status("skipper").last_slot_ms(), kHubStart + 4000);
  EXPECT_GT(Status("queuer").last_scan_id(), first_queued);

  // A restart at the same instant fires nothing again.
  uint64_t queued_before_restart = Status("queuer").last_scan_id();
  Open();
  EXPECT_TRUE(Iterate().empty());
  EXPECT_EQ(Status("queuer").last_scan_id(), queued_before_restart);
  EXPECT_EQ(Status("skipper").skipped(), 1u);

  // Once the skipper's scan has ended, its next slot fires again.
  {
    auto batch = store_->BeginTransaction();
    ASSERT_TRUE(batch.ok());
    ASSERT_TRUE(
        store_->lifecycle().CancelScan(skipper.last_scan_id(), "test", clock_.NowMs()).ok());
    ASSERT_TRUE(batch->Commit().ok());
  }
  clock_.Advance(2000);
  events = Iterate();
  EXPECT_EQ(events.size(), 2u);
  EXPECT_GT(Status("skipper").last_scan_id(), skipper.last_scan_id());
}

TEST_F(TriggerHubTest, AfterDowntimeMissedSlotsFireOnce) {
  clock_.Advance(60'000);  // 30 slots passed while "down"
  Open();
  std::vector<v1::Event> events = Iterate();
  EXPECT_EQ(events.size(), 2u);
  EXPECT_EQ(Status("queuer").last_slot_ms(), kHubStart + 60'000);
  EXPECT_TRUE(Iterate().empty());
}

TEST_F(TriggerHubTest, AProfileTheControllerLacksStopsTheStart) {
  config_.profiles.erase("python");
  auto hub = TriggerHub::Start(config_, *store_, clock_.NowMs());
  ASSERT_FALSE(hub.ok());
  EXPECT_NE(hub.status().message().find("repo 'app': field 'profile': 'python' is not a profile"),
            std::string::npos)
      << hub.status().message();
}

}  // namespace
}  // namespace scanfleet
