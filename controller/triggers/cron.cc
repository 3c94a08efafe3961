#include "controller/triggers/cron.h"

#include <array>
#include <cctype>
#include <vector>

namespace scanfleet {

namespace {

constexpr size_t kMaxExpressionLength = 256;
constexpr int kSearchYears = 50;

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // names for min..min+count-1, or null
  int name_count;
};

constexpr const char* kMonthNames[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                       "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr const char* kDayNames[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

constexpr FieldSpec kSecond{"second", 0, 59, nullptr, 0};
constexpr FieldSpec kMinute{"minute", 0, 59, nullptr, 0};
constexpr FieldSpec kHour{"hour", 0, 23, nullptr, 0};
constexpr FieldSpec kDayOfMonth{"day-of-month", 1, 31, nullptr, 0};
constexpr FieldSpec kMonth{"month", 1, 12, kMonthNames, 12};
constexpr FieldSpec kDayOfWeek{"day-of-week", 0, 7, kDayNames, 7};

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

Status FieldError(const FieldSpec& spec, std::string_view field, const std::string& why) {
  return Status::InvalidArgument("cron " + std::string(spec.name) + " field '" +
                                 std::string(field) + "': " + why);
}

// A number or (for months and weekdays) a three-letter name.
StatusOr<int> ParseValue(const FieldSpec& spec, std::string_view field, std::string_view text) {
  if (text.empty()) return FieldError(spec, field, "empty value");
  if (std::isdigit(static_cast<unsigned char>(text.front()))) {
    if (text.size() > 4) return FieldError(spec, field, "number too long");
    int value = 0;
    for (char c : text) {
      if (!std::isdigit(static_cast<unsigned char>(c))) {
        return FieldError(spec, field, "'" + std::string(text) + "' is not a number");
      }
      value = value * 10 + (c - '0');
    }
    if (value < spec.min || value > spec.max) {
      return FieldError(spec, field,
                        std::to_string(value) + " is out of range " + std::to_string(spec.min) +
                            "-" + std::to_string(spec.max));
    }
    return value;
  }
  std::string upper;
  for (char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (int i = 0; i < spec.name_count; ++i) {
    if (upper == spec.names[i]) return (spec.names == kMonthNames ? 1 : 0) + i;
  }
  return FieldError(spec, field, "unknown value '" + std::string(text) + "'");
}

// Sets the bits of one field; returns whether it was '*' (unrestricted).
template <size_t N>
StatusOr<bool> ParseField(const FieldSpec& spec, std::string_view field, std::bitset<N>& bits) {
  if (field.empty()) return FieldError(spec, field, "empty field");
  bool star = false;
  for (std::string_view item : Split(field, ',')) {
    std::vector<std::string_view> step_parts = Split(item, '/');
    if (step_parts.size() > 2) return FieldError(spec, field, "more than one '/'");
    int step = 1;
    if (step_parts.size() == 2) {
      ASSIGN_OR_RETURN(step, ParseValue(FieldSpec{spec.name, 1, spec.max + 1, nullptr, 0}, field,
                                        step_parts[1]));
    }
    std::string_view range = step_parts[0];
    int low = spec.min;
    int high = spec.max;
    if (range == "*") {
      if (step_parts.size() == 1 && item == field) star = true;
      if (&spec == &kDayOfWeek) high = 6;
    } else {
      std::vector<std::string_view> bounds = Split(range, '-');
      if (bounds.size() > 2) return FieldError(spec, field, "more than one '-' in a range");
      ASSIGN_OR_RETURN(low, ParseValue(spec, field, bounds[0]));
      high = low;
      if (bounds.size() == 2) {
        ASSIGN_OR_RETURN(high, ParseValue(spec, field, bounds[1]));
        if (high < low) return FieldError(spec, field, "range runs backwards");
      } else if (step_parts.size() == 2) {
        high = (&spec == &kDayOfWeek) ? 6 : spec.max;  // "a/n": from a to the end
      }
    }
    for (int value = low; value <= high; value += step) {
      bits.set(static_cast<size_t>(&spec == &kDayOfWeek ? value % 7 : value));
    }
  }
  return star;
}

std::string_view ExpandMacro(std::string_view text) {
  if (text == "@yearly" || text == "@annually") return "0 0 1 1 *";
  if (text == "@monthly") return "0 0 1 * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@daily" || text == "@midnight") return "0 0 * * *";
  if (text == "@hourly") return "0 * * * *";
  return {};
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int& year, int& month, int& day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = static_cast<int>(yoe + era * 400 + (month <= 2));
}

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[static_cast<size_t>(month - 1)];
}

}  // namespace

