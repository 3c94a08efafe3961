// DAST targets: parsing and the deployment's allowlist.
//
// A DAST job carries a target string from an untrusted submitter. It becomes
// a DastTarget only if it is a well-formed http(s) URL or host:port whose host
// is a DNS name or an IP literal, and it is scanned only if the deployment's
// allowlist (IP/CIDR entries and exact host names) contains its host. The
// parts handed to scanners (URL, host, port) can never start with '-' or
// carry whitespace, quotes or shell metacharacters.
// Thread-safety: value types and pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status/status.h"

namespace scanfleet {

struct DastTarget {
  std::string url;     // normalized: scheme://host[:port]/path[?query]
  std::string scheme;  // "http", "https" or "tcp" (a bare host:port)
  std::string host;    // lower-case DNS name, dotted IPv4 or IPv6 without brackets
  uint16_t port = 0;   // explicit or the scheme's default
  bool host_is_ip = false;
};

// Accepts "http://host[:port][/path][?query]", "https://...", "host:port" and
// "tcp://host:port". InvalidArgument with the reason otherwise.
StatusOr<DastTarget> ParseDastTarget(std::string_view text);

// The key per-target limits use: the host of a DAST target, "" for anything
// else (a repository, or a string that does not parse).
std::string TargetKey(std::string_view url);

class TargetAllowlist {
 public:
  // Entries: "127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8", "app.internal".
  static StatusOr<TargetAllowlist> Parse(const std::vector<std::string>& entries);

  bool empty() const { return networks_.empty() && hosts_.empty(); }
  bool Allows(const DastTarget& target) const;
  // For error messages: the entries, comma-separated.
  std::string Describe() const;

 private:
  struct Network {
    std::array<uint8_t, 16> address{};  // IPv4 mapped into the first 4 bytes
    bool v6 = false;
    int prefix = 0;
  };
  std::vector<Network> networks_;
  std::vector<std::string> hosts_;
  std::vector<std::string> entries_;
};

}  // namespace scanfleet
