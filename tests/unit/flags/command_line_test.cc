// The three command lines: the daemons' flags land in their configs, the
// NAME=VALUE flags are parsed (and refused, naming the flag) after CLI11, and
// the CLI's command table sets every subcommand up once, local or remote.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "controller/cli/command_table.h"
#include "controller/cli/commands.h"
#include "controller/flags/controller_flags.h"
#include "worker/flags/worker_flags.h"

namespace scanfleet {
namespace {

// Parses `args` into `flags` as the controller's main does, then completes the config.
Status ParseController(const std::string& args, ControllerFlags& flags) {
  CLI::App app;
  AddControllerFlags(app, flags);
  app.parse(args);
  return CompleteControllerConfig(flags);
}

TEST(ControllerFlagsTest, DefaultsAreTheConfigsAndTheShippedRegistry) {
  ControllerFlags flags;
  ASSERT_TRUE(ParseController("", flags).ok());
  ControllerConfig defaults;
  EXPECT_EQ(flags.config.api_port, defaults.api_port);
  EXPECT_EQ(flags.config.pools, defaults.pools);
  EXPECT_EQ(flags.config.jobs_port, defaults.jobs_port);
  EXPECT_EQ(flags.config.zmtp_heartbeat_ms, 0) << "ZMTP heartbeats are off on worker sockets";
  EXPECT_EQ(flags.config.database_path, defaults.database_path);
  EXPECT_EQ(flags.log_level, "info");
  // The shipped registry's scanners of the default pools are offered.
  EXPECT_EQ(flags.config.scanner_pools.at("flawfinder"), "sast");
  EXPECT_EQ(flags.config.scanner_kinds.at("flawfinder"), "sast");
  EXPECT_TRUE(flags.config.per_file_scanners.count("flawfinder"));
}

TEST(ControllerFlagsTest, TopicsFillTheirFields) {
  ControllerFlags flags;
  ASSERT_TRUE(ParseController("--api-port 1 --api-port 9 --lease-ms 1234 --event-retention-ms 0 "
                              "--max-batch 7 --webhook-max-body 99 --insecure-dev "
                              "--log-level debug",
                              flags)
                  .ok());
  EXPECT_EQ(flags.config.api_port, 9u);  // a flag given twice: the last one wins
  EXPECT_EQ(flags.config.scheduler.lease_ms, 1234);
  EXPECT_EQ(flags.config.event_retention_ms, 0);
  EXPECT_EQ(flags.config.max_batch, 7);
  EXPECT_EQ(flags.config.webhook_max_body_bytes, 99);
  EXPECT_TRUE(flags.config.insecure_dev);
  EXPECT_EQ(flags.log_level, "debug");
}

TEST(ControllerFlagsTest, NameValueFlagsAreParsed) {
  ControllerFlags flags;
  ASSERT_TRUE(ParseController("--pool sast --jobs-port 9000 --profile quick=flawfinder,,bandit "
                              "--scanner-pool bandit=sast --pool-max-running sast=3 "
                              "--profile-max-failures quick=5",
                              flags)
                  .ok());
  EXPECT_EQ(flags.config.pools, (std::set<std::string>{"sast"}));
  EXPECT_EQ(flags.config.jobs_port, 9000u);
  EXPECT_EQ(flags.config.profiles,
            (std::map<std::string, std::vector<std::string>>{{"quick", {"flawfinder", "bandit"}}}));
  EXPECT_EQ(flags.config.scanner_pools.at("bandit"), "sast");
  EXPECT_EQ(flags.config.scheduler.limits.pool_max_running.at("sast"), 3u);
  EXPECT_EQ(flags.config.profile_max_failures.at("quick"), 5u);
  // Only the pools served: no scanner of the dast pool is offered without it.
  for (const auto& [scanner, pool] : flags.config.scanner_pools) EXPECT_EQ(pool, "sast") << scanner;
}

TEST(ControllerFlagsTest, BadValuesAreRefusedNamingTheFlag) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--pool sast=7710",
       "--pool takes a pool name, got 'sast=7710': since protocol version 2 every pool's jobs "
       "travel on --jobs-port"},
      {"--profile quick=", "--profile wants NAME=SCANNER[,SCANNER...], got 'quick='"},
      {"--scanner-pool bandit", "--scanner-pool wants SCANNER=POOL, got 'bandit'"},
      {"--pool-max-running sast=0", "--pool-max-running wants POOL=N with N >= 1, got 'sast=0'"},
      {"--profile-max-failures quick",
       "--profile-max-failures wants PROFILE=N with N >= 1, got 'quick'"},
      {"--suppressions /nonexistent/s.json", "--suppressions: cannot read /nonexistent/s.json"},
  };
  for (const auto& [args, message] : cases) {
    ControllerFlags flags;
    Status status = ParseController(args, flags);
    EXPECT_FALSE(status.ok()) << args;
    EXPECT_EQ(status.message(), message) << args;
  }
}

