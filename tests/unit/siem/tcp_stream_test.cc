// The syslog sink over real loopback TCP (port 0): delivery, a receiver that
// goes away (never reported delivered), a refused connect, and reconnection.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/siem/syslog_tcp_sink.h"
#include "tests/unit/siem/test_events.h"

namespace scanfleet::siem {
namespace {

int Listen(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return -1;
  listen(fd, 4);
  return fd;
}

int PortOf(int fd) {
  sockaddr_in address{};
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return ntohs(address.sin_port);
}

// Reads what is available within 2 s until `needle` shows up.
std::string ReadUntil(int fd, const std::string& needle) {
  std::string text;
  char buffer[4096];
  while (text.find(needle) == std::string::npos) {
    pollfd entry{fd, POLLIN, 0};
    if (poll(&entry, 1, 2000) <= 0) break;
    ssize_t got = read(fd, buffer, sizeof buffer);
    if (got <= 0) break;
    text.append(buffer, static_cast<size_t>(got));
  }
  return text;
}

v1::Event SyslogFinding(uint64_t seq) {
  v1::Event event;
  event.set_seq(seq);
  event.set_topic("finding.low.bandit");
  event.mutable_finding()->set_tool("bandit");
  event.mutable_finding()->set_rule_id("B" + std::to_string(seq));
  return event;
}

TEST(TcpSyslogSinkTest, DeliversReconnectsAndNeverCountsALostConnectionAsDelivered) {
  int listener = Listen(0);
  ASSERT_GE(listener, 0);
  int port = PortOf(listener);
  SyslogSinkOptions options;
  options.ack_timeout_ms = 2000;
  SyslogTcpSink sink(MakeTcpConnector("127.0.0.1", port, 1000), options);

  ASSERT_TRUE(sink.Deliver(testing::LoggedAll({SyslogFinding(1)}))
                  .ok());  // acknowledged by the kernel before accept
  int connection = accept(listener, nullptr, nullptr);
  ASSERT_GE(connection, 0);
  std::string first = ReadUntil(connection, "bandit:B1|");
  EXPECT_NE(first.find("CEF:0|scanfleet|scanfleet|"), std::string::npos) << first;
  EXPECT_EQ(std::stoul(first.substr(0, first.find(' '))), first.size() - first.find(' ') - 1);

  // The receiver goes away: its kernel answers event 2 with a reset, never
  // an acknowledgement, so it is not reported delivered.
  close(connection);
  close(listener);
  Status lost = sink.Deliver(testing::LoggedAll({SyslogFinding(2)}));
  EXPECT_FALSE(lost.ok());
  EXPECT_EQ(sink.delivered_seq(), 1u);
  EXPECT_FALSE(sink.Deliver(testing::LoggedAll({SyslogFinding(2), SyslogFinding(3)}))
                   .ok());  // nobody listens: refused

  // It comes back on the same port: the sink reconnects and sends what is missing.
  listener = Listen(port);
  ASSERT_GE(listener, 0);
  ASSERT_TRUE(sink.Deliver(testing::LoggedAll({SyslogFinding(2), SyslogFinding(3)})).ok());
  connection = accept(listener, nullptr, nullptr);
  std::string rest = ReadUntil(connection, "bandit:B3|");
  EXPECT_NE(rest.find("bandit:B3|"), std::string::npos);
  EXPECT_EQ(rest.find("bandit:B1|"), std::string::npos);
  EXPECT_EQ(sink.delivered_seq(), 3u);
  close(connection);
  close(listener);
}

}  // namespace
}  // namespace scanfleet::siem
