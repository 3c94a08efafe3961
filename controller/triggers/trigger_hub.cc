#include "controller/triggers/trigger_hub.h"

#include <spdlog/spdlog.h>

#include "common/wire/error_code.h"
#include "controller/triggers/schedule_plan.h"

namespace scanfleet {

namespace {

Status CheckProfile(const ControllerConfig& config, const std::string& profile,
                    const std::string& where) {
  if (profile.empty() || config.profiles.count(profile)) return Status::Ok();
  return Status::InvalidArgument(config.repos_file + ": " + where + ": field 'profile': '" +
                                 profile + "' is not a profile of this controller");
}

}  // namespace

StatusOr<std::unique_ptr<TriggerHub>> TriggerHub::Start(const ControllerConfig& config,
                                                        ControllerStore& store, TimeMs now) {
  std::unique_ptr<TriggerHub> hub(new TriggerHub(store, config.default_profile));
  if (!config.repos_file.empty()) {
    ASSIGN_OR_RETURN(hub->repos_, LoadReposFile(config.repos_file));
  }
  for (const RepoEntry& repo : hub->repos_.repos) {
    RETURN_IF_ERROR(CheckProfile(config, repo.profile, "repo '" + repo.name + "'"));
  }
  ASSIGN_OR_RETURN(auto runs, store.schedule_runs().LoadAll());
  ASSIGN_OR_RETURN(Transaction initial_runs, store.BeginTransaction());
  for (const ScheduleEntry& entry : hub->repos_.schedules) {
    RETURN_IF_ERROR(CheckProfile(config, entry.profile, "schedule '" + entry.name + "'"));
    auto run = runs.find(entry.name);
    Schedule schedule{&entry, run == runs.end() ? ScheduleRun{} : run->second};
    if (run == runs.end()) {
      // A new schedule starts counting slots from now, not from 1970.
      schedule.run.last_slot_ms = now;
      RETURN_IF_ERROR(store.schedule_runs().Save(entry.name, schedule.run));
    }
    hub->schedules_.push_back(schedule);
  }
  RETURN_IF_ERROR(initial_runs.Commit());
  if (!config.webhook_listen.empty()) {
    if (hub->repos_.repos.empty()) {
      spdlog::warn("--webhook-listen without repositories in --repos: every delivery gets 404");
    }
    ASSIGN_OR_RETURN(hub->inbox_, LoopInbox::Create());
    WebhookServer::Options options;
    options.listen = config.webhook_listen;
    options.max_body_bytes = static_cast<size_t>(config.webhook_max_body_bytes);
    ASSIGN_OR_RETURN(hub->server_, WebhookServer::Start(options, hub->repos_, *hub->inbox_));
  }
  if (!hub->schedules_.empty()) {
    spdlog::info("{} scheduled scans loaded from {}", hub->schedules_.size(), config.repos_file);
  }
  return hub;
}

TriggerHub::~TriggerHub() {
  // HTTP threads waiting for the loop get 503 at once, then the server stops.
  if (inbox_) inbox_->Close();
  answered_.clear();
  server_.reset();
}

std::optional<int> TriggerHub::webhook_port() const {
  if (!server_) return std::nullopt;
  return server_->port();
}

Status TriggerHub::Run(TimeMs now, ApiHandler& handler) {
  if (inbox_) {
    for (LoopInbox::Item& item : inbox_->Take()) {
      v1::ApiResponse response;
      if (item.request.request_case() != v1::ApiRequest::kSubmitScan) {
        response =
            ErrorResponseOf(Status::PermissionDenied("the webhook role may only submit scans"));
      } else {
        ApiEffects effects;
        response = handler.Handle(item.request, now, effects);
      }
      answered_.emplace_back(std::move(item), std::move(response));
    }
  }
  for (Schedule& schedule : schedules_) {
    RETURN_IF_ERROR(RunSchedule(schedule, now, handler));
  }
  return Status::Ok();
}

void TriggerHub::AfterCommit() {
  for (auto& [item, response] : answered_) item.reply.set_value(std::move(response));
  answered_.clear();
}

std::string TriggerHub::ProfileOf(const ScheduleEntry& entry) const {
  if (!entry.profile.empty() || entry.repo.empty()) return entry.profile;
  return repos_.FindRepo(entry.repo)->profile;
}

StatusOr<v1::ScanState> TriggerHub::ScanState(uint64_t scan_id) {
  if (scan_id == 0) return v1::SCAN_STATE_UNSPECIFIED;
  auto scan = store_.views().GetScan(scan_id);
  if (!scan.ok()) {
    if (scan.status().code() == StatusCode::kNotFound) return v1::SCAN_STATE_UNSPECIFIED;
    return scan.status();
  }
  return scan->state();
}

Status TriggerHub::RunSchedule(Schedule& schedule, TimeMs now, ApiHandler& handler) {
  const ScheduleEntry& entry = *schedule.entry;
  std::optional<TimeMs> wake = scanfleet::NextWake(entry.cron, schedule.run);
  if (!wake || *wake > now) return Status::Ok();
  bool unfinished = false;
  if (entry.overlap == OverlapPolicy::kSkip) {
    ASSIGN_OR_RETURN(v1::ScanState state, ScanState(schedule.run.last_scan_id));
    unfinished = state == v1::SCAN_QUEUED || state == v1::SCAN_RUNNING;
  }
  ScheduleDecision decision =
      DecideSchedule(entry.cron, entry.overlap, schedule.run, unfinished, now);
  if (decision.kind == ScheduleDecision::Kind::kNothing) return Status::Ok();
  if (decision.missed > 0) {
    spdlog::info("schedule '{}': {} slots missed while the controller was down; firing once",
                 entry.name, decision.missed);
  }
  schedule.run.last_slot_ms = decision.slot_ms;
  if (decision.kind == ScheduleDecision::Kind::kSkip) {
    ++schedule.run.skipped;
    spdlog::warn("schedule '{}': slot {} skipped, scan {} is still unfinished (skipped so far: {})",
                 entry.name, decision.slot_ms, schedule.run.last_scan_id, schedule.run.skipped);
    return store_.schedule_runs().Save(entry.name, schedule.run);
  }
  v1::ApiRequest request;
  v1::SubmitScanRequest& submit = *request.mutable_submit_scan();
  if (!entry.repo.empty()) {
    const RepoEntry* repo = repos_.FindRepo(entry.repo);
    submit.mutable_target()->set_repo(repo->clone_url);
    submit.mutable_target()->set_ref(entry.branch);
    submit.mutable_target()->set_branch(entry.branch);
  } else {
    submit.mutable_target()->set_url(entry.dast_target);
  }
  submit.set_profile(ProfileOf(entry));
  submit.set_trigger("schedule:" + entry.name);
  submit.set_idempotency_key("schedule:" + entry.name + ":" + std::to_string(decision.slot_ms));
  ApiEffects effects;
  v1::ApiResponse response = handler.Handle(request, now, effects);
  if (!response.error().empty()) {
    // The slot is spent either way: a refused submit is not retried every tick.
    spdlog::error("schedule '{}': slot {} not submitted: {}", entry.name, decision.slot_ms,
                  response.error());
  } else {
    schedule.run.last_scan_id = response.submit_scan().scan_id();
    spdlog::info("schedule '{}': slot {} -> scan {}{}", entry.name, decision.slot_ms,
                 schedule.run.last_scan_id,
                 response.submit_scan().duplicate() ? " (already submitted)" : "");
  }
  return store_.schedule_runs().Save(entry.name, schedule.run);
}

std::optional<TimeMs> TriggerHub::NextWake() const {
  std::optional<TimeMs> earliest;
  for (const Schedule& schedule : schedules_) {
    auto wake = scanfleet::NextWake(schedule.entry->cron, schedule.run);
    if (wake && (!earliest || *wake < *earliest)) earliest = wake;
  }
  return earliest;
}

StatusOr<v1::ScheduleListResponse> TriggerHub::ListSchedules() {
  v1::ScheduleListResponse response;
  for (const Schedule& schedule : schedules_) {
    const ScheduleEntry& entry = *schedule.entry;
    v1::ScheduleStatus& status = *response.add_schedules();
    status.set_name(entry.name);
    status.set_cron(entry.cron.text());
    status.set_next_fire_ms(scanfleet::NextWake(entry.cron, schedule.run).value_or(0));
    status.set_overlap(entry.overlap == OverlapPolicy::kSkip ? "skip" : "queue");
    status.set_last_scan_id(schedule.run.last_scan_id);
    ASSIGN_OR_RETURN(v1::ScanState state, ScanState(schedule.run.last_scan_id));
    status.set_last_scan_state(state);
    status.set_last_slot_ms(schedule.run.last_slot_ms);
    status.set_skipped(schedule.run.skipped);
    status.set_target(entry.repo.empty() ? entry.dast_target : entry.repo + "@" + entry.branch);
    status.set_profile(ProfileOf(entry).empty() ? default_profile_ : ProfileOf(entry));
  }
  return response;
}

}  // namespace scanfleet
