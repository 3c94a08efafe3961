// The TCP implementation of ByteStream: the only file of the SIEM library that
// makes socket calls.
#include <fcntl.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/siem/byte_stream.h"

namespace scanfleet::siem {

namespace {

int64_t MonotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Status Errno(const std::string& what) {
  return Status::Unavailable(what + ": " + std::strerror(errno));
}

class TcpStream final : public ByteStream {
 public:
  explicit TcpStream(int fd) : fd_(fd) {}
  ~TcpStream() override { close(fd_); }

  Status WriteAll(std::string_view bytes) override {
    while (!bytes.empty()) {
      ssize_t sent = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EINTR) continue;
        return Errno("send");
      }
      bytes.remove_prefix(static_cast<size_t>(sent));
    }
    return Status::Ok();
  }

  // A reset empties the send queue, so the connection's health is checked
  // before an empty queue is believed; a FIN with bytes still unacknowledged
  // means they will never be read.
  Status WaitAcknowledged(int timeout_ms) override {
    int64_t deadline = MonotonicMs() + timeout_ms;
    int wait_ms = 0;
    while (true) {
      pollfd entry{fd_, POLLIN, 0};
      int ready = poll(&entry, 1, wait_ms);
      if (ready < 0 && errno != EINTR) return Errno("poll");
      int error = 0;
      socklen_t length = sizeof error;
      getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0 || (ready > 0 && (entry.revents & (POLLERR | POLLHUP)))) {
        return Status::Unavailable("connection lost before the peer acknowledged everything");
      }
      int unacknowledged = 0;
      if (ioctl(fd_, SIOCOUTQ, &unacknowledged) != 0) return Errno("ioctl(SIOCOUTQ)");
      if (unacknowledged == 0) return Status::Ok();
      if (ready > 0 && (entry.revents & POLLIN)) {
        char buffer[512];
        ssize_t peeked = recv(fd_, buffer, 1, MSG_PEEK | MSG_DONTWAIT);
        if (peeked == 0) {
          return Status::Unavailable("peer closed with " + std::to_string(unacknowledged) +
                                     " bytes unacknowledged");
        }
        // Syslog receivers do not talk back; discard so POLLIN stops firing.
        if (peeked > 0) (void)recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
      }
      if (MonotonicMs() >= deadline) {
        return Status::DeadlineExceeded(std::to_string(unacknowledged) +
                                        " bytes not acknowledged in time");
      }
      wait_ms = 10;
    }
  }

 private:
  int fd_;
};

class TcpConnector final : public StreamConnector {
 public:
  TcpConnector(std::string host, int port, int connect_timeout_ms)
      : host_(std::move(host)), port_(port), connect_timeout_ms_(connect_timeout_ms) {}

  StatusOr<std::unique_ptr<ByteStream>> Connect() override {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* addresses = nullptr;
    int rc = getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &addresses);
    if (rc != 0) return Status::Unavailable("resolve " + host_ + ": " + gai_strerror(rc));
    Status last = Status::Unavailable("no address for " + host_);
    for (addrinfo* a = addresses; a != nullptr; a = a->ai_next) {
      auto stream = ConnectOne(*a);
      if (stream.ok()) {
        freeaddrinfo(addresses);
        return stream;
      }
      last = stream.status();
    }
    freeaddrinfo(addresses);
    return last;
  }

  std::string Describe() const override { return host_ + ":" + std::to_string(port_); }

 private:
  StatusOr<std::unique_ptr<ByteStream>> ConnectOne(const addrinfo& address) {
    int fd = socket(address.ai_family, address.ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    address.ai_protocol);
    if (fd < 0) return Errno("socket");
    auto fail = [fd](Status status) {
      close(fd);
      return status;
    };
    if (connect(fd, address.ai_addr, address.ai_addrlen) != 0 && errno != EINPROGRESS) {
      return fail(Errno("connect " + Describe()));
    }
    pollfd entry{fd, POLLOUT, 0};
    int ready = poll(&entry, 1, connect_timeout_ms_);
    if (ready <= 0) return fail(Status::Unavailable("connect " + Describe() + ": timed out"));
    int error = 0;
    socklen_t length = sizeof error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    if (error != 0) {
      errno = error;
      return fail(Errno("connect " + Describe()));
    }
    // Blocking writes from here on: a full send buffer is backpressure.
    // A receiver that stops reading fails the send after 30 s instead of
    // blocking forever; the sink then reconnects.
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    timeval send_timeout{30, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
    return std::unique_ptr<ByteStream>(std::make_unique<TcpStream>(fd));
  }

  std::string host_;
  int port_;
  int connect_timeout_ms_;
};

}  // namespace

std::unique_ptr<StreamConnector> MakeTcpConnector(std::string host, int port,
                                                  int connect_timeout_ms) {
  return std::make_unique<TcpConnector>(std::move(host), port, connect_timeout_ms);
}

}  // namespace scanfleet::siem
