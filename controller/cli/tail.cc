// `scanfleet tail`: prints findings (and optionally scan events) as they are
// stored, one JSON object per line, with no gap and no duplicate: the
// EventFollower subscribes, replays after the starting seq and fills gaps.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "common/siem/json_text.h"
#include "common/wire/convert.h"
#include "controller/cli/command_table.h"
#include "controller/cli/commands.h"
#include "controller/cli/event_follower.h"
#include "controller/cli/render.h"

namespace scanfleet::cli {

namespace {

// Prints the events tail selects; returns true once tail is done. A batch's
// lines are written with one write and one flush.
class TailPrinter {
 public:
  explicit TailPrinter(const TailOptions& options) : options_(options) {}

  bool Print(const std::vector<LoggedEvent>& events) {
    std::string out;
    bool done = false;
    for (const auto& logged : events) {
      if (PrintOne(logged.event, out)) {
        done = true;
        break;
      }
    }
    std::cout << out << std::flush;
    return done;
  }

 private:
  // One line with its keys in sorted order, as a JSON value's dump() writes
  // them, built without one: a finding line has "finding", a scan line "state".
  static void AppendLine(const v1::Event& event, const v1::Finding* finding,
                         std::string_view state, std::string& out) {
    out += "{\"created_ms\":" + std::to_string(event.created_ms());
    if (finding) {
      out += ",\"finding\":";
      siem::AppendCanonicalFindingJson(*finding, out);
    }
    out += ",\"job_id\":" + std::to_string(event.job_id());
    out += ",\"scan_id\":" + std::to_string(event.scan_id());
    out += ",\"seq\":" + std::to_string(event.seq());
    if (!finding) {
      out += ",\"state\":";
      siem::AppendJsonString(state, out);
    }
    out += ",\"topic\":";
    siem::AppendJsonString(event.topic(), out);
    out += "}\n";
  }

  bool PrintOne(const v1::Event& event, std::string& out) {
    if (options_.scan_id != 0 && event.scan_id() != options_.scan_id) return false;
    if (event.has_finding()) {
      AppendLine(event, &event.finding(), "", out);
      ++findings_;
      return options_.max_findings >= 0 && findings_ >= options_.max_findings;
    }
    if (!event.has_scan()) return false;
    auto state = event.scan().state();
    if (options_.all_events) AppendLine(event, nullptr, ScanStateName(state), out);
    bool terminal =
        state == v1::SCAN_SUCCEEDED || state == v1::SCAN_FAILED || state == v1::SCAN_CANCELLED;
    return terminal && options_.until_scan_done != 0 && event.scan_id() == options_.until_scan_done;
  }

  const TailOptions& options_;
  int64_t findings_ = 0;
};

}  // namespace

int Tail(Context& context, ApiClient& client, const ClientSecurity& security,
         const TailOptions& options, int timeout_ms) {
  EventFollower follower(context, client, security, timeout_ms);
  uint64_t start = 0;
  if (options.from_seq >= 0) {
    start = static_cast<uint64_t>(options.from_seq);
  } else {
    auto newest = follower.NewestSeq();
    if (!newest.ok()) return ReportError(newest.status());
    start = *newest;
  }
  TailPrinter printer(options);
  auto status =
      follower.Follow(start, [&](const std::vector<LoggedEvent>& events) -> StatusOr<bool> {
        return printer.Print(events);
      });
  if (!status.ok()) return ReportError(status);
  return kExitOk;
}

CommandRun SetUpTail(CLI::App& command) {
  auto tail = std::make_shared<TailOptions>();
  command.add_option("--scan", tail->scan_id, "Only events of this scan");
  command.add_option("--from-seq", tail->from_seq,
                     "Replay stored events after this sequence number first (0 = everything)");
  command.add_option("--until-scan-done", tail->until_scan_done,
                     "Exit once this scan has finished");
  command.add_option("--max-findings", tail->max_findings, "Exit after this many findings");
  command.add_flag("--all-events", tail->all_events, "Print scan lifecycle events too");
  return RemoteRun([tail](Connection& connection) {
    return Tail(connection.context, connection.client, connection.security, *tail,
                connection.timeout_ms);
  });
}

}  // namespace scanfleet::cli
