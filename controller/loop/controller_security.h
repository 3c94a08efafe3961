// ControllerSecurity: everything the controller does to authenticate peers
// and sign what it publishes (docs/SECURITY.md).
//
// It loads the controller's key pair and the deployment's allowlists, runs the
// ZAP handler (started before any socket is bound), verifies worker frames
// before they are decoded — [envelope, SignedHeader, Ed25519 signature], or,
// once a signed hello opened a MAC session, [envelope, SessionHeader, MAC]
// (common/security/session_mac.h) — and signs events. Reload() re-reads the
// allowlists (SIGHUP): a revoked worker key can neither connect again nor get
// another frame accepted (its MAC sessions are dropped).
// Thread-safety: owned by the loop thread; the ZAP handler has its own thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/security/keys.h"
#include "common/security/message_signing.h"
#include "common/security/session_verifier.h"
#include "common/security/zap_authorizer.h"
#include "common/transport/zmq_socket.h"
#include "controller/config/controller_config.h"

namespace scanfleet {

// How a worker frame was authenticated (VerifyWorkerFrames): by an Ed25519
// signature (the verified header) or by a session MAC (the worker whose
// session it is).
struct WorkerFrameAuth {
  std::optional<v1::SignedHeader> signed_header;
  std::string session_worker_id;
};

class ControllerSecurity {
 public:
  // Loads keys and starts the ZAP handler. Errors name the file or flag.
  static StatusOr<std::unique_ptr<ControllerSecurity>> Start(Context& context,
                                                             const ControllerConfig& config);

  // CurveZMQ server settings for a socket of this ZAP domain
  // ("api", "workers", "events").
  CurveOptions ServerCurve(const std::string& domain) const;

  // Verifies a worker frame (signed, or MAC'd in a session: the header's
  // magic says which); the envelope frame (frames[0]) may be decoded only when
  // this is OK. Errors are counted in signature_counters() or
  // session_counters().
  StatusOr<WorkerFrameAuth> VerifyWorkerFrames(const Frames& frames, int64_t now_ms);
  // After decoding: the authenticated frame is bound to this envelope (a
  // signature's type and job; a session's worker is the sender, and a hello
  // is only taken signed, because it opens a session).
  static Status CheckWorkerFrame(const WorkerFrameAuth& auth, const v1::Envelope& envelope);
  // A signed hello naming a session id opens that MAC session for the
  // worker; returns the session id to acknowledge ("" when none was opened:
  // the worker keeps signing every frame).
  std::string OpenSession(const WorkerFrameAuth& auth, const std::string& worker_id,
                          const std::string& session_id);
  // The worker's open session id, or "".
  std::string SessionOf(const std::string& worker_id) const {
    return sessions_.SessionOf(worker_id);
  }
  // A worker forgotten by the scheduler loses its session.
  void ForgetWorker(const std::string& worker_id) { sessions_.ForgetWorker(worker_id); }

  // A signed event page: [topic, envelope, header, signature] (one
  // signature for every event in the page).
  Frames SignPage(const std::string& topic, std::string envelope_frame, int64_t now_ms) const;
  // A checkpoint of the event log signed with the controller's key.
  v1::LogCheckpoint SignCheckpoint(uint64_t seq, std::string chain_hash, int64_t now_ms) const;
  // A signer with the controller's key, for the replay thread.
  MessageSigner NewSigner() const { return MessageSigner(key_); }

  // What each role may ask on the API socket: clients anything; workers and
  // subscribers only the endpoints. `peer_user` is the ZAP user id
  // ("role:name") of the connection the request came on; a key revoked
  // since that connection was made (SIGHUP) is refused.
  Status AuthorizeApi(const std::string& peer_user, const v1::ApiRequest& request) const;
  // Whether a connection's key may still read the event stream (replays).
  bool MayReadEvents(const std::string& peer_user) const {
    return zap_->Allows("events", peer_user);
  }

  // Re-reads the allowlists; on error the old ones stay in force. Returns
  // whether a key that could read the event stream was revoked (or
  // replaced): the loop then rebinds its events socket, so that key's open
  // subscription ends at once.
  StatusOr<bool> Reload();

  const SignatureCounters& signature_counters() const { return verifier_.counters(); }
  const SessionCounters& session_counters() const { return sessions_.counters(); }
  size_t open_sessions() const { return sessions_.size(); }
  // Frames refused by the signature or the session check.
  uint64_t rejected() const { return verifier_.counters().rejected() + sessions_.counters().rejected(); }
  const ZapAuthorizer& zap() const { return *zap_; }

 private:
  ControllerSecurity(const ControllerConfig& config, KeyPair key, ZapPolicy policy,
                     std::unique_ptr<ZapAuthorizer> zap);

  std::string authorized_keys_dir_;
  KeyPair key_;
  std::unique_ptr<ZapAuthorizer> zap_;
  MessageVerifier verifier_;
  SessionVerifier sessions_;
  MessageSigner signer_;
};

}  // namespace scanfleet
