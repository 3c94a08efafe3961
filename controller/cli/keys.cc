// `scanfleet keys generate`: writes a key pair for a controller, worker,
// client or subscriber (docs/SECURITY.md).
#include "common/security/keys.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "controller/cli/command_table.h"
#include "controller/cli/commands.h"

namespace scanfleet::cli {

int GenerateKeys(const std::string& name, const std::string& dir) {
  KeyPair pair = GenerateKeyPair(name);
  if (Status written = WriteKeyPair(dir, pair); !written.ok()) {
    std::cerr << "scanfleet keys generate: " << written.message() << "\n";
    return kExitUsage;
  }
  std::cout << "wrote " << dir << "/" << name << ".key (secret, mode 0600) and " << dir << "/"
            << name << ".pub (public)\nkey id " << pair.public_key.key_id
            << "\nallow it by copying " << name
            << ".pub into the controller's --authorized-keys directory under workers/, "
               "clients/ or subscribers/, then send the controller SIGHUP\n";
  return kExitOk;
}

CommandRun SetUpKeys(CLI::App& command) {
  struct Options {
    std::string name;
    std::string dir = ".";
  };
  auto options = std::make_shared<Options>();
  command.require_subcommand(1);
  auto* generate = command.add_subcommand(
      "generate", "Write NAME.key (secret, 0600) and NAME.pub (public) into a directory");
  generate->add_option("name", options->name, "Key name, e.g. controller, worker-1, ci")
      ->required();
  generate->add_option("--out", options->dir, "Directory to write into (created if missing)")
      ->capture_default_str();
  return LocalRun([options, generate](const GlobalOptions&) {
    return generate->parsed() ? GenerateKeys(options->name, options->dir) : kExitUsage;
  });
}

}  // namespace scanfleet::cli
