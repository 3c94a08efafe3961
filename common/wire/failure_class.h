// Why an attempt did not succeed, as the worker classifies it (mirrors
// v1::FailureKind). The scheduler's retry policy is decided on this.
// Thread-safety: a plain enum.
#pragma once

namespace scanfleet {

enum class FailureClass {
  kNone,
  kScannerCrashed,
  kTimedOut,
  kScannerMissing,
  kBadInput,   // will never succeed: not retried
  kParseError,
  kInternal,
};

}  // namespace scanfleet
