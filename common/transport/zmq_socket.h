// A thin wrapper over ZeroMQ sockets; the only place that includes zmq.hpp.
//
// Callers see frames as std::string and errors as Status. Every socket gets the
// frame cap (ZMQ_MAXMSGSIZE), linger and high-water marks from SocketOptions,
// and ZMTP heartbeats when configured. Receive() never blocks unless asked.
// Thread-safety: one Context per process, shared by all threads; a Socket and a
// Poller belong to the thread that created them (ZeroMQ's own rule).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status/status.h"

namespace scanfleet {

using Frames = std::vector<std::string>;

enum class SocketKind { kReq, kRep, kRouter, kDealer, kPush, kPull, kPub, kSub };

// CurveZMQ for one socket. Keys are raw 32-byte strings. A server socket also
// names the ZAP domain its connections are authorized in; ZMQ_ZAP_ENFORCE_DOMAIN
// is set, so a server whose ZAP handler is missing refuses every client
// (fails closed) instead of accepting any key.
struct CurveOptions {
  enum class Role { kNone, kServer, kClient };
  Role role = Role::kNone;
  std::string public_key;  // own key pair
  std::string secret_key;
  std::string server_key;  // client only: the server's public key
  std::string zap_domain;  // server only
};

struct SocketOptions {
  int64_t max_frame_bytes = 16 * 1024 * 1024;  // ZMQ_MAXMSGSIZE: larger frames drop the peer
  int send_hwm = 1000;
  int recv_hwm = 1000;
  int linger_ms = 0;
  bool immediate = false;    // ZMQ_IMMEDIATE: queue only to completed connections
  int heartbeat_ivl_ms = 0;  // ZMTP heartbeats (0 = off)
  int heartbeat_timeout_ms = 0;
  int heartbeat_ttl_ms = 0;
  int reconnect_ivl_ms = 100;              // ZMQ_RECONNECT_IVL
  int reconnect_ivl_max_ms = 0;            // ZMQ_RECONNECT_IVL_MAX (0 = no backoff)
  bool req_relaxed = false;                // ZMQ_REQ_RELAXED + ZMQ_REQ_CORRELATE for REQ sockets
  std::vector<std::string> subscriptions;  // SUB only
  std::string routing_id;                  // ZMQ_ROUTING_ID (DEALER: how a ROUTER addresses it)
  // ROUTER only: a send to a routing id that is not connected fails
  // (Unavailable) instead of vanishing; a peer that reconnects with a routing
  // id in use takes the route over.
  bool router_mandatory = false;
  bool router_handover = false;
  CurveOptions curve;                      // off unless role is set
};

class Context {
 public:
  Context();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  void* native();  // the zmq::context_t*, for sockets only

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Socket {
 public:
  // Creates a socket, applies options and binds (endpoint may end in ":*").
  static StatusOr<Socket> Bind(Context& context, SocketKind kind, const std::string& endpoint,
                               const SocketOptions& options);
  static StatusOr<Socket> Connect(Context& context, SocketKind kind, const std::string& endpoint,
                                  const SocketOptions& options);
  Socket(Socket&&) noexcept;
  Socket& operator=(Socket&&) noexcept;
  ~Socket();

  // Sends all frames as one multipart message. With dont_wait, a full queue
  // returns ResourceExhausted instead of blocking.
  Status Send(const Frames& frames, bool dont_wait = false);
  // Convenience for single-frame messages.
  Status SendOne(const std::string& frame, bool dont_wait = false);
  // Receives one whole multipart message; nullopt when none is ready (dont_wait)
  // or the receive timed out.
  StatusOr<std::optional<Frames>> Receive(bool dont_wait = true);
  // Blocks up to timeout_ms for a message; nullopt on timeout.
  StatusOr<std::optional<Frames>> ReceiveWithin(int timeout_ms);
  // The ZAP user id of the connection the last received message came from
  // ("role:key-name" when the ZAP handler authorized it; empty otherwise).
  const std::string& last_peer_user() const;

  Status Connect(const std::string& endpoint);
  Status Subscribe(const std::string& prefix);
  // Actual bound endpoint (resolves ":*" to the chosen port).
  std::string last_endpoint() const;
  // Port of last_endpoint(), 0 if none.
  uint32_t port() const;
  void* native();  // the zmq::socket_t*, for the Poller only

 private:
  struct Impl;
  explicit Socket(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Waits on several sockets and plain file descriptors at once.
class Poller {
 public:
  // Returns the index used by Ready().
  size_t Add(Socket& socket);
  size_t AddFd(int fd);
  // Waits up to timeout_ms (-1 = forever). Returns how many items are ready.
  StatusOr<int> Wait(int timeout_ms);
  bool Ready(size_t index) const;

 private:
  struct Item {
    Socket* socket;
    int fd;
  };
  std::vector<Item> items_;
  std::vector<bool> ready_;
};

// Z85 (ZeroMQ's printable key encoding) of a raw key whose size is a multiple
// of 4; Z85Decode fails with InvalidArgument on anything else.
std::string Z85Encode(const std::string& raw);
StatusOr<std::string> Z85Decode(const std::string& text);

// The inproc endpoint libzmq sends ZAP requests to.
inline constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";

// Replaces the host of a tcp:// endpoint's port with `host`: used to build
// "tcp://controller-host:port" from a port the controller reported.
std::string TcpEndpoint(const std::string& host, uint32_t port);
// Host part of "tcp://host:port"; empty if not a tcp endpoint.
std::string TcpHost(const std::string& endpoint);

}  // namespace scanfleet
