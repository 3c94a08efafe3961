#include "controller/report/line_hash.h"

#include <array>
#include <cstdio>
#include <unordered_map>

namespace scanfleet::report {

namespace {

constexpr uint32_t kTab = '\t';
constexpr uint32_t kSpace = ' ';
constexpr uint32_t kLf = '\n';
constexpr uint32_t kCr = '\r';
constexpr uint32_t kEndOfFile = 65535;
constexpr uint32_t kReplacement = 0xFFFD;
constexpr int kBlockSize = 100;
constexpr uint64_t kMultiplier = 37;

// Decodes UTF-8 into UTF-16 code units, as Node's "utf8" stream decoding does:
// each invalid or truncated sequence becomes one U+FFFD.
std::vector<uint16_t> Utf16Units(std::string_view text) {
  std::vector<uint16_t> units;
  units.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    int length = 0;
    uint32_t code_point = 0;
    uint32_t minimum = 0;
    if (byte < 0x80) {
      units.push_back(byte);
      ++i;
      continue;
    } else if (byte >= 0xC2 && byte <= 0xDF) {
      length = 2, code_point = byte & 0x1F, minimum = 0x80;
    } else if (byte >= 0xE0 && byte <= 0xEF) {
      length = 3, code_point = byte & 0x0F, minimum = 0x800;
    } else if (byte >= 0xF0 && byte <= 0xF4) {
      length = 4, code_point = byte & 0x07, minimum = 0x10000;
    } else {
      units.push_back(kReplacement);
      ++i;
      continue;
    }
    int taken = 1;
    while (taken < length && i + taken < text.size()) {
      auto next = static_cast<unsigned char>(text[i + taken]);
      if ((next & 0xC0) != 0x80) break;
      code_point = (code_point << 6) | (next & 0x3F);
      ++taken;
    }
    if (taken < length || code_point < minimum || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      units.push_back(kReplacement);
      i += taken;
      continue;
    }
    i += taken;
    if (code_point >= 0x10000) {
      code_point -= 0x10000;
      units.push_back(static_cast<uint16_t>(0xD800 + (code_point >> 10)));
      units.push_back(static_cast<uint16_t>(0xDC00 + (code_point & 0x3FF)));
    } else {
      units.push_back(static_cast<uint16_t>(code_point));
    }
  }
  return units;
}

// The rolling hash of fingerprints.ts; unsigned arithmetic wraps exactly like
// the reference's signed 64-bit Long.
class RollingLineHasher {
 public:
  RollingLineHasher() {
    window_.fill(0);
    line_numbers_.fill(-1);
    first_mod_ = 1;
    for (int i = 0; i < kBlockSize; ++i) first_mod_ *= kMultiplier;
  }

  void Process(uint32_t current) {
    if (current == kSpace || current == kTab || (previous_cr_ && current == kLf)) {
      previous_cr_ = false;
      return;
    }
    if (current == kCr) {
      current = kLf;
      previous_cr_ = true;
    } else {
      previous_cr_ = false;
    }
    if (line_numbers_[index_] != -1) Output();
    if (line_start_) {
      line_start_ = false;
      ++line_number_;
      line_numbers_[index_] = line_number_;
    }
    if (current == kLf) line_start_ = true;
    Update(current);
  }

  std::vector<uint64_t> Finish() {
    Process(kEndOfFile);
    for (int i = 0; i < kBlockSize; ++i) {
      if (line_numbers_[index_] != -1) Output();
      Update(0);
    }
    return std::move(hashes_);
  }

 private:
  void Output() {
    // Lines are output in order, so line n lands at index n - 1.
    hashes_.push_back(hash_);
    line_numbers_[index_] = -1;
  }

  void Update(uint32_t current) {
    uint64_t begin = window_[index_];
    window_[index_] = current;
    hash_ = kMultiplier * hash_ + current - first_mod_ * begin;
    index_ = (index_ + 1) % kBlockSize;
  }

  std::array<uint32_t, kBlockSize> window_;
  std::array<int64_t, kBlockSize> line_numbers_;
  uint64_t first_mod_;
  uint64_t hash_ = 0;
  int index_ = 0;
  int64_t line_number_ = 0;
  bool line_start_ = true;
  bool previous_cr_ = false;
  std::vector<uint64_t> hashes_;
};

}  // namespace

std::vector<uint64_t> RawLineHashes(std::string_view contents) {
  RollingLineHasher hasher;
  for (uint16_t unit : Utf16Units(contents)) hasher.Process(unit);
  return hasher.Finish();
}

std::string LineHashHex(uint64_t hash) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%llx", static_cast<unsigned long long>(hash));
  return buffer;
}

std::vector<std::string> LineHashes(std::string_view contents) {
  std::vector<std::string> lines;
  std::unordered_map<uint64_t, int> seen;
  for (uint64_t hash : RawLineHashes(contents)) {
    lines.push_back(LineHashHex(hash) + ":" + std::to_string(++seen[hash]));
  }
  return lines;
}

}  // namespace scanfleet::report
