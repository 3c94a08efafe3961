// CronExpression: a parsed cron schedule and the next time it fires (UTC).
//
// Standard five fields (minute hour day-of-month month day-of-week), or six
// with a leading seconds field. Each field takes `*`, numbers, ranges `a-b`,
// steps `*/n` and `a-b/n`, and comma lists; months and weekdays also take
// names (JAN..DEC, SUN..SAT; weekday 7 is Sunday). As in Vixie cron, when both
// day-of-month and day-of-week are restricted a day matching either fires.
// Macros: @yearly @annually @monthly @weekly @daily @midnight @hourly.
// Parse() never throws; untrusted text gets a Status naming the bad field.
// Thread-safety: an immutable value once parsed.
#pragma once

#include <bitset>
#include <optional>
#include <string>
#include <string_view>

#include "common/status/status.h"
#include "common/time/clock.h"

namespace scanfleet {

class CronExpression {
 public:
  static StatusOr<CronExpression> Parse(std::string_view text);
  // Matches nothing: NextAfter() is always nullopt.
  CronExpression() = default;

  // The first firing time strictly after `after_ms` (whole seconds, UTC), or
  // nullopt when the expression never matches within the next 50 years
  // (e.g. "0 0 31 2 *").
  std::optional<TimeMs> NextAfter(TimeMs after_ms) const;

  const std::string& text() const { return text_; }

 private:
  bool DayMatches(int year, int month, int day) const;

  std::string text_;
  std::bitset<60> seconds_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // 1..31
  std::bitset<13> months_;         // 1..12
  std::bitset<7> days_of_week_;    // 0 = Sunday
  bool day_of_month_restricted_ = false;
  bool day_of_week_restricted_ = false;
};

}  // namespace scanfleet
