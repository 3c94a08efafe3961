// `scanfleet schedules`: the controller's scheduled scans, their next slot and
// what their last run did.
#include <CLI/CLI.hpp>
#include <ctime>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/wire/convert.h"
#include "controller/cli/command_table.h"
#include "controller/cli/commands.h"
#include "controller/cli/render.h"

namespace scanfleet::cli {

namespace {

std::string UtcTime(int64_t ms) {
  if (ms <= 0) return "-";
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

int Schedules(ApiClient& client, bool json, int timeout_ms) {
  v1::ApiRequest request;
  request.mutable_list_schedules();
  auto response = client.Call(request, timeout_ms);
  if (!response.ok()) return ReportError(response.status());
  const auto& schedules = response->schedules().schedules();
  if (json) {
    nlohmann::json list = nlohmann::json::array();
    for (const v1::ScheduleStatus& s : schedules) {
      list.push_back({{"name", s.name()},
                      {"cron", s.cron()},
                      {"target", s.target()},
                      {"profile", s.profile()},
                      {"next_fire_ms", s.next_fire_ms()},
                      {"next_fire", UtcTime(s.next_fire_ms())},
                      {"overlap", s.overlap()},
                      {"last_slot_ms", s.last_slot_ms()},
                      {"last_scan_id", s.last_scan_id()},
                      {"last_scan_state", s.last_scan_id() == 0
                                              ? std::string()
                                              : std::string(ScanStateName(s.last_scan_state()))},
                      {"skipped", s.skipped()}});
    }
    std::cout << list.dump(2) << "\n";
    return kExitOk;
  }
  if (schedules.empty()) {
    std::cout << "no schedules (add \"schedules\" to the controller's --repos file)\n";
    return kExitOk;
  }
  std::cout << Pad("NAME", 20) << Pad("CRON", 22) << Pad("NEXT (UTC)", 22) << Pad("OVERLAP", 9)
            << Pad("LAST SCAN", 11) << Pad("STATE", 11) << "SKIPPED\n";
  for (const v1::ScheduleStatus& s : schedules) {
    std::string last = s.last_scan_id() == 0 ? "-" : std::to_string(s.last_scan_id());
    std::string state =
        s.last_scan_id() == 0 ? "-" : std::string(ScanStateName(s.last_scan_state()));
    std::cout << Pad(s.name(), 20) << Pad(s.cron(), 22) << Pad(UtcTime(s.next_fire_ms()), 22)
              << Pad(s.overlap(), 9) << Pad(last, 11) << Pad(state, 11) << s.skipped() << "\n";
  }
  return kExitOk;
}

CommandRun SetUpSchedules(CLI::App& command) {
  auto json = std::make_shared<bool>(false);
  command.add_flag("--json", *json, "Machine-readable output");
  return RemoteRun([json](Connection& connection) {
    return Schedules(connection.client, *json, connection.timeout_ms);
  });
}

}  // namespace scanfleet::cli
