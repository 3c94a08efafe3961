// common/text: which byte sequences are well-formed UTF-8 (RFC 3629, checked
// against an independent decoder over every 1-, 2- and 3-byte sequence and
// the 4-byte edges), replacement of the rest, a truncation that never splits
// a character at any byte offset and treats invalid bytes deterministically,
// and the ASCII helpers.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/text/ascii.h"
#include "common/text/utf8.h"
#include "common/wire/convert.h"

namespace scanfleet {
namespace {

// An independent reference: decode by the arithmetic definition (code point
// range per length, no surrogates, nothing above U+10FFFF).
size_t ReferenceLength(const std::string& s, size_t at) {
  if (at >= s.size()) return 0;
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[at + k]); };
  size_t length = b(0) < 0x80         ? 1
                  : (b(0) >> 5) == 6  ? 2
                  : (b(0) >> 4) == 14 ? 3
                  : (b(0) >> 3) == 30 ? 4
                                      : 0;
  if (length == 0 || at + length > s.size()) return 0;
  uint32_t cp = length == 1 ? b(0) : b(0) & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return length;
}

bool WellFormed(std::string_view text) {
  for (size_t at = 0; at < text.size();) {
    size_t length = Utf8SequenceLength(text, at);
    if (length == 0) return false;
    at += length;
  }
  return true;
}

TEST(Utf8Test, SequenceLengthMatchesTheDefinitionOnEveryShortSequence) {
  for (int a = 0; a < 256; ++a) {
    std::string one(1, static_cast<char>(a));
    ASSERT_EQ(Utf8SequenceLength(one, 0), ReferenceLength(one, 0)) << a;
    for (int b = 0; b < 256; ++b) {
      std::string two = one + static_cast<char>(b);
      ASSERT_EQ(Utf8SequenceLength(two, 0), ReferenceLength(two, 0)) << a << " " << b;
      if (a < 0xE0 || a > 0xF4) continue;
      for (int c : {0x00, 0x7F, 0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF}) {
        std::string three = two + static_cast<char>(c);
        ASSERT_EQ(Utf8SequenceLength(three, 0), ReferenceLength(three, 0)) << a << " " << b;
        std::string four = three + '\x80';
        ASSERT_EQ(Utf8SequenceLength(four, 0), ReferenceLength(four, 0)) << a << " " << b;
      }
    }
  }
}

TEST(Utf8Test, SequenceLengthEdges) {
  struct Case {
    const char* bytes;
    size_t length;
  } cases[] = {
      {"a", 1},
      {"\xC2\x80", 2},
      {"\xDF\xBF", 2},
      {"\xE0\xA0\x80", 3},
      {"\xED\x9F\xBF", 3},
      {"\xEE\x80\x80", 3},
      {"\xEF\xBF\xBD", 3},
      {"\xF0\x90\x80\x80", 4},
      {"\xF4\x8F\xBF\xBF", 4},
      {"\xC0\x80", 0},
      {"\xC1\xBF", 0},  // overlong
      {"\xE0\x9F\xBF", 0},
      {"\xF0\x8F\xBF\xBF", 0},  // overlong
      {"\xED\xA0\x80", 0},
      {"\xED\xBF\xBF", 0},  // surrogates
      {"\xF4\x90\x80\x80", 0},
      {"\xF5\x80\x80\x80", 0},  // above U+10FFFF
      {"\x80", 0},
      {"\xBF", 0},  // stray continuation
      {"\xE2\x82", 0},
      {"\xF0\x9F\x98", 0},  // cut short
      {"\xFF", 0},
  };
  for (const Case& c : cases) EXPECT_EQ(Utf8SequenceLength(c.bytes, 0), c.length) << c.bytes;
  EXPECT_EQ(Utf8SequenceLength("ab", 2), 0u) << "past the end";
  EXPECT_EQ(Utf8SequenceLength("", 0), 0u);
}

TEST(Utf8Test, ReplaceInvalidUtf8) {
  const std::string well_formed = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z";
  EXPECT_EQ(ReplaceInvalidUtf8(well_formed), well_formed);
  const std::string r(kUtf8Replacement);
  EXPECT_EQ(ReplaceInvalidUtf8("a\x80z"), "a" + r + "z");
  EXPECT_EQ(ReplaceInvalidUtf8("\xED\xA0\x80"), r + r + r) << "one per byte of a surrogate";
  EXPECT_EQ(ReplaceInvalidUtf8("x\xE2\x82"), "x" + r + r) << "a sequence cut short";
  EXPECT_EQ(ReplaceInvalidUtf8("\xC0\xAF"), r + r);
  EXPECT_EQ(ReplaceInvalidUtf8(""), "");
}

TEST(Utf8Test, ReplaceInvalidUtf8AgreesWithTheWireSanitizer) {
  std::mt19937 random(16);
  for (int round = 0; round < 20000; ++round) {
    std::string bytes(random() % 12, '\0');
    for (char& c : bytes) c = static_cast<char>(random() % 4 == 0 ? random() % 128 : random());
    std::string replaced = ReplaceInvalidUtf8(bytes);
    ASSERT_EQ(replaced, ValidUtf8(bytes));
    ASSERT_TRUE(WellFormed(replaced));
    ASSERT_EQ(ReplaceInvalidUtf8(replaced), replaced);
  }
}

