#include "controller/triggers/cron.h"

#include <gtest/gtest.h>

namespace scanfleet {
namespace {

// 2026-01-31T23:59:59Z and friends, as milliseconds.
constexpr TimeMs Utc(int64_t days_since_epoch, int hour, int minute, int second) {
  return ((days_since_epoch * 24 + hour) * 60 + minute) * 60000LL + second * 1000LL;
}
// Days since 1970-01-01 of a few dates (checked against `date -u -d`).
constexpr int64_t k2026Jan31 = 20484;  // a Saturday
constexpr int64_t k2026Feb1 = 20485;   // a Sunday
constexpr int64_t k2026Mar1 = 20513;   // a Sunday
constexpr int64_t k2028Feb29 = 21243;  // a Tuesday (leap day)

CronExpression Cron(const std::string& text) {
  auto cron = CronExpression::Parse(text);
  EXPECT_TRUE(cron.ok()) << text << ": " << cron.status().message();
  return std::move(cron).value();
}

TEST(CronTest, EveryMinuteFiresAtTheNextWholeMinute) {
  EXPECT_EQ(Cron("* * * * *").NextAfter(Utc(k2026Jan31, 10, 0, 0)), Utc(k2026Jan31, 10, 1, 0));
  EXPECT_EQ(Cron("* * * * *").NextAfter(Utc(k2026Jan31, 10, 0, 0) + 1), Utc(k2026Jan31, 10, 1, 0));
}

TEST(CronTest, SixFieldsAddSeconds) {
  CronExpression every_two = Cron("*/2 * * * * *");
  EXPECT_EQ(every_two.NextAfter(Utc(k2026Jan31, 10, 0, 0)), Utc(k2026Jan31, 10, 0, 2));
  EXPECT_EQ(every_two.NextAfter(Utc(k2026Jan31, 10, 0, 1) + 500), Utc(k2026Jan31, 10, 0, 2));
  EXPECT_EQ(every_two.NextAfter(Utc(k2026Jan31, 10, 0, 59)), Utc(k2026Jan31, 10, 1, 0));
}

TEST(CronTest, CarriesAcrossMonthAndYearEnds) {
  EXPECT_EQ(Cron("0 0 * * *").NextAfter(Utc(k2026Jan31, 23, 59, 59)), Utc(k2026Feb1, 0, 0, 0));
  // 1st of the month at 06:30: from the last day of January to February 1st.
  EXPECT_EQ(Cron("30 6 1 * *").NextAfter(Utc(k2026Jan31, 7, 0, 0)), Utc(k2026Feb1, 6, 30, 0));
  // 2026-12-31 -> 2027-01-01 via @yearly.
  constexpr int64_t k2026Dec31 = 20818;
  EXPECT_EQ(Cron("@yearly").NextAfter(Utc(k2026Dec31, 12, 0, 0)), Utc(k2026Dec31 + 1, 0, 0, 0));
}

TEST(CronTest, FebruaryHasNo30thAndLeapDaysComeEveryFourYears) {
  // "30th of every month" skips February.
  EXPECT_EQ(Cron("0 0 30 * *").NextAfter(Utc(k2026Jan31, 0, 0, 0)), Utc(k2026Mar1 + 29, 0, 0, 0));
  // Feb 29 next happens in 2028.
  EXPECT_EQ(Cron("0 12 29 2 *").NextAfter(Utc(k2026Jan31, 0, 0, 0)), Utc(k2028Feb29, 12, 0, 0));
  // February 31st never happens.
  EXPECT_EQ(Cron("0 0 31 2 *").NextAfter(Utc(k2026Jan31, 0, 0, 0)), std::nullopt);
}

TEST(CronTest, DayOfWeekNamesNumbersAndSevenForSunday) {
  // Saturday Jan 31 -> next Monday is Feb 2.
  EXPECT_EQ(Cron("0 9 * * MON").NextAfter(Utc(k2026Jan31, 12, 0, 0)), Utc(k2026Feb1 + 1, 9, 0, 0));
  EXPECT_EQ(Cron("0 9 * * 7").NextAfter(Utc(k2026Jan31, 12, 0, 0)), Utc(k2026Feb1, 9, 0, 0));
  EXPECT_EQ(Cron("0 9 * * 0").NextAfter(Utc(k2026Jan31, 12, 0, 0)), Utc(k2026Feb1, 9, 0, 0));
  EXPECT_EQ(Cron("0 9 * * mon-fri").NextAfter(Utc(k2026Jan31, 12, 0, 0)),
            Utc(k2026Feb1 + 1, 9, 0, 0));
  EXPECT_EQ(Cron("@weekly").NextAfter(Utc(k2026Jan31, 12, 0, 0)), Utc(k2026Feb1, 0, 0, 0));
}

TEST(CronTest, DayOfMonthAndDayOfWeekTogetherMatchEither) {
  // "the 15th, or any Sunday": from Saturday Jan 31 the Sunday comes first.
  EXPECT_EQ(Cron("0 0 15 * SUN").NextAfter(Utc(k2026Jan31, 1, 0, 0)), Utc(k2026Feb1, 0, 0, 0));
  // A restricted month still applies: March, 15th or Sunday -> Sunday March 1.
  EXPECT_EQ(Cron("0 0 15 MAR SUN").NextAfter(Utc(k2026Jan31, 1, 0, 0)), Utc(k2026Mar1, 0, 0, 0));
}

TEST(CronTest, ListsRangesAndSteps) {
  CronExpression cron = Cron("0 8-18/5,23 * JAN,mar *");
  // Hours 8, 13, 18, 23 in January and March.
  EXPECT_EQ(cron.NextAfter(Utc(k2026Jan31, 9, 0, 0)), Utc(k2026Jan31, 13, 0, 0));
  EXPECT_EQ(cron.NextAfter(Utc(k2026Jan31, 18, 0, 0)), Utc(k2026Jan31, 23, 0, 0));
  EXPECT_EQ(cron.NextAfter(Utc(k2026Jan31, 23, 0, 0)), Utc(k2026Mar1, 8, 0, 0));
  EXPECT_EQ(Cron("5/20 * * * *").NextAfter(Utc(k2026Jan31, 9, 30, 0)), Utc(k2026Jan31, 9, 45, 0));
  EXPECT_EQ(Cron("@hourly").NextAfter(Utc(k2026Jan31, 9, 30, 0)), Utc(k2026Jan31, 10, 0, 0));
}

TEST(CronTest, InvalidExpressionsAreRefusedWithTheField) {
  struct Case {
    const char* text;
    const char* message_part;
  };
  for (const Case& c :
       {Case{"", "0 fields"}, Case{"* * * *", "4 fields"}, Case{"* * * * * * *", "7 fields"},
        Case{"60 * * * *", "minute field '60': 60 is out of range 0-59"},
        Case{"* 24 * * *", "hour field"}, Case{"* * 0 * *", "day-of-month field '0'"},
        Case{"* * * 13 *", "month field"}, Case{"* * * FOO *", "unknown value 'FOO'"},
        Case{"* * * * 8", "day-of-week field"}, Case{"5-1 * * * *", "range runs backwards"},
        Case{"*/0 * * * *", "out of range"}, Case{"1/2/3 * * * *", "more than one '/'"},
        Case{"1,,2 * * * *", "empty value"}, Case{"a * * * *", "unknown value"},
        Case{"@sometimes", "unknown cron macro"}, Case{"99999 * * * *", "number too long"}}) {
    auto cron = CronExpression::Parse(c.text);
    ASSERT_FALSE(cron.ok()) << c.text;
    EXPECT_NE(cron.status().message().find(c.message_part), std::string::npos)
        << c.text << " -> " << cron.status().message();
  }
}

}  // namespace
}  // namespace scanfleet
