// ApiClient: one request/response exchange with the controller's API socket.
//
// Each call waits up to a deadline; when the controller does not answer, the
// REQ socket is recreated (a REQ socket that lost its reply is stuck) and a
// clear Unavailable status names the address tried.
// Thread-safety: one ApiClient per thread.
#pragma once

#include <memory>
#include <string>

#include "common/status/status.h"
#include "common/transport/zmq_socket.h"
#include "common/wire/envelope.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

class ApiClient {
 public:
  // `curve`: CurveZMQ client settings (ClientSecurity::Curve()); default plaintext.
  ApiClient(Context& context, std::string endpoint, std::string client_id, CurveOptions curve = {});

  // Sends the request and waits up to timeout_ms for the answer. An error the
  // controller reports comes back as a Status with its code and message.
  StatusOr<v1::ApiResponse> Call(const v1::ApiRequest& request, int timeout_ms);

  const std::string& endpoint() const { return endpoint_; }

 private:
  Status EnsureSocket();

  Context& context_;
  std::string endpoint_;
  std::string client_id_;
  CurveOptions curve_;
  std::unique_ptr<Socket> socket_;
  uint64_t next_message_id_ = 1;
  WireCounters counters_;
};

}  // namespace scanfleet
