#include "common/security/client_security.h"

namespace scanfleet {

CurveOptions ClientSecurity::Curve() const {
  CurveOptions curve;
  if (!enabled()) return curve;
  curve.role = CurveOptions::Role::kClient;
  curve.public_key = own->public_key.curve_public;
  curve.secret_key = own->curve_secret;
  curve.server_key = controller->curve_public;
  return curve;
}

StatusOr<ClientSecurity> ClientSecurity::Load(bool insecure, const std::string& key_file,
                                              const std::string& controller_key_file) {
  ClientSecurity security;
  if (insecure) return security;
  if (key_file.empty() || controller_key_file.empty()) {
    return Status::InvalidArgument(
        "no keys: pass --key NAME.key (this peer's key pair) and --controller-key "
        "controller.pub (or set SCANFLEET_KEY and SCANFLEET_CONTROLLER_KEY); create them with "
        "`scanfleet keys generate NAME --out DIR` (docs/SECURITY.md), or pass --insecure-dev "
        "against a controller started with --insecure-dev");
  }
  ASSIGN_OR_RETURN(security.own, LoadKeyPair(key_file));
  ASSIGN_OR_RETURN(security.controller, LoadPublicKey(controller_key_file));
  return security;
}

}  // namespace scanfleet
