#include "common/transport/zmq_socket.h"

#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace scanfleet {

struct Context::Impl {
  zmq::context_t context{1};
};

Context::Context() : impl_(std::make_unique<Impl>()) {}
Context::~Context() = default;
void* Context::native() { return &impl_->context; }

struct Socket::Impl {
  zmq::socket_t socket;
  std::string last_peer_user;
};

// A libzmq 4.3 option still marked draft in zmq.h; the library implements it.
#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93
#endif

namespace {

zmq::socket_type ToZmq(SocketKind kind) {
  switch (kind) {
    case SocketKind::kReq:
      return zmq::socket_type::req;
    case SocketKind::kRep:
      return zmq::socket_type::rep;
    case SocketKind::kRouter:
      return zmq::socket_type::router;
    case SocketKind::kDealer:
      return zmq::socket_type::dealer;
    case SocketKind::kPush:
      return zmq::socket_type::push;
    case SocketKind::kPull:
      return zmq::socket_type::pull;
    case SocketKind::kPub:
      return zmq::socket_type::pub;
    case SocketKind::kSub:
      return zmq::socket_type::sub;
  }
  return zmq::socket_type::pair;
}

Status FromZmqError(const zmq::error_t& e, const std::string& what) {
  return Status::Unavailable(what + ": " + e.what());
}

void ApplyCurve(zmq::socket_t& socket, const CurveOptions& curve) {
  switch (curve.role) {
    case CurveOptions::Role::kNone:
      return;
    case CurveOptions::Role::kServer: {
      socket.set(zmq::sockopt::curve_server, 1);
      socket.set(zmq::sockopt::curve_secretkey, curve.secret_key);
      socket.set(zmq::sockopt::zap_domain, curve.zap_domain);
      int enforce = 1;
      if (zmq_setsockopt(socket.handle(), ZMQ_ZAP_ENFORCE_DOMAIN, &enforce, sizeof enforce) != 0) {
        throw zmq::error_t();
      }
      return;
    }
    case CurveOptions::Role::kClient:
      socket.set(zmq::sockopt::curve_serverkey, curve.server_key);
      socket.set(zmq::sockopt::curve_publickey, curve.public_key);
      socket.set(zmq::sockopt::curve_secretkey, curve.secret_key);
      return;
  }
}

StatusOr<zmq::socket_t> MakeSocket(Context& context, SocketKind kind,
                                   const SocketOptions& options) {
  try {
    zmq::socket_t socket(*static_cast<zmq::context_t*>(context.native()), ToZmq(kind));
    socket.set(zmq::sockopt::maxmsgsize, options.max_frame_bytes);
    socket.set(zmq::sockopt::sndhwm, options.send_hwm);
    socket.set(zmq::sockopt::rcvhwm, options.recv_hwm);
    socket.set(zmq::sockopt::linger, options.linger_ms);
    socket.set(zmq::sockopt::reconnect_ivl, options.reconnect_ivl_ms);
    socket.set(zmq::sockopt::reconnect_ivl_max, options.reconnect_ivl_max_ms);
    if (options.immediate) socket.set(zmq::sockopt::immediate, 1);
    if (options.heartbeat_ivl_ms > 0) {
      socket.set(zmq::sockopt::heartbeat_ivl, options.heartbeat_ivl_ms);
      socket.set(zmq::sockopt::heartbeat_timeout, options.heartbeat_timeout_ms);
      socket.set(zmq::sockopt::heartbeat_ttl, options.heartbeat_ttl_ms);
    }
    if (kind == SocketKind::kReq && options.req_relaxed) {
      socket.set(zmq::sockopt::req_relaxed, 1);
      socket.set(zmq::sockopt::req_correlate, 1);
    }
    if (!options.routing_id.empty()) socket.set(zmq::sockopt::routing_id, options.routing_id);
    if (options.router_mandatory) socket.set(zmq::sockopt::router_mandatory, 1);
    if (options.router_handover) socket.set(zmq::sockopt::router_handover, 1);
    ApplyCurve(socket, options.curve);
    if (kind == SocketKind::kSub) {
      for (const std::string& prefix : options.subscriptions) {
        socket.set(zmq::sockopt::subscribe, prefix);
      }
    }
    return socket;
  } catch (const zmq::error_t& e) {
    return FromZmqError(e, "creating socket");
  }
}

}  // namespace

