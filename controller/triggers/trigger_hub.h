// TriggerHub: the controller loop's side of webhooks and scheduled scans.
//
// It owns the --repos file, the webhook HTTP server and the inbox it posts
// verified pushes to, and the schedules' runs. Inside the loop's transaction,
// Run() submits the pending webhook pushes (role "webhook": submit only) and
// every due schedule through the same ApiHandler path as `scanfleet submit`
// (validated, idempotent); AfterCommit() then answers the HTTP threads.
// The cron decisions are the pure core in schedule_plan.h.
// Thread-safety: every method on the controller loop thread; only the
// WebhookServer's threads run elsewhere.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/time/clock.h"
#include "controller/api/api_handler.h"
#include "controller/config/controller_config.h"
#include "controller/store/controller_store.h"
#include "controller/store/schedule_runs.h"
#include "controller/triggers/loop_inbox.h"
#include "controller/triggers/repos_file.h"
#include "controller/triggers/webhook_server.h"

namespace scanfleet {

class TriggerHub {
 public:
  // Loads config.repos_file (if set), checks its profiles, restores the
  // schedules' runs and starts the webhook server (if config.webhook_listen).
  static StatusOr<std::unique_ptr<TriggerHub>> Start(const ControllerConfig& config,
                                                     ControllerStore& store, TimeMs now);
  ~TriggerHub();

  // Readable when webhook submissions wait (-1 without a webhook server).
  int inbox_fd() const { return inbox_ ? inbox_->fd() : -1; }
  std::optional<int> webhook_port() const;

  // In the loop's open transaction (the events of created scans are
  // published from the log after its commit).
  Status Run(TimeMs now, ApiHandler& handler);
  // After the commit: answers the webhook requests Run() handled.
  void AfterCommit();
  // Earliest time a schedule is due (nullopt: none).
  std::optional<TimeMs> NextWake() const;
  StatusOr<v1::ScheduleListResponse> ListSchedules();

 private:
  struct Schedule {
    const ScheduleEntry* entry;
    ScheduleRun run;
  };
  TriggerHub(ControllerStore& store, std::string default_profile)
      : store_(store), default_profile_(std::move(default_profile)) {}
  Status RunSchedule(Schedule& schedule, TimeMs now, ApiHandler& handler);
  StatusOr<v1::ScanState> ScanState(uint64_t scan_id);
  // The schedule's profile, else its repo's; empty: the controller's default.
  std::string ProfileOf(const ScheduleEntry& entry) const;

  ControllerStore& store_;
  std::string default_profile_;
  ReposFile repos_;
  std::vector<Schedule> schedules_;
  std::unique_ptr<LoopInbox> inbox_;
  std::unique_ptr<WebhookServer> server_;
  // Webhook requests handled in this transaction and their answers, given to
  // the HTTP threads only after the commit.
  std::vector<std::pair<LoopInbox::Item, v1::ApiResponse>> answered_;
};

}  // namespace scanfleet
