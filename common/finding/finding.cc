#include "common/finding/finding.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <tuple>

namespace scanfleet {

std::string_view SeverityName(Severity severity) {
  switch (severity) {
    case Severity::kInfo:
      return "info";
    case Severity::kLow:
      return "low";
    case Severity::kMedium:
      return "medium";
    case Severity::kHigh:
      return "high";
    case Severity::kCritical:
      return "critical";
  }
  return "info";
}

std::optional<Severity> ParseSeverity(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (Severity s :
       {Severity::kInfo, Severity::kLow, Severity::kMedium, Severity::kHigh, Severity::kCritical}) {
    if (lower == SeverityName(s)) return s;
  }
  return std::nullopt;
}

std::string NormalizeSnippet(std::string_view snippet) {
  std::string out;
  out.reserve(snippet.size());
  bool pending_space = false;
  for (char c : snippet) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string CleanRelativePath(std::string_view path) {
  std::string out(path);
  while (out.rfind("./", 0) == 0) out.erase(0, 2);
  for (size_t pos; (pos = out.find("//")) != std::string::npos;) out.erase(pos, 1);
  for (size_t pos; (pos = out.find("/./")) != std::string::npos;) out.erase(pos, 2);
  return out;
}

namespace {

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * sizeof(digest));
  for (unsigned char b : digest) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 0xf]);
  }
  return hex;
}

}  // namespace

bool PathStaysInside(std::string_view path) {
  if (path.empty() || path.front() == '/') return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = std::min(path.find('/', start), path.size());
    if (path.substr(start, slash - start) == "..") return false;
    start = slash + 1;
  }
  return true;
}

std::string UrlIdentity(std::string_view url) {
  size_t end = url.find_first_of("?#");
  return std::string(url.substr(0, end));
}

void AssignFingerprints(std::vector<Finding>& findings) {
  std::map<std::tuple<std::string, std::string, std::string, std::string>, int> seen;
  for (Finding& f : findings) {
    // Unit separators keep fields from running into each other.
    std::string location = f.url.empty() ? f.path + '\x1f' + NormalizeSnippet(f.snippet)
                                         : "dast\x1f" + f.http_method + '\x1f' +
                                               UrlIdentity(f.url) + '\x1f' + f.parameter;
    int occurrence = seen[{f.tool, f.rule_id, location, ""}]++;
    std::string key =
        f.tool + '\x1f' + f.rule_id + '\x1f' + location + '\x1f' + std::to_string(occurrence);
    f.fingerprint = Sha256Hex(key).substr(0, 32);
  }
}

}  // namespace scanfleet