TEST(ControllerFlagsTest, CheckedRangesAreEnforcedByTheParser) {
  ControllerFlags flags;
  EXPECT_THROW(ParseController("--webhook-max-body 0", flags), CLI::ValidationError);
  EXPECT_THROW(ParseController("--zmtp-heartbeat-ms -1", flags), CLI::ValidationError);
}

TEST(WorkerFlagsTest, CreditAndHeartbeatDefaults) {
  WorkerFlags flags;
  CLI::App app;
  AddWorkerFlags(app, flags);
  app.parse("");
  EXPECT_EQ(flags.config.prefetch, 1u) << "one job may wait beyond the slots";
  EXPECT_EQ(flags.config.zmtp_heartbeat_ms, 0) << "ZMTP heartbeats are off";
}

TEST(WorkerFlagsTest, TopicsFillTheirFields) {
  WorkerFlags flags;
  CLI::App app;
  AddWorkerFlags(app, flags);
  app.parse(
      "--pools sast,dast --slots 4 --drain-grace-ms 10 --scanner-max-memory-mb 128 "
      "--sast-network allow --print-registry --log-level warn --prefetch 3 "
      "--zmtp-heartbeat-ms 500");
  EXPECT_EQ(flags.config.prefetch, 3u);
  EXPECT_EQ(flags.config.zmtp_heartbeat_ms, 500);
  EXPECT_EQ(flags.config.pools, (std::vector<std::string>{"sast", "dast"}));
  EXPECT_EQ(flags.config.slots, 4u);
  EXPECT_EQ(flags.config.drain_grace_ms, 10);
  EXPECT_EQ(flags.config.sandbox.max_memory_mb, 128u);
  EXPECT_EQ(flags.config.sandbox.sast_network, "allow");
  EXPECT_TRUE(flags.print_registry);
  EXPECT_EQ(flags.log_level, "warn");
}

TEST(WorkerFlagsTest, CheckedRangesAreEnforcedByTheParser) {
  for (const std::string args : {"--slots 0", "--drain-grace-ms 86400001", "--sast-network maybe",
                                 "--prefetch 17", "--zmtp-heartbeat-ms -1"}) {
    WorkerFlags flags;
    CLI::App app;
    AddWorkerFlags(app, flags);
    EXPECT_THROW(app.parse(args), CLI::ValidationError) << args;
  }
}

TEST(CommandTableTest, EverySubcommandIsSetUpOnceLocalOrRemote) {
  const std::set<std::string> local = {"keys", "hook"};
  const std::set<std::string> either = {"verify-log"};  // local or remote by its flags
  std::set<std::string> names;
  CLI::App app;
  for (const cli::Command& command : cli::Commands()) {
    EXPECT_TRUE(names.insert(command.name).second) << command.name << " twice";
    EXPECT_FALSE(std::string(command.help).empty()) << command.name;
    cli::CommandRun run = command.set_up(*app.add_subcommand(command.name, command.help));
    if (either.count(command.name)) {
      EXPECT_TRUE(run.local && run.remote && run.run_locally) << command.name;
      continue;
    }
    EXPECT_EQ(bool(run.local), local.count(command.name) == 1) << command.name;
    EXPECT_NE(bool(run.local), bool(run.remote)) << command.name;
    // Only siem prepares before the connection (its stop signals).
    EXPECT_EQ(bool(run.before_connect), std::string(command.name) == "siem") << command.name;
  }
  EXPECT_EQ(names.size(), 16u);
}

TEST(CommandTableTest, ALocalCommandRunsWithoutAController) {
  CLI::App app;
  cli::CommandRun keys;
  for (const cli::Command& command : cli::Commands()) {
    CLI::App* subcommand = app.add_subcommand(command.name, command.help);
    cli::CommandRun run = command.set_up(*subcommand);
    if (std::string(command.name) == "keys") keys = run;
  }
  std::string base = ::testing::TempDir() + "command_line_test_XXXXXX";
  ASSERT_NE(mkdtemp(base.data()), nullptr);
  std::string dir = base + "/keys";  // created by the command
  app.parse("keys generate ci --out " + dir);
  ASSERT_TRUE(keys.local);
  EXPECT_EQ(keys.local(cli::GlobalOptions{}), cli::kExitOk);
  EXPECT_TRUE(std::filesystem::exists(dir + "/ci.key"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/ci.pub"));
  std::filesystem::remove_all(base);
}

}  // namespace
}  // namespace scanfleet
