// DAST target parsing and allowlist; see dast_target.h.
#include "common/target/dast_target.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace scanfleet {
namespace {

constexpr size_t kMaxTargetLength = 2048;

Status Invalid(const std::string& why) { return Status::InvalidArgument("DAST target " + why); }

bool IsDnsName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  size_t start = 0;
  while (start <= host.size()) {
    size_t dot = std::min(host.find('.', start), host.size());
    std::string_view label = host.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    start = dot + 1;
  }
  return true;
}

bool ParseIp(const std::string& text, std::array<uint8_t, 16>& out, bool& v6) {
  out.fill(0);
  if (inet_pton(AF_INET, text.c_str(), out.data()) == 1) {
    v6 = false;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), out.data()) == 1) {
    v6 = true;
    return true;
  }
  return false;
}

// Characters a URL's path and query may hold: RFC 3986 unreserved, reserved
// and '%', minus everything a shell or a template would treat specially
// (whitespace, quotes, '<>', '\\', '^', '`', '{|}', '$', '(', ')', ';', '!',
// '*'): a target that needs them must percent-encode them.
bool IsUrlTailChar(unsigned char c) {
  if (c <= 0x20 || c >= 0x7f) return false;
  return std::strchr("\"'<>\\^`{|}$();!*", c) == nullptr;
}

}  // namespace

StatusOr<DastTarget> ParseDastTarget(std::string_view text) {
  if (text.empty()) return Invalid("is empty");
  if (text.size() > kMaxTargetLength) return Invalid("is longer than 2048 bytes");
  if (text.front() == '-') return Invalid("must not start with '-'");
  DastTarget target;
  std::string_view rest = text;
  size_t scheme_end = rest.find("://");
  if (scheme_end == std::string_view::npos) {
    target.scheme = "tcp";
  } else {
    target.scheme = std::string(rest.substr(0, scheme_end));
    std::transform(target.scheme.begin(), target.scheme.end(), target.scheme.begin(), ::tolower);
    rest.remove_prefix(scheme_end + 3);
    if (target.scheme != "http" && target.scheme != "https" && target.scheme != "tcp") {
      return Invalid("scheme must be http, https or tcp");
    }
  }
  size_t authority_end = std::min(rest.find_first_of("/?#"), rest.size());
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view tail = rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) return Invalid("must not carry credentials");
  std::string_view host = authority;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Invalid("has an unterminated IPv6 literal");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Invalid("has junk after the IPv6 literal");
      port_text = after.substr(1);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port_text = authority.substr(colon + 1);
  }
  target.host = std::string(host);
  std::transform(target.host.begin(), target.host.end(), target.host.begin(), ::tolower);
  std::array<uint8_t, 16> address;
  bool v6 = false;
  target.host_is_ip = ParseIp(target.host, address, v6);
  if (!target.host_is_ip && !IsDnsName(target.host)) {
    return Invalid("host '" + target.host.substr(0, 64) + "' is not a DNS name or IP address");
  }
  if (!port_text.empty()) {
    if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos) {
      return Invalid("port is not a number");
    }
    int port = std::stoi(std::string(port_text));
    if (port < 1 || port > 65535) return Invalid("port is out of range");
    target.port = static_cast<uint16_t>(port);
  } else if (target.scheme == "http") {
    target.port = 80;
  } else if (target.scheme == "https") {
    target.port = 443;
  } else {
    return Invalid("needs a port (host:port)");
  }
  for (unsigned char c : tail) {
    if (!IsUrlTailChar(c)) return Invalid("contains a character a URL may not hold");
  }
  if (target.scheme == "tcp" && !tail.empty()) return Invalid("host:port takes no path");
  if (tail.find('#') != std::string_view::npos) tail = tail.substr(0, tail.find('#'));
  std::string host_part = v6 ? "[" + target.host + "]" : target.host;
  target.url = target.scheme + "://" + host_part + ":" + std::to_string(target.port) +
               (tail.empty() && target.scheme != "tcp" ? "/" : std::string(tail));
  return target;
}

std::string TargetKey(std::string_view url) {
  if (url.empty()) return "";
  auto target = ParseDastTarget(url);
  return target.ok() ? target->host : "";
}

StatusOr<TargetAllowlist> TargetAllowlist::Parse(const std::vector<std::string>& entries) {
  TargetAllowlist allowlist;
  for (const std::string& raw : entries) {
    std::string entry = raw;
    std::transform(entry.begin(), entry.end(), entry.begin(), ::tolower);
    if (entry.empty()) continue;
    allowlist.entries_.push_back(entry);
    std::string address = entry;
    int prefix = -1;
    if (size_t slash = entry.find('/'); slash != std::string::npos) {
      address = entry.substr(0, slash);
      std::string bits = entry.substr(slash + 1);
      if (bits.empty() || bits.size() > 3 ||
          bits.find_first_not_of("0123456789") != std::string::npos) {
        return Status::InvalidArgument("allowlist entry '" + raw + "': bad prefix length");
      }
      prefix = std::stoi(bits);
    }
    Network network;
    if (ParseIp(address, network.address, network.v6)) {
      int max = network.v6 ? 128 : 32;
      if (prefix > max) {
        return Status::InvalidArgument("allowlist entry '" + raw + "': prefix longer than " +
                                       std::to_string(max));
      }
      network.prefix = prefix < 0 ? max : prefix;
      allowlist.networks_.push_back(network);
    } else if (prefix < 0 && IsDnsName(entry)) {
      allowlist.hosts_.push_back(entry);
    } else {
      return Status::InvalidArgument("allowlist entry '" + raw +
                                     "' is not an IP, a CIDR or a host name");
    }
  }
  return allowlist;
}

bool TargetAllowlist::Allows(const DastTarget& target) const {
  if (!target.host_is_ip) {
    return std::find(hosts_.begin(), hosts_.end(), target.host) != hosts_.end();
  }
  std::array<uint8_t, 16> address;
  bool v6 = false;
  if (!ParseIp(target.host, address, v6)) return false;
  for (const Network& network : networks_) {
    if (network.v6 != v6) continue;
    int full_bytes = network.prefix / 8;
    int rest_bits = network.prefix % 8;
    if (!std::equal(address.begin(), address.begin() + full_bytes, network.address.begin())) {
      continue;
    }
    if (rest_bits == 0) return true;
    uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest_bits));
    if ((address[full_bytes] & mask) == (network.address[full_bytes] & mask)) return true;
  }
  return false;
}

std::string TargetAllowlist::Describe() const {
  std::string out;
  for (const std::string& entry : entries_) out += (out.empty() ? "" : ", ") + entry;
  return out.empty() ? "(empty: no DAST target is allowed)" : out;
}

}  // namespace scanfleet
