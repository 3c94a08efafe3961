// ClientSecurity: the keys a worker, the CLI or a subscriber connects with.
//
// Load() reads the peer's own key pair and the controller's public key, or,
// with insecure set, nothing (plaintext development mode). Without keys and
// without insecure it fails with a message saying how to get keys: security
// is never switched off by omission.
// Thread-safety: a plain value.
#pragma once

#include <optional>
#include <string>

#include "common/security/keys.h"
#include "common/status/status.h"
#include "common/transport/zmq_socket.h"

namespace scanfleet {

struct ClientSecurity {
  std::optional<KeyPair> own;
  std::optional<PublicKey> controller;

  bool enabled() const { return own.has_value(); }
  // CurveZMQ client settings (role kNone when not enabled).
  CurveOptions Curve() const;

  // `flags` names the options in errors, e.g. "--key/--controller-key".
  static StatusOr<ClientSecurity> Load(bool insecure, const std::string& key_file,
                                       const std::string& controller_key_file);
};

}  // namespace scanfleet
