// A real scanfleet-controller process receives garbage, truncated, empty,
// oversized and wrong-version frames on its worker and API sockets: each is
// dropped (the version mismatch refused by name, on the jobs socket to a peer
// that connected one, and on the API socket) and the controller keeps serving.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/api/api_client.h"
#include "common/transport/zmq_socket.h"
#include "common/wire/envelope.h"
#include "tests/integration/controller_process.h"

namespace scanfleet {
namespace {

TEST(WireRobustnessTest, BadFramesAreDroppedAndTheControllerKeepsServing) {
  // Plaintext: these frames test the decoder gate behind the transport.
  ControllerProcess controller("/tmp/sf-wire-" + std::to_string(getpid()),
                               {"--insecure-dev", "--max-frame-bytes=4096"});
  nlohmann::json endpoints = controller.Endpoints();
  Context context;
  ApiClient api(context, endpoints["api"], "test");
  v1::ApiRequest list;
  list.mutable_list_workers();
  ASSERT_TRUE(api.Call(list, 5000).ok());

  // Worker "old" connects its jobs DEALER before it speaks: refusals come there.
  SocketOptions dealer;
  dealer.routing_id = "old";
  auto control = Socket::Connect(context, SocketKind::kDealer, endpoints["jobs"], dealer);
  ASSERT_TRUE(control.ok());
  auto results = Socket::Connect(context, SocketKind::kPush, endpoints["results"], {});
  ASSERT_TRUE(results.ok());

  v1::Envelope hello;
  hello.mutable_worker_batch()->mutable_hello()->add_pools("sast");
  std::string good = EncodeEnvelope(hello, 1, "old", 0);
  v1::Envelope other_version;
  other_version.ParseFromString(good);
  other_version.set_protocol_version(99);
  std::string wrong_version = other_version.SerializeAsString();

  ASSERT_TRUE(results->SendOne("not a protobuf at all \xff\xfe").ok());
  ASSERT_TRUE(results->SendOne(good.substr(0, good.size() / 2)).ok());
  ASSERT_TRUE(results->SendOne("").ok());
  ASSERT_TRUE(results->Send({"two", "frames"}).ok());
  // A well-formed envelope that is not a worker batch (an event) is not taken.
  v1::Envelope not_a_batch;
  not_a_batch.mutable_event()->set_seq(1);
  ASSERT_TRUE(results->SendOne(EncodeEnvelope(not_a_batch, 2, "old", 0)).ok());
  // The refusal reaches the DEALER once its connection is routed: repeat until seen.
  std::optional<v1::Refusal> refusal;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!refusal && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(results->SendOne(wrong_version).ok());
    auto frames = control->ReceiveWithin(200);
    ASSERT_TRUE(frames.ok());
    if (frames->has_value() && (*frames)->size() == 1) {
      WireCounters counters;
      auto envelope = DecodeEnvelope((**frames)[0], 1 << 20, counters);
      if (envelope.ok() && envelope->control_batch().has_refusal()) {
        refusal = envelope->control_batch().refusal();
      }
    }
  }
  ASSERT_TRUE(refusal.has_value()) << "a peer of another version is refused by name";
  EXPECT_NE(refusal->reason().find("version 99"), std::string::npos);
  EXPECT_EQ(refusal->supported_version(), kProtocolVersion);

  // A version 1 peer's API call (a worker's GetEndpoints) is answered with
  // the reason, naming both versions.
  {
    v1::Envelope old_request;
    old_request.mutable_api_request()->mutable_get_endpoints();
    std::string frame = EncodeEnvelope(old_request, 1, "old", 0);
    v1::Envelope as_v1;
    as_v1.ParseFromString(frame);
    as_v1.set_protocol_version(1);
    auto raw = Socket::Connect(context, SocketKind::kReq, endpoints["api"], {});
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE(raw->SendOne(as_v1.SerializeAsString()).ok());
    auto answer = raw->ReceiveWithin(5000);
    ASSERT_TRUE(answer.ok() && answer->has_value());
    WireCounters counters;
    auto decoded = DecodeEnvelope((**answer)[0], 1 << 20, counters);
    ASSERT_TRUE(decoded.ok());
    EXPECT_NE(decoded->api_response().error().find("peer speaks protocol version 1, this side "
                                                   "speaks version 2"),
              std::string::npos)
        << decoded->api_response().error();
  }

  // Oversized: above --max-frame-bytes, ZeroMQ drops the connection; the
  // controller is unharmed.
  auto big_sender = Socket::Connect(context, SocketKind::kPush, endpoints["results"], {});
  ASSERT_TRUE(big_sender.ok());
  ASSERT_TRUE(big_sender->SendOne(std::string(64 * 1024, 'x')).ok());

  // Garbage on the API socket gets an error reply, not silence.
  SocketOptions req;
  auto raw_api = Socket::Connect(context, SocketKind::kReq, endpoints["api"], req);
  ASSERT_TRUE(raw_api.ok());
  ASSERT_TRUE(raw_api->SendOne("garbage").ok());
  auto reply = raw_api->ReceiveWithin(5000);
  ASSERT_TRUE(reply.ok() && reply->has_value());
  WireCounters counters;
  auto decoded = DecodeEnvelope((**reply)[0], 1 << 20, counters);
  ASSERT_TRUE(decoded.ok());
  EXPECT_NE(decoded->api_response().error().find("bad request"), std::string::npos);

  auto after = api.Call(list, 5000);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->workers().workers_size(), 0) << "no bad frame registered a worker";
  EXPECT_TRUE(controller.Alive());
}

}  // namespace
}  // namespace scanfleet
