// EvaluateWebhook: one forge delivery (headers and raw body) in, the HTTP
// answer and, for a verified push to a configured branch, the scan to submit
// out. It does no I/O: the HTTP server calls it and hands the submission to
// the controller loop, which answers with the scan id.
//
// Order of checks: forge header, content type, delivery id, JSON, repository
// (404 if not in --repos), signature with that repository's secret (401),
// event kind, push fields. Nothing is submitted unless every check passed.
// Thread-safety: pure function over a read-only ReposFile.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "controller/triggers/repos_file.h"
#include "proto/scanfleet.pb.h"

namespace scanfleet {

// Header names compare case-insensitively, as in HTTP.
struct HeaderNameLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using HttpHeaders = std::map<std::string, std::string, HeaderNameLess>;

struct WebhookVerdict {
  int http_status = 400;
  // Counter name: "accepted" (202, once submitted), "ping", "ignored_event",
  // "ignored_tag", "ignored_deletion", "ignored_branch", "unknown_forge",
  // "bad_content_type", "missing_delivery", "malformed", "unknown_repo",
  // "missing_signature", "bad_signature".
  std::string reason;
  std::string message;  // for the response body and the log
  std::optional<v1::SubmitScanRequest> submit;
};

WebhookVerdict EvaluateWebhook(const ReposFile& repos, const HttpHeaders& headers,
                               std::string_view body);

}  // namespace scanfleet
