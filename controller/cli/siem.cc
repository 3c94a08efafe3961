// `scanfleet siem`: a long-running bridge from the controller's event stream
// to SIEM sinks (syslog over TCP with CEF or LEEF, ECS or OCSF JSON lines,
// Splunk HTTP Event Collector).
//
// It resumes after the seq in its --cursor file, follows the stream with the
// EventFollower (verified, gap-free, duplicate-free) and hands each batch to a
// SinkFanout, which blocks on a sink that is down and saves the cursor once
// every sink has a batch. A lost controller is retried the same way; a sink
// that refuses a batch for good (FailedPrecondition, e.g. a bad Splunk HEC
// token) stops the bridge with an error and the cursor before it. SIGTERM
// or SIGINT stops it between batches. docs/SIEM.md has the guarantees.
#include <poll.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <optional>

#include "common/fs/posix_file_system.h"
#include "common/process/stop_signal.h"
#include "common/siem/sink_fanout.h"
#include "common/siem/sink_uri.h"
#include "controller/cli/command_table.h"
#include "controller/cli/commands.h"
#include "controller/cli/event_follower.h"

namespace scanfleet::cli {

namespace {

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

// Sleeps up to ms; false when a stop signal arrived.
bool WaitOrStop(int stop_fd, int64_t ms) {
  pollfd entry{stop_fd, POLLIN, 0};
  return poll(&entry, 1, static_cast<int>(ms)) <= 0;
}

// The sinks of the --sink URIs, or the usage error naming the one that is wrong.
StatusOr<std::vector<std::unique_ptr<siem::EventSink>>> MakeSinks(
    const std::vector<std::string>& uris) {
  siem::SinkContext sink_context{SCANFLEET_VERSION, HostName()};
  std::vector<std::unique_ptr<siem::EventSink>> sinks;
  for (const auto& uri : uris) {
    auto spec = siem::ParseSinkUri(uri);
    if (!spec.ok()) {
      return Status::InvalidArgument("--sink " + uri + ": " + spec.status().message());
    }
    auto sink = siem::MakeSink(*spec, sink_context);
    if (!sink.ok()) {
      return Status::InvalidArgument("--sink " + uri + ": " + sink.status().message());
    }
    sinks.push_back(std::move(*sink));
  }
  return sinks;
}

// Follows the event stream into the fan-out until a stop signal arrives. A lost
// controller is retried with backoff; a sink's permanent refusal, wrong keys
// or forged events end the bridge with an error.
int ForwardUntilStopped(Context& context, ApiClient& client, const ClientSecurity& security,
                        int timeout_ms, siem::SinkFanout& fanout, int stop_fd) {
  bool stopped = false;
  auto should_stop = [&] {
    stopped = stopped || !WaitOrStop(stop_fd, 0);
    return stopped;
  };
  int64_t backoff_ms = 100;
  bool controller_down = false;
  std::optional<Status> sink_refused;  // a sink's permanent error stops the bridge
  while (!should_stop()) {
    // Sinks write each event's chain hashes (verify-log reads them).
    EventFollower follower(context, client, security, timeout_ms, /*chains_per_event=*/true);
    auto status = follower.Follow(
        fanout.cursor_seq(),
        [&](const std::vector<LoggedEvent>& events) -> StatusOr<bool> {
          if (controller_down) std::cerr << "scanfleet siem: controller is back\n";
          controller_down = false;
          backoff_ms = 100;
          if (Status delivered = fanout.Deliver(events); !delivered.ok()) {
            if (delivered.code() == StatusCode::kFailedPrecondition) sink_refused = delivered;
            return delivered;
          }
          return should_stop();
        },
        should_stop);
    if (sink_refused) return ReportError(*sink_refused);  // e.g. a bad HEC token
    if (status.ok() || should_stop()) break;
    if (status.code() == StatusCode::kPermissionDenied || status.code() == StatusCode::kDataLoss) {
      return ReportError(status);  // wrong keys or forged events: retrying cannot help
    }
    if (!controller_down) {
      std::cerr << "scanfleet siem: " << status.ToString() << "; retrying with backoff\n";
    }
    controller_down = true;
    if (!WaitOrStop(stop_fd, backoff_ms)) break;
    backoff_ms = std::min<int64_t>(backoff_ms * 2, 10000);
  }
  std::cerr << "scanfleet siem: stopped after seq " << fanout.cursor_seq() << "\n";
  return kExitOk;
}

}  // namespace

int Siem(Context& context, ApiClient& client, const ClientSecurity& security,
         const SiemOptions& options, int timeout_ms) {
  int stop_fd = options.stop_fd;
  if (stop_fd < 0) {
    auto made = StopSignalFd();
    if (!made.ok()) return ReportError(made.status());
    stop_fd = *made;
  }
  if (options.sinks.empty()) {
    std::cerr << "scanfleet siem: give at least one --sink\n";
    return kExitUsage;
  }
  auto sinks = MakeSinks(options.sinks);
  if (!sinks.ok()) {
    std::cerr << "scanfleet siem: " << sinks.status().message() << "\n";
    return kExitUsage;
  }

  std::optional<siem::CursorFile> cursor;
  uint64_t start = options.from_seq >= 0 ? static_cast<uint64_t>(options.from_seq) : 0;
  if (!options.cursor_path.empty()) {
    cursor.emplace(DefaultFileSystem(), options.cursor_path);
    auto saved = cursor->Load();
    if (!saved.ok()) return ReportError(saved.status());
    if (*saved > 0) start = *saved;  // an existing cursor wins over --from-seq
  }

  siem::FanoutOptions fanout_options;
  fanout_options.topic_prefixes = options.topic_prefixes;
  fanout_options.max_batch = options.max_batch;
  auto wait = [stop_fd](int64_t ms) { return WaitOrStop(stop_fd, ms); };
  siem::SinkFanout fanout(std::move(*sinks), cursor ? &*cursor : nullptr, fanout_options, wait,
                          std::cerr);
  fanout.set_cursor_seq(start);
  std::cerr << "scanfleet siem: forwarding events after seq " << start << "\n";
  return ForwardUntilStopped(context, client, security, timeout_ms, fanout, stop_fd);
}

CommandRun SetUpSiem(CLI::App& command) {
  auto siem = std::make_shared<SiemOptions>();
  command
      .add_option("--sink", siem->sinks,
                  "syslog-tcp://HOST:PORT[?format=cef|leef], file:PATH[?format=ecs|ocsf] or "
                  "stdout[?format=ecs|ocsf]; repeatable")
      ->required();
  command.add_option("--cursor", siem->cursor_path,
                     "File holding the last seq every sink got; a restart resumes after it");
  command.add_option("--from-seq", siem->from_seq,
                     "Without a saved cursor, start after this seq (default: everything)");
  command.add_option("--topics", siem->topic_prefixes,
                     "Forward only topics starting with this prefix, e.g. finding. "
                     "(repeatable; default: all)");
  command.add_option("--max-batch", siem->max_batch, "Events per sink write and cursor save")
      ->capture_default_str();
  CommandRun run;
  // Before the ZeroMQ context starts threads, so they inherit the blocked mask.
  run.before_connect = [siem]() -> Status {
    ASSIGN_OR_RETURN(siem->stop_fd, StopSignalFd());
    return Status::Ok();
  };
  run.remote = [siem](Connection& connection) {
    return Siem(connection.context, connection.client, connection.security, *siem,
                connection.timeout_ms);
  };
  return run;
}

}  // namespace scanfleet::cli