// The longest prefix of at most `max` bytes made of whole units.
void ExpectTruncation(const std::string& text, size_t max) {
  std::string_view cut = TruncateUtf8(text, max);
  ASSERT_LE(cut.size(), max);
  ASSERT_EQ(text.compare(0, cut.size(), cut), 0) << "a prefix";
  if (text.size() <= max) {
    ASSERT_EQ(cut.size(), text.size());
    return;
  }
  // Ends on a unit boundary ...
  size_t at = 0;
  while (at < cut.size()) at += std::max<size_t>(Utf8SequenceLength(text, at), 1);
  ASSERT_EQ(at, cut.size()) << "cut inside a character at max " << max;
  // ... and the next unit does not fit.
  size_t next = std::max<size_t>(Utf8SequenceLength(text, at), 1);
  ASSERT_GT(cut.size() + next, max) << "cut shorter than it must at max " << max;
}

TEST(Utf8Test, TruncationNeverSplitsACharacterAtAnyOffset) {
  // 1-, 2-, 3- and 4-byte characters in a row, twice.
  const std::string text =
      "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"
      "b\xF0\x9F\x98\x80\xE2\x82\xAC\xC3\xA9z";
  for (size_t max = 0; max <= text.size() + 1; ++max) {
    ExpectTruncation(text, max);
    EXPECT_TRUE(WellFormed(TruncateUtf8(text, max))) << max;
  }
  EXPECT_EQ(TruncateUtf8(text, 2), "a");
  EXPECT_EQ(TruncateUtf8(text, 3), "a\xC3\xA9");
  EXPECT_EQ(TruncateUtf8(text, 5), "a\xC3\xA9");
  EXPECT_EQ(TruncateUtf8(text, 9), "a\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(TruncateUtf8(text, 10), "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  EXPECT_EQ(TruncateUtf8(text, 0), "");
}

TEST(Utf8Test, TruncationTreatsEachInvalidByteAsOneUnit) {
  // A stray continuation byte, a sequence cut short, a surrogate, an
  // overlong form, and a valid character after each.
  const std::string text = "\x80\xC3\xA9\xE2\x82x\xED\xA0\x80\xE2\x82\xAC\xC0\xAFok";
  for (size_t max = 0; max <= text.size() + 1; ++max) ExpectTruncation(text, max);
  EXPECT_EQ(TruncateUtf8(text, 1), "\x80");
  EXPECT_EQ(TruncateUtf8(text, 2), "\x80") << "the 2-byte character does not fit";
  EXPECT_EQ(TruncateUtf8(text, 4), "\x80\xC3\xA9\xE2") << "invalid bytes are kept one by one";
  EXPECT_EQ(TruncateUtf8(text, 6), "\x80\xC3\xA9\xE2\x82x");
  // The same input and limit always give the same cut.
  EXPECT_EQ(TruncateUtf8(text, 11), TruncateUtf8(std::string(text), 11));
  const std::string truncated_tail = "abc\xF0\x9F\x98";
  EXPECT_EQ(TruncateUtf8(truncated_tail, 5), "abc\xF0\x9F");
}

TEST(Utf8Test, TruncationOfRandomBytesIsAlwaysAUnitPrefix) {
  std::mt19937 random(8);
  for (int round = 0; round < 5000; ++round) {
    std::string bytes(random() % 16, '\0');
    for (char& c : bytes) c = static_cast<char>(random());
    for (size_t max = 0; max <= bytes.size(); ++max) ExpectTruncation(bytes, max);
  }
}

TEST(AsciiTest, CaseMappingTouchesOnlyAsciiLetters) {
  EXPECT_EQ(Lower("HIGH Medium cwe-79 CWE-89"), "high medium cwe-79 cwe-89");
  EXPECT_EQ(Upper("warning: x[1]"), "WARNING: X[1]");
  const std::string umlaut = "\xC3\x84\xC3\xA4Z";  // "ÄäZ"
  EXPECT_EQ(Lower(umlaut), "\xC3\x84\xC3\xA4z");
  EXPECT_EQ(Upper(umlaut), "\xC3\x84\xC3\xA4Z");
  EXPECT_EQ(Lower(""), "");
  for (int c = 0; c < 256; ++c) {
    std::string one(1, static_cast<char>(c));
    bool upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
    EXPECT_EQ(Lower(one), upper ? std::string(1, static_cast<char>(c + 32)) : one) << c;
    EXPECT_EQ(Upper(one), lower ? std::string(1, static_cast<char>(c - 32)) : one) << c;
  }
}

TEST(AsciiTest, HexValue) {
  EXPECT_EQ(HexValue("%2F", 1, 2), 0x2F);
  EXPECT_EQ(HexValue("\\uD83D", 2, 4), 0xD83D);
  EXPECT_EQ(HexValue("ffFF", 0, 4), 0xFFFF);
  EXPECT_EQ(HexValue("%2", 1, 2), -1) << "too few digits";
  EXPECT_EQ(HexValue("%G0", 1, 2), -1);
  EXPECT_EQ(HexValue("-1", 0, 2), -1) << "no sign";
  EXPECT_EQ(HexValue("0x1", 0, 3), -1) << "no prefix";
  EXPECT_EQ(HexValue("ab", 3, 1), -1) << "past the end";
  EXPECT_EQ(HexValue("ab", 0, 0), -1);
}

}  // namespace
}  // namespace scanfleet
