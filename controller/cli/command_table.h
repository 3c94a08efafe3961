// The scanfleet CLI as a table: each subcommand's name, its one-line help and
// the function that adds its options to its CLI11 subcommand and returns how it
// runs. main.cc adds the global options, walks the table, parses, and runs the
// one subcommand given. Each set-up function lives beside its command, so a
// command's flags, defaults and help sit next to the code that reads them.
// Thread-safety: main thread only.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <utility>

#include "common/api/api_client.h"
#include "common/security/client_security.h"
#include "common/status/status.h"

namespace CLI {
class App;
}  // namespace CLI

namespace scanfleet::cli {

// The options given before the subcommand, shared by all of them.
struct GlobalOptions {
  std::string controller;  // API endpoint (env SCANFLEET_CONTROLLER)
  int timeout_ms = 5000;   // how long to wait for each controller answer
  std::string key_file;    // this client's key pair (NAME.key)
  std::string controller_key_file;
  bool insecure_dev = false;
};

// A command's way to the controller, made after parsing from GlobalOptions.
struct Connection {
  Context& context;
  ApiClient& client;
  const ClientSecurity& security;
  int timeout_ms;
};

// How a parsed subcommand runs: `local` for the commands that never reach
// the controller (keys, hook; no keys are loaded), else `remote`. Each returns
// the process exit code (commands.h).
struct CommandRun {
  std::function<int(const GlobalOptions&)> local;
  // For a command that is local or remote by its flags: true runs `local`.
  std::function<bool()> run_locally;
  // Runs before the ZeroMQ context exists: threads it starts inherit the signal
  // mask set here (siem blocks its stop signals). An error ends the command.
  std::function<Status()> before_connect;
  std::function<int(Connection&)> remote;
};

inline CommandRun LocalRun(std::function<int(const GlobalOptions&)> local) {
  CommandRun run;
  run.local = std::move(local);
  return run;
}

inline CommandRun RemoteRun(std::function<int(Connection&)> remote) {
  CommandRun run;
  run.remote = std::move(remote);
  return run;
}

struct Command {
  const char* name;
  const char* help;  // one line in `scanfleet --help`
  // Adds the subcommand's options, bound to state the returned run owns.
  CommandRun (*set_up)(CLI::App& command);
};

// The subcommands, in the order `scanfleet --help` lists them.
std::span<const Command> Commands();

// The set-up functions of Commands(), each defined beside its command.
CommandRun SetUpKeys(CLI::App& command);       // keys.cc
CommandRun SetUpSubmit(CLI::App& command);     // submit.cc
CommandRun SetUpStatus(CLI::App& command);     // commands.cc
CommandRun SetUpFindings(CLI::App& command);   // commands.cc
CommandRun SetUpWorkers(CLI::App& command);    // commands.cc
CommandRun SetUpStats(CLI::App& command);      // commands.cc
CommandRun SetUpVerifyLog(CLI::App& command);  // verify_log.cc
CommandRun SetUpSchedules(CLI::App& command);  // schedules.cc
CommandRun SetUpTail(CLI::App& command);       // tail.cc
CommandRun SetUpSiem(CLI::App& command);       // siem.cc
CommandRun SetUpCancel(CLI::App& command);     // manage.cc
CommandRun SetUpRetry(CLI::App& command);      // manage.cc
CommandRun SetUpReparse(CLI::App& command);    // manage.cc
CommandRun SetUpDiff(CLI::App& command);       // diff.cc
CommandRun SetUpHook(CLI::App& command);       // hook.cc
CommandRun SetUpReport(CLI::App& command);     // report.cc

}  // namespace scanfleet::cli
