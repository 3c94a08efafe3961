// scanfleet: the client CLI of a scanfleet controller. The subcommands come
// from the command table (command_table.h); this file holds the global options
// and the one sequence every command runs through: parse, then (unless the
// command is local) load the keys and connect, then run.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <utility>
#include <vector>

#include "common/transport/zmq_socket.h"
#include "controller/cli/command_table.h"
#include "controller/cli/commands.h"

namespace {

namespace cli = scanfleet::cli;

void AddGlobalOptions(CLI::App& app, cli::GlobalOptions& global) {
  const char* env_controller = std::getenv("SCANFLEET_CONTROLLER");
  global.controller = env_controller ? env_controller : "tcp://127.0.0.1:7700";
  app.add_option("--controller", global.controller,
                 "Controller API endpoint (env SCANFLEET_CONTROLLER)")
      ->capture_default_str();
  app.add_option("--timeout-ms", global.timeout_ms, "How long to wait for each controller answer")
      ->capture_default_str();
  app.require_subcommand(1);
  auto* security = app.add_option_group("Security", "CurveZMQ keys (docs/SECURITY.md)");
  security
      ->add_option("--key", global.key_file,
                   "This client's key pair (NAME.key); its .pub must be in the controller's "
                   "clients/ (or, for tail, subscribers/) directory")
      ->envname("SCANFLEET_KEY");
  security
      ->add_option("--controller-key", global.controller_key_file,
                   "The controller's public key (controller.pub)")
      ->envname("SCANFLEET_CONTROLLER_KEY");
  security
      ->add_flag("--insecure-dev", global.insecure_dev,
                 "Plaintext, for a controller started with --insecure-dev")
      ->envname("SCANFLEET_INSECURE_DEV");
}

int RunCommand(const cli::CommandRun& run, const cli::GlobalOptions& global) {
  if (run.local && (!run.run_locally || run.run_locally())) return run.local(global);
  auto security = scanfleet::ClientSecurity::Load(global.insecure_dev, global.key_file,
                                                  global.controller_key_file);
  if (!security.ok()) {
    std::cerr << "scanfleet: " << security.status().message() << "\n";
    return cli::kExitUsage;
  }
  if (run.before_connect) {
    if (scanfleet::Status ready = run.before_connect(); !ready.ok()) return cli::ReportError(ready);
  }
  scanfleet::Context context;
  scanfleet::ApiClient client(context, global.controller, "cli", security->Curve());
  cli::Connection connection{context, client, *security, global.timeout_ms};
  return run.remote(connection);
}

}  // namespace

int main(int argc, char** argv) {
  cli::GlobalOptions global;
  CLI::App app{
      "scanfleet: submit security scans to a scanfleet controller and read their results.\n"
      "Exit codes: 0 ok, 1 --fail-on met, 2 bad usage/request, 3 scan failed, "
      "4 controller unreachable."};
  AddGlobalOptions(app, global);
  std::vector<std::pair<CLI::App*, cli::CommandRun>> runs;
  for (const cli::Command& command : cli::Commands()) {
    CLI::App* subcommand = app.add_subcommand(command.name, command.help);
    runs.emplace_back(subcommand, command.set_up(*subcommand));
  }
  CLI11_PARSE(app, argc, argv);
  for (const auto& [subcommand, run] : runs) {
    if (subcommand->parsed()) return RunCommand(run, global);
  }
  return cli::kExitUsage;
}
