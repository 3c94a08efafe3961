// Webhook authentication of the three forges, in constant time.
//
//   GitHub: X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>
//   Gitea:  X-Gitea-Signature: <hex HMAC-SHA256(secret, raw body)>
//   GitLab: X-Gitlab-Token: <secret>   (compared as SHA-256 digests)
//
// A missing header is NotFound, a malformed or wrong one PermissionDenied;
// callers answer both with 401 and count them apart. Thread-safety: pure functions (libsodium is
// initialised on first use).
#pragma once

#include <string>
#include <string_view>

#include "common/status/status.h"

namespace scanfleet {

// Lowercase hex HMAC-SHA256 of `body` under `secret` (for tests and tools).
std::string HmacSha256Hex(std::string_view secret, std::string_view body);

// `header` is the signature header's value ("" when absent); `prefix` is
// "sha256=" for GitHub and "" for Gitea. NotFound when absent,
// PermissionDenied when malformed or wrong.
Status VerifyHmacSignature(std::string_view secret, std::string_view body, std::string_view header,
                           std::string_view prefix);

// GitLab's shared token: NotFound when absent, PermissionDenied when wrong.
Status VerifySharedToken(std::string_view secret, std::string_view header);

}  // namespace scanfleet
