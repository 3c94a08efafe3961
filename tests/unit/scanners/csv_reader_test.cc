#include "common/scanners/csv_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace scanfleet {
namespace {

using Records = std::vector<CsvRecord>;

Records ParseCsvOk(std::string_view input) {
  StatusOr<Records> records = ParseCsv(input);
  EXPECT_TRUE(records.ok()) << records.status().ToString();
  return records.ok() ? *records : Records{};
}

TEST(CsvReaderTest, EmptyInputHasNoRecords) { EXPECT_TRUE(ParseCsvOk("").empty()); }

TEST(CsvReaderTest, PlainFieldsAndRecords) {
  EXPECT_EQ(ParseCsvOk("a,b,c\n1,2,3\n"), (Records{{"a", "b", "c"}, {"1", "2", "3"}}));
}

TEST(CsvReaderTest, LastRecordWithoutLineEnding) {
  EXPECT_EQ(ParseCsvOk("a,b\n1,2"), (Records{{"a", "b"}, {"1", "2"}}));
}

TEST(CsvReaderTest, CrlfAndLfMayBeMixed) {
  EXPECT_EQ(ParseCsvOk("a,b\r\n1,2\n3,4\r\n"), (Records{{"a", "b"}, {"1", "2"}, {"3", "4"}}));
}

TEST(CsvReaderTest, EmptyFieldsAreKept) {
  EXPECT_EQ(ParseCsvOk(",a,,b,\n"), (Records{{"", "a", "", "b", ""}}));
}

TEST(CsvReaderTest, BlankLinesProduceNoRecord) {
  EXPECT_EQ(ParseCsvOk("a\n\n\r\nb\n"), (Records{{"a"}, {"b"}}));
}

TEST(CsvReaderTest, QuotedEmptyFieldIsARecord) { EXPECT_EQ(ParseCsvOk("\"\"\n"), (Records{{""}})); }

TEST(CsvReaderTest, QuotedFieldKeepsCommasQuotesAndNewlines) {
  EXPECT_EQ(ParseCsvOk("x,\"a, \"\"b\"\"\r\nc\",y\n"), (Records{{"x", "a, \"b\"\r\nc", "y"}}));
}

TEST(CsvReaderTest, FlawfinderStyleContextField) {
  // A real flawfinder row: the Context column quotes a C string literal.
  EXPECT_EQ(ParseCsvOk("f.c,16,\"  p = popen(cmd, \"\"r\"\");\"\r\n"),
            (Records{{"f.c", "16", "  p = popen(cmd, \"r\");"}}));
}

TEST(CsvReaderTest, UnterminatedQuoteIsDataLossWithLine) {
  StatusOr<Records> records = ParseCsv("a,b\n1,\"never\nclosed,2\n");
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(records.status().message().find("line 2"), std::string::npos)
      << records.status().message();
}

TEST(CsvReaderTest, LoneQuoteAtEndIsDataLoss) {
  EXPECT_EQ(ParseCsv("a,\"").status().code(), StatusCode::kDataLoss);
}

TEST(CsvReaderTest, StrayQuotesAreKeptLiterally) {
  // Not RFC 4180, but what Python's csv module accepts too.
  EXPECT_EQ(ParseCsvOk("ab\"c,\"q\"tail\n"), (Records{{"ab\"c", "qtail"}}));
}

TEST(CsvReaderTest, LoneCarriageReturnAndNulAreData) {
  const std::string input("a\rb,c\0d\n", 8);
  EXPECT_EQ(ParseCsvOk(input), (Records{{"a\rb", std::string("c\0d", 3)}}));
}

TEST(CsvReaderTest, NonUtf8BytesPassThrough) {
  EXPECT_EQ(ParseCsvOk("\xff\xfe,\"\xc3\x28\"\n"), (Records{{"\xff\xfe", "\xc3\x28"}}));
}

TEST(CsvReaderTest, RefusesInputAboveTheLimit) {
  EXPECT_TRUE(ParseCsv("abcd", 4).ok());
  StatusOr<Records> records = ParseCsv("abcde", 4);
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.status().code(), StatusCode::kResourceExhausted);
}

TEST(CsvReaderTest, HugeFieldIsReadWhole) {
  const std::string big(8 << 20, 'x');
  Records records = ParseCsvOk("a,\"" + big + "\"\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0][1].size(), big.size());
}

TEST(CsvReaderTest, GarbageNeverCrashes) {
  // Deterministic pseudo-random bytes, weighted towards the special ones.
  uint32_t state = 12345;
  for (int round = 0; round < 200; ++round) {
    std::string input;
    for (int i = 0; i < 300; ++i) {
      state = state * 1664525u + 1013904223u;
      const char specials[] = {'"', ',', '\r', '\n', 'a', '\0'};
      input.push_back((state >> 24) % 3 == 0 ? specials[(state >> 8) % 6]
                                             : static_cast<char>(state >> 16));
    }
    StatusOr<Records> records = ParseCsv(input);
    if (!records.ok()) {
      EXPECT_EQ(records.status().code(), StatusCode::kDataLoss);
    }
  }
}

}  // namespace
}  // namespace scanfleet
