// `scanfleet verify-log`: checks that an event log is the one the controller
// signed (docs/SECURITY.md, "Tamper-evident log") and names the first seq that
// was deleted, altered, inserted or reordered. Reads a controller's database
// (--database, offline), a SIEM file sink's ECS output (--file, offline), or
// by default the live controller's replay (optionally after asking it for a
// fresh checkpoint). Exit 0: verified; 1: tampered; 2: bad usage or an
// unreadable source; 4: controller unreachable.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "common/eventlog/log_auditor.h"
#include "common/security/checkpoint_signing.h"
#include "controller/cli/command_table.h"
#include "controller/cli/commands.h"
#include "controller/cli/log_sources.h"

namespace scanfleet::cli {

namespace {

struct VerifyLogOptions {
  std::string database;
  std::string file;
  uint64_t after_seq = 0;
  bool checkpoint_now = false;
  bool json = false;
};

int Report(const LogAudit& audit, const std::string& described, bool signatures, bool json) {
  if (json) {
    nlohmann::json out = {{"source", described},
                          {"ok", audit.ok()},
                          {"records", audit.records},
                          {"first_seq", audit.first_seq},
                          {"last_seq", audit.last_seq},
                          {"checkpoints_verified", audit.checkpoints_verified},
                          {"covered_through", audit.covered_through},
                          {"signatures_checked", signatures}};
    if (audit.problem) {
      out["problem"] = {{"kind", LogProblemName(audit.problem->kind)},
                        {"seq", audit.problem->seq},
                        {"detail", audit.problem->detail}};
    }
    std::cout << out.dump(2) << "\n";
    return audit.ok() ? kExitOk : kExitFailOn;
  }
  std::cout << "verify-log: " << described << "\n";
  if (audit.problem) {
    std::cout << "TAMPERED at seq " << audit.problem->seq << " ("
              << LogProblemName(audit.problem->kind) << "): " << audit.problem->detail << "\n";
    return kExitFailOn;
  }
  if (audit.records == 0) {
    std::cout << "no events to check\n";
    return kExitOk;
  }
  std::cout << "seqs " << audit.first_seq << ".." << audit.last_seq << ": the hash chain holds\n";
  if (!signatures) {
    std::cout << "no controller key (--insecure-dev): signatures were not checked\n";
  } else if (audit.covered_through == 0) {
    std::cout << "no signed checkpoint covers these events yet (the controller signs one every "
                 "--checkpoint-interval-ms; --checkpoint-now asks for one)\n";
  } else {
    std::cout << audit.checkpoints_verified
              << " signed checkpoint(s) verified, covering seqs up to " << audit.covered_through
              << "\n";
    if (audit.last_seq > audit.covered_through) {
      std::cout << audit.last_seq - audit.covered_through
                << " later event(s) are not covered by a signature yet\n";
    }
  }
  std::cout << "ok\n";
  return kExitOk;
}

int VerifyLog(const VerifyLogOptions& options, const GlobalOptions& global,
              Connection* connection) {
  std::optional<PublicKey> controller;
  if (connection) {
    controller = connection->security.controller;
  } else if (!global.controller_key_file.empty()) {
    auto key = LoadPublicKey(global.controller_key_file);
    if (!key.ok()) return ReportError(key.status().WithContext("--controller-key"));
    controller = *key;
  } else if (!global.insecure_dev) {
    std::cerr << "scanfleet: verify-log needs the controller's public key (--controller-key "
                 "controller.pub) to check the log's signed checkpoints; --insecure-dev checks "
                 "the chain only\n";
    return kExitUsage;
  }
  LogAuditor auditor([&](const v1::LogCheckpoint& checkpoint) {
    return controller ? VerifyCheckpoint(checkpoint, *controller) : Status::Ok();
  });
  std::string described;
  Status read = Status::Ok();
  if (!options.database.empty()) {
    read = AuditDatabase(options.database, auditor, &described);
  } else if (!options.file.empty()) {
    read = AuditSinkFile(options.file, auditor, &described);
  } else {
    ReplayAudit replay{options.after_seq, options.checkpoint_now, global.timeout_ms};
    read = AuditReplay(connection->context, connection->client, connection->security, replay,
                       auditor, &described);
  }
  if (!read.ok()) return ReportError(read);
  return Report(auditor.Finish(), described, controller.has_value(), options.json);
}

}  // namespace

CommandRun SetUpVerifyLog(CLI::App& command) {
  auto options = std::make_shared<VerifyLogOptions>();
  auto* source = command.add_option_group("Source",
                                          "Where the log is read (default: the "
                                          "controller's replay)");
  source->add_option("--database", options->database,
                     "A controller's SQLite database, read offline (read-only)");
  source->add_option("--file", options->file,
                     "A SIEM file sink's output (`scanfleet siem --sink file:PATH`, ECS)");
  source->require_option(0, 1);
  command.add_option("--from-seq", options->after_seq,
                     "Replay: check the events after this seq (0: the whole stored log)");
  command.add_flag("--checkpoint-now", options->checkpoint_now,
                   "Replay: ask the controller to sign its log's head first, so every event "
                   "stored so far is covered (needs a client key)");
  command.add_flag("--json", options->json, "One JSON object instead of text");
  CommandRun run;
  // --database and --file never reach the controller; the replay does.
  run.local = [options](const GlobalOptions& global) {
    return VerifyLog(*options, global, nullptr);
  };
  run.run_locally = [options] { return !options->database.empty() || !options->file.empty(); };
  run.remote = [options](Connection& connection) {
    GlobalOptions global;
    global.timeout_ms = connection.timeout_ms;
    return VerifyLog(*options, global, &connection);
  };
  return run;
}

}  // namespace scanfleet::cli
