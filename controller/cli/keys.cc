// `scanfleet keys generate`: writes a key pair for a controller, worker,
// client or subscriber (docs/SECURITY.md).
#include "common/security/keys.h"

#include <iostream>

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

}  // namespace scanfleet::cli