StatusOr<CronExpression> CronExpression::Parse(std::string_view text) {
  if (text.size() > kMaxExpressionLength) {
    return Status::InvalidArgument("cron expression is longer than " +
                                   std::to_string(kMaxExpressionLength) + " bytes");
  }
  CronExpression cron;
  cron.text_ = std::string(text);
  std::string_view expanded = text;
  if (!text.empty() && text.front() == '@') {
    expanded = ExpandMacro(text);
    if (expanded.empty()) {
      return Status::InvalidArgument("unknown cron macro '" + std::string(text) +
                                     "' (known: @yearly @annually @monthly @weekly @daily "
                                     "@midnight @hourly)");
    }
  }
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < expanded.size()) {
    while (i < expanded.size() && (expanded[i] == ' ' || expanded[i] == '\t')) ++i;
    size_t start = i;
    while (i < expanded.size() && expanded[i] != ' ' && expanded[i] != '\t') ++i;
    if (i > start) fields.push_back(expanded.substr(start, i - start));
  }
  if (fields.size() != 5 && fields.size() != 6) {
    return Status::InvalidArgument(
        "cron expression '" + std::string(text) + "' has " + std::to_string(fields.size()) +
        " fields; want 5 (minute hour day-of-month month day-of-week) or 6 (seconds first)");
  }
  size_t next = 0;
  if (fields.size() == 6) {
    RETURN_IF_ERROR(ParseField(kSecond, fields[next++], cron.seconds_).status());
  } else {
    cron.seconds_.set(0);
  }
  RETURN_IF_ERROR(ParseField(kMinute, fields[next++], cron.minutes_).status());
  RETURN_IF_ERROR(ParseField(kHour, fields[next++], cron.hours_).status());
  ASSIGN_OR_RETURN(bool any_day, ParseField(kDayOfMonth, fields[next++], cron.days_of_month_));
  RETURN_IF_ERROR(ParseField(kMonth, fields[next++], cron.months_).status());
  ASSIGN_OR_RETURN(bool any_weekday, ParseField(kDayOfWeek, fields[next++], cron.days_of_week_));
  cron.day_of_month_restricted_ = !any_day;
  cron.day_of_week_restricted_ = !any_weekday;
  return cron;
}

bool CronExpression::DayMatches(int year, int month, int day) const {
  bool by_date = days_of_month_.test(static_cast<size_t>(day));
  int64_t days = DaysFromCivil(year, month, day);
  // 1970-01-01 was a Thursday (4).
  size_t weekday = static_cast<size_t>(((days % 7) + 11) % 7);
  bool by_weekday = days_of_week_.test(weekday);
  if (day_of_month_restricted_ && day_of_week_restricted_) return by_date || by_weekday;
  if (day_of_month_restricted_) return by_date;
  if (day_of_week_restricted_) return by_weekday;
  return true;
}

std::optional<TimeMs> CronExpression::NextAfter(TimeMs after_ms) const {
  // Start at the next whole second.
  int64_t start_s = (after_ms >= 0 ? after_ms / 1000 : (after_ms - 999) / 1000) + 1;
  int64_t day_number = (start_s >= 0 ? start_s / 86400 : (start_s - 86399) / 86400);
  int64_t second_of_day = start_s - day_number * 86400;
  int year, month, day;
  CivilFromDays(day_number, year, month, day);
  int hour = static_cast<int>(second_of_day / 3600);
  int minute = static_cast<int>(second_of_day / 60 % 60);
  int second = static_cast<int>(second_of_day % 60);
  const int last_year = year + kSearchYears;
  auto next_day = [&] {
    hour = minute = second = 0;
    if (++day > DaysInMonth(year, month)) {
      day = 1;
      if (++month > 12) month = 1, ++year;
    }
  };
  while (year <= last_year) {
    if (!months_.test(static_cast<size_t>(month))) {
      hour = minute = second = 0;
      day = 1;
      if (++month > 12) month = 1, ++year;
      continue;
    }
    if (!DayMatches(year, month, day)) {
      next_day();
      continue;
    }
    if (!hours_.test(static_cast<size_t>(hour))) {
      minute = second = 0;
      if (++hour > 23) next_day();
      continue;
    }
    if (!minutes_.test(static_cast<size_t>(minute))) {
      second = 0;
      if (++minute > 59) {
        minute = 0;
        if (++hour > 23) next_day();
      }
      continue;
    }
    if (!seconds_.test(static_cast<size_t>(second))) {
      if (++second > 59) {
        second = 0;
        if (++minute > 59) {
          minute = 0;
          if (++hour > 23) next_day();
        }
      }
      continue;
    }
    int64_t seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
    return seconds * 1000;
  }
  return std::nullopt;
}

}  // namespace scanfleet
