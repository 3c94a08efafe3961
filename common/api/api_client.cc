#include "common/api/api_client.h"

#include "common/time/clock.h"
#include "common/wire/error_code.h"

namespace scanfleet {

ApiClient::ApiClient(Context& context, std::string endpoint, std::string client_id,
                     CurveOptions curve)
    : context_(context),
      endpoint_(std::move(endpoint)),
      client_id_(std::move(client_id)),
      curve_(std::move(curve)) {}

Status ApiClient::EnsureSocket() {
  if (socket_) return Status::Ok();
  SocketOptions options;
  options.req_relaxed = true;
  options.linger_ms = 0;
  options.curve = curve_;
  ASSIGN_OR_RETURN(Socket socket, Socket::Connect(context_, SocketKind::kReq, endpoint_, options));
  socket_ = std::make_unique<Socket>(std::move(socket));
  return Status::Ok();
}

StatusOr<v1::ApiResponse> ApiClient::Call(const v1::ApiRequest& request, int timeout_ms) {
  RETURN_IF_ERROR(EnsureSocket());
  v1::Envelope envelope;
  *envelope.mutable_api_request() = request;
  SystemClock clock;
  RETURN_IF_ERROR(
      socket_->SendOne(EncodeEnvelope(envelope, next_message_id_++, client_id_, clock.NowMs())));
  ASSIGN_OR_RETURN(auto frames, socket_->ReceiveWithin(timeout_ms));
  if (!frames) {
    socket_.reset();
    return Status::Unavailable("the controller at " + endpoint_ + " did not answer within " +
                               std::to_string(timeout_ms / 1000.0).substr(0, 4) +
                               " s; is scanfleet-controller running there" +
                               (curve_.role == CurveOptions::Role::kNone
                                    ? std::string(" (with --insecure-dev, as this client is)?")
                                    : std::string(", and is this client's key allowed there?")));
  }
  if (frames->size() != 1) return Status::DataLoss("controller sent a multi-frame reply");
  ASSIGN_OR_RETURN(v1::Envelope reply,
                   DecodeEnvelope(frames->front(), kDefaultMaxFrameBytes * 4, counters_));
  if (!reply.has_api_response()) return Status::DataLoss("controller sent no API response");
  const v1::ApiResponse& response = reply.api_response();
  if (!response.error().empty()) {
    std::string message = response.error();
    // Only the codes a caller acts on keep their code. Anything else, an
    // unset code included, is the controller's own failure: its Unavailable
    // must not read as "the controller is unreachable" to a retrying caller.
    switch (StatusCodeOf(response.error_code())) {
      case StatusCode::kNotFound:
        return Status::NotFound(message);
      case StatusCode::kFailedPrecondition:
        return Status::FailedPrecondition(message);
      case StatusCode::kInvalidArgument:
        return Status::InvalidArgument(message);
      case StatusCode::kPermissionDenied:
        return Status::PermissionDenied(message);
      default:
        return Status::Internal(message);
    }
  }
  return reply.api_response();
}

}  // namespace scanfleet
