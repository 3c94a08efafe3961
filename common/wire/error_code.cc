#include "common/wire/error_code.h"

namespace scanfleet {

v1::ErrorCode ErrorCodeOf(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return v1::ERROR_CODE_UNSPECIFIED;
    case StatusCode::kInvalidArgument:
      return v1::ERROR_INVALID_ARGUMENT;
    case StatusCode::kNotFound:
      return v1::ERROR_NOT_FOUND;
    case StatusCode::kAlreadyExists:
      return v1::ERROR_ALREADY_EXISTS;
    case StatusCode::kFailedPrecondition:
      return v1::ERROR_FAILED_PRECONDITION;
    case StatusCode::kUnavailable:
      return v1::ERROR_UNAVAILABLE;
    case StatusCode::kDeadlineExceeded:
      return v1::ERROR_DEADLINE_EXCEEDED;
    case StatusCode::kResourceExhausted:
      return v1::ERROR_RESOURCE_EXHAUSTED;
    case StatusCode::kDataLoss:
      return v1::ERROR_DATA_LOSS;
    case StatusCode::kInternal:
      return v1::ERROR_INTERNAL;
    case StatusCode::kPermissionDenied:
      return v1::ERROR_PERMISSION_DENIED;
  }
  return v1::ERROR_INTERNAL;  // not a StatusCode: a broken cast somewhere
}

StatusCode StatusCodeOf(v1::ErrorCode code) {
  switch (code) {
    case v1::ERROR_CODE_UNSPECIFIED:
      return StatusCode::kOk;
    case v1::ERROR_INVALID_ARGUMENT:
      return StatusCode::kInvalidArgument;
    case v1::ERROR_NOT_FOUND:
      return StatusCode::kNotFound;
    case v1::ERROR_ALREADY_EXISTS:
      return StatusCode::kAlreadyExists;
    case v1::ERROR_FAILED_PRECONDITION:
      return StatusCode::kFailedPrecondition;
    case v1::ERROR_UNAVAILABLE:
      return StatusCode::kUnavailable;
    case v1::ERROR_DEADLINE_EXCEEDED:
      return StatusCode::kDeadlineExceeded;
    case v1::ERROR_RESOURCE_EXHAUSTED:
      return StatusCode::kResourceExhausted;
    case v1::ERROR_DATA_LOSS:
      return StatusCode::kDataLoss;
    case v1::ERROR_INTERNAL:
      return StatusCode::kInternal;
    case v1::ERROR_PERMISSION_DENIED:
      return StatusCode::kPermissionDenied;
    case v1::ErrorCode_INT_MIN_SENTINEL_DO_NOT_USE_:
    case v1::ErrorCode_INT_MAX_SENTINEL_DO_NOT_USE_:
      break;
  }
  return StatusCode::kInternal;
}

v1::ApiResponse ErrorResponseOf(const Status& status, std::string_view prefix) {
  v1::ApiResponse response;
  response.set_error(std::string(prefix) + status.message());
  response.set_error_code(ErrorCodeOf(status.code()));
  return response;
}

}  // namespace scanfleet
