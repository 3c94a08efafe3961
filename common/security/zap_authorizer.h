// ZapAuthorizer: the ZAP handler (RFC 27) that decides which CurveZMQ client
// keys may connect to which controller socket.
//
// Each server socket names a domain ("api", "workers", "events"); each domain
// allows the keys of some roles (workers / clients / subscribers), loaded from
// the deployment's key directories. Anything else is refused: unknown key,
// unknown domain, a mechanism other than CURVE. The handler thread answers on
// inproc://zeromq.zap.01 and must be started before any server socket is
// bound; libzmq then refuses every client if it is missing (ZAP_ENFORCE_DOMAIN).
// Reload() swaps the allowlists atomically: a revoked key is refused on its
// next connection. The reply's User-Id is "role:key-name".
// Thread-safety: Reload and counters may be used from any thread.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/security/keys.h"
#include "common/status/status.h"
#include "common/transport/zmq_socket.h"

namespace scanfleet {

// Keys allowed per role, and the roles allowed per domain.
struct ZapPolicy {
  std::map<std::string, std::vector<PublicKey>> keys_by_role;    // "workers" -> keys
  std::map<std::string, std::set<std::string>> roles_by_domain;  // "api" -> {"clients", ...}

  // Loads DIR/workers, DIR/clients and DIR/subscribers (each *.pub) and the
  // controller's fixed domain map.
  static StatusOr<ZapPolicy> LoadDeployment(const std::string& authorized_dir);

  struct Decision {
    bool allowed = false;
    std::string user_id;  // "role:name" when allowed
    std::string reason;   // why not, for the log
  };
  Decision Decide(const std::string& domain, const std::string& mechanism,
                  const std::string& client_key) const;

  // Every signing key of a role (for the result/event verifiers).
  std::vector<PublicKey> KeysOf(const std::string& role) const;
  // Whether a connection authorized as `user_id` ("role:name") may still use
  // `domain`: its role is allowed there and a key of that name is listed.
  bool Allows(const std::string& domain, const std::string& user_id) const;
  // The user ids ("role:name", with the key) allowed on `domain`.
  std::set<std::string> UsersOf(const std::string& domain) const;
};

class ZapAuthorizer {
 public:
  ZapAuthorizer(Context& context, ZapPolicy policy);
  ~ZapAuthorizer();  // stops the thread
  ZapAuthorizer(const ZapAuthorizer&) = delete;
  ZapAuthorizer& operator=(const ZapAuthorizer&) = delete;

  // Binds the handler socket and starts answering; call before binding servers.
  Status Start();
  void Reload(ZapPolicy policy);
  // ZapPolicy::Allows under the current policy: a connection made before a
  // reload that revoked its key is refused from then on.
  bool Allows(const std::string& domain, const std::string& user_id) const;
  std::set<std::string> UsersOf(const std::string& domain) const;

  uint64_t allowed() const { return allowed_.load(); }
  uint64_t denied() const { return denied_.load(); }

 private:
  void Run(Socket socket);
  Frames Answer(const Frames& request);

  std::shared_ptr<const ZapPolicy> Policy() const;

  Context& context_;
  mutable std::mutex mutex_;
  std::shared_ptr<const ZapPolicy> policy_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> allowed_{0};
  std::atomic<uint64_t> denied_{0};
  std::thread thread_;
};

}  // namespace scanfleet