Socket::Socket(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Socket::Socket(Socket&&) noexcept = default;
Socket& Socket::operator=(Socket&&) noexcept = default;
Socket::~Socket() = default;

StatusOr<Socket> Socket::Bind(Context& context, SocketKind kind, const std::string& endpoint,
                              const SocketOptions& options) {
  ASSIGN_OR_RETURN(zmq::socket_t socket, MakeSocket(context, kind, options));
  try {
    socket.bind(endpoint);
  } catch (const zmq::error_t& e) {
    return FromZmqError(e, "binding " + endpoint);
  }
  return Socket(std::make_unique<Impl>(Impl{std::move(socket), ""}));
}

StatusOr<Socket> Socket::Connect(Context& context, SocketKind kind, const std::string& endpoint,
                                 const SocketOptions& options) {
  ASSIGN_OR_RETURN(zmq::socket_t socket, MakeSocket(context, kind, options));
  try {
    socket.connect(endpoint);
  } catch (const zmq::error_t& e) {
    return FromZmqError(e, "connecting to " + endpoint);
  }
  return Socket(std::make_unique<Impl>(Impl{std::move(socket), ""}));
}

Status Socket::Connect(const std::string& endpoint) {
  try {
    impl_->socket.connect(endpoint);
  } catch (const zmq::error_t& e) {
    return FromZmqError(e, "connecting to " + endpoint);
  }
  return Status::Ok();
}

Status Socket::Subscribe(const std::string& prefix) {
  try {
    impl_->socket.set(zmq::sockopt::subscribe, prefix);
  } catch (const zmq::error_t& e) {
    return FromZmqError(e, "subscribing");
  }
  return Status::Ok();
}

Status Socket::Send(const Frames& frames, bool dont_wait) {
  SF_CHECK(!frames.empty());
  try {
    for (size_t i = 0; i < frames.size(); ++i) {
      zmq::send_flags flags = zmq::send_flags::none;
      if (i + 1 < frames.size()) flags = flags | zmq::send_flags::sndmore;
      if (dont_wait) flags = flags | zmq::send_flags::dontwait;
      auto sent = impl_->socket.send(zmq::buffer(frames[i]), flags);
      // Only the first frame can fail with EAGAIN; later frames of a multipart
      // message are queued atomically with it.
      if (!sent) return Status::ResourceExhausted("send queue full");
    }
  } catch (const zmq::error_t& e) {
    return FromZmqError(e, "send");
  }
  return Status::Ok();
}

Status Socket::SendOne(const std::string& frame, bool dont_wait) {
  return Send(Frames{frame}, dont_wait);
}

StatusOr<std::optional<Frames>> Socket::Receive(bool dont_wait) {
  std::vector<zmq::message_t> parts;
  try {
    auto received =
        zmq::recv_multipart(impl_->socket, std::back_inserter(parts),
                            dont_wait ? zmq::recv_flags::dontwait : zmq::recv_flags::none);
    if (!received) return std::optional<Frames>();
  } catch (const zmq::error_t& e) {
    return FromZmqError(e, "receive");
  }
  Frames frames;
  frames.reserve(parts.size());
  for (auto& part : parts) frames.emplace_back(part.to_string());
  impl_->last_peer_user.clear();
  if (!parts.empty()) {
    // Set by the ZAP handler's reply; absent on unauthenticated sockets. The
    // last part came off the wire (a ROUTER's first part is its routing id).
    if (const char* user = zmq_msg_gets(parts.back().handle(), "User-Id")) {
      impl_->last_peer_user = user;
    }
  }
  return std::optional<Frames>(std::move(frames));
}

StatusOr<std::optional<Frames>> Socket::ReceiveWithin(int timeout_ms) {
  zmq::pollitem_t item{impl_->socket.handle(), 0, ZMQ_POLLIN, 0};
  try {
    zmq::poll(&item, 1, std::chrono::milliseconds(timeout_ms));
  } catch (const zmq::error_t& e) {
    return FromZmqError(e, "poll");
  }
  if (!(item.revents & ZMQ_POLLIN)) return std::optional<Frames>();
  return Receive(true);
}

const std::string& Socket::last_peer_user() const { return impl_->last_peer_user; }

std::string Socket::last_endpoint() const {
  try {
    return impl_->socket.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t&) {
    return "";
  }
}

uint32_t Socket::port() const {
  std::string endpoint = last_endpoint();
  size_t colon = endpoint.rfind(':');
  if (colon == std::string::npos) return 0;
  try {
    return static_cast<uint32_t>(std::stoul(endpoint.substr(colon + 1)));
  } catch (...) {
    return 0;
  }
}

void* Socket::native() { return &impl_->socket; }

size_t Poller::Add(Socket& socket) {
  items_.push_back({&socket, -1});
  ready_.push_back(false);
  return items_.size() - 1;
}

size_t Poller::AddFd(int fd) {
  items_.push_back({nullptr, fd});
  ready_.push_back(false);
  return items_.size() - 1;
}

StatusOr<int> Poller::Wait(int timeout_ms) {
  std::vector<zmq::pollitem_t> items;
  items.reserve(items_.size());
  for (const Item& item : items_) {
    void* handle =
        item.socket ? static_cast<zmq::socket_t*>(item.socket->native())->handle() : nullptr;
    items.push_back({handle, item.socket ? 0 : item.fd, ZMQ_POLLIN, 0});
  }
  int count = 0;
  try {
    count = zmq::poll(items.data(), items.size(), std::chrono::milliseconds(timeout_ms));
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR)
      count = 0;
    else
      return FromZmqError(e, "poll");
  }
  for (size_t i = 0; i < items.size(); ++i) ready_[i] = (items[i].revents & ZMQ_POLLIN) != 0;
  return count;
}

bool Poller::Ready(size_t index) const { return ready_.at(index); }

std::string Z85Encode(const std::string& raw) {
  SF_CHECK(raw.size() % 4 == 0);
  std::string text(raw.size() * 5 / 4 + 1, '\0');
  zmq_z85_encode(text.data(), reinterpret_cast<const uint8_t*>(raw.data()), raw.size());
  text.pop_back();
  return text;
}

StatusOr<std::string> Z85Decode(const std::string& text) {
  if (text.empty() || text.size() % 5 != 0) {
    return Status::InvalidArgument("not a Z85 string (length " + std::to_string(text.size()) +
                                   " is not a multiple of 5)");
  }
  std::string raw(text.size() * 4 / 5, '\0');
  if (!zmq_z85_decode(reinterpret_cast<uint8_t*>(raw.data()), text.c_str())) {
    return Status::InvalidArgument("not a Z85 string (invalid characters)");
  }
  return raw;
}

std::string TcpEndpoint(const std::string& host, uint32_t port) {
  return "tcp://" + host + ":" + std::to_string(port);
}

std::string TcpHost(const std::string& endpoint) {
  const std::string prefix = "tcp://";
  if (endpoint.rfind(prefix, 0) != 0) return "";
  std::string rest = endpoint.substr(prefix.size());
  size_t colon = rest.rfind(':');
  return colon == std::string::npos ? rest : rest.substr(0, colon);
}

}  // namespace scanfleet
