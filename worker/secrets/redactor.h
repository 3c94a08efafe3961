// Redactor: replaces every occurrence of a job's secret values with
// "[REDACTED:<name>]" in text that leaves the job runner.
//
// Built from the resolved secrets of one job. Besides each raw value it looks
// for the forms a scanner or an HTTP library commonly echoes: standard and
// URL-safe base64 (of the value alone, padded, and the stretch that is the
// same wherever the value sits inside a longer base64 string, as in an HTTP
// Basic "user:password" header), percent-encoding (upper and lower case hex,
// '+' for space) and JSON string escaping. Values shorter than
// kMinRedactedBytes are skipped: replacing "1" everywhere would destroy the
// output and protect nothing.
//
// Every occurrence of every form is found first (overlapping ones included);
// overlapping or adjacent hits merge into one redacted stretch, and inside it
// a hit contained in another (a secret that is a prefix of another) is named
// only by the longer one. Text is redacted as a whole buffer, so there are no
// chunk boundaries a value could straddle.
// Thread-safety: immutable after construction; Redact may run on any thread.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace scanfleet {

inline constexpr size_t kMinRedactedBytes = 4;

class Redactor {
 public:
  Redactor() = default;
  // `secrets`: name -> value.
  explicit Redactor(const std::map<std::string, std::string>& secrets);

  // `text` with every secret form replaced by its marker.
  std::string Redact(std::string_view text) const;
  // Redacts in place; returns true when anything was replaced.
  bool RedactInPlace(std::string& text) const;

  bool empty() const { return patterns_.empty(); }
  static std::string Marker(std::string_view name) {
    return "[REDACTED:" + std::string(name) + "]";
  }

 private:
  struct Pattern {
    std::string text;  // what to look for
    std::string name;  // the secret it stands for
  };
  void AddPattern(std::string text, const std::string& name);

  std::vector<Pattern> patterns_;  // longest first
};

}  // namespace scanfleet
