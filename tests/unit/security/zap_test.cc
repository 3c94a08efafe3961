// CurveZMQ + ZAP over real loopback sockets: listed keys connect and are
// named to the server; unknown keys, plaintext peers and every client of a
// server whose ZAP handler is missing get nothing; a reload revokes.
#include <gtest/gtest.h>

#include "common/security/zap_authorizer.h"

namespace scanfleet {
namespace {

ZapPolicy PolicyWithClients(std::vector<PublicKey> clients) {
  ZapPolicy policy;
  policy.keys_by_role["clients"] = std::move(clients);
  policy.roles_by_domain["api"] = {"clients"};
  policy.roles_by_domain["workers"] = {"workers"};
  return policy;
}

TEST(ZapPolicyTest, DecidesByDomainRoleAndMechanism) {
  KeyPair client = GenerateKeyPair("ci");
  ZapPolicy policy = PolicyWithClients({client.public_key});
  auto allowed = policy.Decide("api", "CURVE", client.public_key.curve_public);
  EXPECT_TRUE(allowed.allowed);
  EXPECT_EQ(allowed.user_id, "clients:ci");
  EXPECT_FALSE(policy.Decide("workers", "CURVE", client.public_key.curve_public).allowed);
  EXPECT_FALSE(policy.Decide("api", "NULL", client.public_key.curve_public).allowed);
  EXPECT_FALSE(policy.Decide("nope", "CURVE", client.public_key.curve_public).allowed);
  EXPECT_FALSE(policy.Decide("api", "CURVE", std::string(32, 'x')).allowed);
  EXPECT_FALSE(policy.Decide("api", "CURVE", "").allowed);
}

class CurveSocketTest : public ::testing::Test {
 protected:
  // A REP server with the controller's key in ZAP domain "api".
  void BindServer() {
    SocketOptions options;
    options.curve.role = CurveOptions::Role::kServer;
    options.curve.public_key = server_.public_key.curve_public;
    options.curve.secret_key = server_.curve_secret;
    options.curve.zap_domain = "api";
    auto socket = Socket::Bind(context_, SocketKind::kRep, "tcp://127.0.0.1:*", options);
    ASSERT_TRUE(socket.ok()) << socket.status().ToString();
    server_socket_ = std::make_unique<Socket>(std::move(*socket));
  }
  // Sends "ping" with the given client key (or plaintext); returns whether the
  // server received it within the deadline, and the peer user it saw.
  bool Reaches(const KeyPair* client, std::string* user = nullptr) {
    SocketOptions options;
    if (client) {
      options.curve.role = CurveOptions::Role::kClient;
      options.curve.public_key = client->public_key.curve_public;
      options.curve.secret_key = client->curve_secret;
      options.curve.server_key = server_.public_key.curve_public;
    }
    auto socket =
        Socket::Connect(context_, SocketKind::kReq, server_socket_->last_endpoint(), options);
    EXPECT_TRUE(socket.ok());
    EXPECT_TRUE(socket->SendOne("ping").ok());
    auto got = server_socket_->ReceiveWithin(1500);
    if (!got.ok() || !got->has_value()) return false;
    if (user) *user = server_socket_->last_peer_user();
    EXPECT_TRUE(server_socket_->SendOne("pong").ok());
    return true;
  }

  Context context_;
  KeyPair server_ = GenerateKeyPair("controller");
  KeyPair client_ = GenerateKeyPair("ci");
  KeyPair stranger_ = GenerateKeyPair("stranger");
  std::unique_ptr<Socket> server_socket_;
};

TEST_F(CurveSocketTest, WithoutAZapHandlerEveryClientIsRefused) {
  BindServer();  // nothing answers on inproc://zeromq.zap.01
  EXPECT_FALSE(Reaches(&client_));
  EXPECT_FALSE(Reaches(&stranger_));
}

TEST_F(CurveSocketTest, OnlyListedKeysGetThroughAndReloadRevokes) {
  ZapAuthorizer zap(context_, PolicyWithClients({client_.public_key}));
  ASSERT_TRUE(zap.Start().ok());
  BindServer();
  std::string user;
  EXPECT_TRUE(Reaches(&client_, &user));
  EXPECT_EQ(user, "clients:ci");
  EXPECT_FALSE(Reaches(&stranger_));
  EXPECT_FALSE(Reaches(nullptr));  // plaintext peer
  EXPECT_GE(zap.denied(), 1u);

  zap.Reload(PolicyWithClients({}));
  EXPECT_FALSE(Reaches(&client_));
  zap.Reload(PolicyWithClients({client_.public_key}));
  EXPECT_TRUE(Reaches(&client_));
}

}  // namespace
}  // namespace scanfleet
