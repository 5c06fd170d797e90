#include "core/cron.h"

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "core/text.h"

namespace pharos {
namespace {

namespace chr = std::chrono;

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kWeekdayNames = {"SUN", "MON", "TUE", "WED",
                                                           "THU", "FRI", "SAT"};

struct FieldSpec {
  std::string_view name;
  int min;
  int max;
  const std::string_view* names;  // names[i] is the value min + i; null when the field has none
  std::size_t nameCount;
  std::string_view nameKind;
};

constexpr FieldSpec kMinuteField{"minute", 0, 59, nullptr, 0, ""};
constexpr FieldSpec kHourField{"hour", 0, 23, nullptr, 0, ""};
constexpr FieldSpec kDayOfMonthField{"day-of-month", 1, 31, nullptr, 0, ""};
constexpr FieldSpec kMonthField{
    "month", 1, 12, kMonthNames.data(), kMonthNames.size(), "month name (JAN-DEC)"};
constexpr FieldSpec kDayOfWeekField{
    "day-of-week", 0, 7, kWeekdayNames.data(), kWeekdayNames.size(), "weekday name (SUN-SAT)"};

struct Macro {
  std::string_view name;
  std::string_view expansion;
};
constexpr std::array<Macro, 7> kMacros = {{{"@hourly", "0 * * * *"},
                                           {"@daily", "0 0 * * *"},
                                           {"@midnight", "0 0 * * *"},
                                           {"@weekly", "0 0 * * 0"},
                                           {"@monthly", "0 0 1 * *"},
                                           {"@yearly", "0 0 1 1 *"},
                                           {"@annually", "0 0 1 1 *"}}};

Error fieldError(const FieldSpec& field, std::string_view what) {
  return makeError(ErrorCode::kInvalidArgument,
                   fmt::format("cron field '{}': {}", field.name, what));
}

bool isDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Saturates instead of overflowing: a number that long is out of range anyway.
int toInt(std::string_view digits) {
  if (digits.size() > 6) return std::numeric_limits<int>::max();
  int value = 0;
  for (char c : digits)
    value = value * 10 + (c - '0');
  return value;
}

// A number or, where the field has them, a name.
Result<int> parseValue(const FieldSpec& field, std::string_view text) {
  if (isDigits(text)) {
    int value = toInt(text);
    if (value < field.min || value > field.max) {
      return fieldError(field, fmt::format("{} is out of range {}-{}", text, field.min, field.max));
    }
    return value;
  }
  for (std::size_t i = 0; i < field.nameCount; ++i) {
    if (iequals(text, field.names[i])) return field.min + static_cast<int>(i);
  }
  if (field.names == nullptr) return fieldError(field, fmt::format("'{}' is not a number", text));
  return fieldError(field, fmt::format("'{}' is not a number or a {}", text, field.nameKind));
}

// One comma-separated item: `*`, `N`, `A-B`, `*/S` or `A-B/S`, as a bit set.
Result<std::uint64_t> parseItem(const FieldSpec& field, std::string_view item) {
  if (item.empty()) return fieldError(field, "empty list item");
  std::string_view range = item;
  int step = 1;
  if (auto slash = item.find('/'); slash != std::string_view::npos) {
    range = item.substr(0, slash);
    std::string_view stepText = item.substr(slash + 1);
    const int width = field.max - field.min + 1;
    if (!isDigits(stepText)) {
      return fieldError(field, fmt::format("step '{}' in '{}' is not a number", stepText, item));
    }
    step = toInt(stepText);
    if (step < 1 || step > width) {
      return fieldError(field,
                        fmt::format("step {} in '{}' is out of range 1-{}", stepText, item, width));
    }
    if (range != "*" && range.find('-') == std::string_view::npos) {
      return fieldError(field, fmt::format("'{}' needs a range or '*' before the step (write "
                                           "'{}-{}/{}')",
                                           item, range, field.max, stepText));
    }
  }
  int first = field.min;
  int last = field.max;
  if (range != "*") {
    auto dash = range.find('-');
    std::string_view firstText = range.substr(0, dash);
    PHAROS_ASSIGN_OR_RETURN(first, parseValue(field, firstText));
    last = first;
    if (dash != std::string_view::npos) {
      std::string_view lastText = range.substr(dash + 1);
      PHAROS_ASSIGN_OR_RETURN(last, parseValue(field, lastText));
      // SUN closing a weekday range is 7: FRI-SUN is Friday to Sunday, not a reversed range.
      if (&field == &kDayOfWeekField && last == 0 && first > 0 && !isDigits(lastText)) last = 7;
      if (first > last) {
        return fieldError(field, fmt::format("range '{}' is reversed (ranges do not wrap around; "
                                             "write it as two ranges)",
                                             range));
      }
    }
  }
  std::uint64_t bits = 0;
  for (int v = first; v <= last; v += step)
    bits |= std::uint64_t{1} << v;
  return bits;
}

Result<std::uint64_t> parseField(const FieldSpec& field, std::string_view text) {
  std::uint64_t bits = 0;
  while (true) {
    auto comma = text.find(',');
    PHAROS_ASSIGN_OR_RETURN(std::uint64_t item, parseItem(field, text.substr(0, comma)));
    bits |= item;
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return bits;
}

std::vector<std::string_view> splitFields(std::string_view text) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t'))
      ++i;
    std::size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t')
      ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  return fields;
}

// The smallest set bit at or above `from`, the largest at or below it; -1 when none.
int nextBit(std::uint64_t bits, int from) {
  if (from > 63) return -1;
  std::uint64_t rest = bits & (~std::uint64_t{0} << from);
  return rest == 0 ? -1 : std::countr_zero(rest);
}
int prevBit(std::uint64_t bits, int from) {
  if (from < 0) return -1;
  std::uint64_t rest = from >= 63 ? bits : bits & ((std::uint64_t{2} << from) - 1);
  return rest == 0 ? -1 : 63 - std::countl_zero(rest);
}

unsigned daysIn(int year, unsigned month) {
  return static_cast<unsigned>((chr::year{year} / chr::month{month} / chr::last).day());
}

// A minute of the UTC calendar, moved field by field while searching.
struct Civil {
  int year;
  unsigned month;
  unsigned day;
  int hour;
  int minute;
};

constexpr std::int64_t kMinutesPerDay = 24 * 60;

Civil toCivil(std::int64_t minutes) {
  std::int64_t days = minutes / kMinutesPerDay;
  std::int64_t rest = minutes % kMinutesPerDay;
  if (rest < 0) {
    rest += kMinutesPerDay;
    --days;
  }
  chr::year_month_day date{chr::sys_days{chr::days{days}}};
  return {static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
          static_cast<unsigned>(date.day()), static_cast<int>(rest / 60),
          static_cast<int>(rest % 60)};
}

std::int64_t toMinutes(const Civil& c) {
  chr::sys_days date{chr::year{c.year} / chr::month{c.month} / chr::day{c.day}};
  return date.time_since_epoch().count() * kMinutesPerDay + c.hour * 60 + c.minute;
}

void nextDay(Civil& c) {
  c.hour = 0;
  c.minute = 0;
  if (++c.day <= daysIn(c.year, c.month)) return;
  c.day = 1;
  if (++c.month > 12) {
    c.month = 1;
    ++c.year;
  }
}

void previousDay(Civil& c) {
  c.hour = 23;
  c.minute = 59;
  if (--c.day >= 1) return;
  if (--c.month < 1) {
    c.month = 12;
    --c.year;
  }
  c.day = daysIn(c.year, c.month);
}

// The minutes WallTime (nanoseconds in libstdc++) can hold, so a result always converts.
std::int64_t firstRepresentableMinute() {
  return chr::ceil<chr::minutes>(WallTime::min().time_since_epoch()).count();
}
std::int64_t lastRepresentableMinute() {
  return chr::floor<chr::minutes>(WallTime::max().time_since_epoch()).count();
}

WallTime fromMinutes(std::int64_t minutes) {
  return WallTime(chr::duration_cast<WallTime::duration>(chr::minutes(minutes)));
}

// A satisfiable schedule matches within a dozen years (a weekday-and-date pair such as "the 1st
// is a Monday" can skip eleven); the search stops after one Gregorian cycle whatever happens.
constexpr std::int64_t kSearchLimitMinutes = std::int64_t{146097} * kMinutesPerDay;

}  // namespace

Result<CronSchedule> CronSchedule::parse(std::string_view expression) {
  CronSchedule schedule;
  std::string_view text = trimSpaces(expression);
  schedule.text_ = std::string(text);
  if (!text.empty() && text[0] == '@') {
    const Macro* macro = nullptr;
    for (const auto& m : kMacros) {
      if (iequals(text, m.name)) macro = &m;
    }
    if (macro == nullptr) {
      return makeError(ErrorCode::kInvalidArgument,
                       fmt::format("unknown cron macro '{}' (known: @hourly, @daily, @weekly, "
                                   "@monthly, @yearly)",
                                   text));
    }
    text = macro->expansion;
  }
  std::vector<std::string_view> fields = splitFields(text);
  if (fields.size() != 5) {
    return makeError(ErrorCode::kInvalidArgument,
                     fmt::format("cron expression '{}' has {} fields; expected 5 (minute hour "
                                 "day-of-month month day-of-week)",
                                 schedule.text_, fields.size()));
  }
  PHAROS_ASSIGN_OR_RETURN(schedule.minutes_, parseField(kMinuteField, fields[0]));
  PHAROS_ASSIGN_OR_RETURN(schedule.hours_, parseField(kHourField, fields[1]));
  PHAROS_ASSIGN_OR_RETURN(schedule.daysOfMonth_, parseField(kDayOfMonthField, fields[2]));
  PHAROS_ASSIGN_OR_RETURN(schedule.months_, parseField(kMonthField, fields[3]));
  PHAROS_ASSIGN_OR_RETURN(std::uint64_t weekdays, parseField(kDayOfWeekField, fields[4]));
  constexpr std::uint64_t kSunday = 1, kSundayAsSeven = std::uint64_t{1} << 7;
  if (weekdays & kSundayAsSeven) weekdays = (weekdays & ~kSundayAsSeven) | kSunday;
  schedule.daysOfWeek_ = weekdays;
  schedule.eitherDayMatches_ = fields[2][0] != '*' && fields[4][0] != '*';

  // Every calendar date falls on every weekday within 400 years, so the weekday field can only
  // rule a schedule out through the day-of-month/month pairs: "30 2" never happens, "29 2" does.
  bool someDateExists = false;
  for (int month = nextBit(schedule.months_, 1); month > 0;
       month = nextBit(schedule.months_, month + 1)) {
    unsigned longest = daysIn(2000, static_cast<unsigned>(month));  // a leap year
    if (nextBit(schedule.daysOfMonth_, 1) <= static_cast<int>(longest)) someDateExists = true;
  }
  schedule.canMatch_ = schedule.eitherDayMatches_ || someDateExists;
  return schedule;
}

bool CronSchedule::dayMatches(int year, unsigned month, unsigned day) const {
  chr::weekday weekday{chr::sys_days{chr::year{year} / chr::month{month} / chr::day{day}}};
  bool dayOfMonth = (daysOfMonth_ >> day) & 1;
  bool dayOfWeek = (daysOfWeek_ >> weekday.c_encoding()) & 1;
  return eitherDayMatches_ ? (dayOfMonth || dayOfWeek) : (dayOfMonth && dayOfWeek);
}

std::optional<std::int64_t> CronSchedule::firstMatchFrom(std::int64_t from,
                                                         std::int64_t last) const {
  if (!canMatch_ || from > last) return std::nullopt;
  Civil c = toCivil(from);
  const int lastYear = toCivil(last).year;
  while (c.year <= lastYear) {
    if (!((months_ >> c.month) & 1)) {
      int month = nextBit(months_, static_cast<int>(c.month) + 1);
      if (month < 0) {
        ++c.year;
        month = nextBit(months_, 1);
      }
      c = {c.year, static_cast<unsigned>(month), 1, 0, 0};
      continue;
    }
    if (!dayMatches(c.year, c.month, c.day)) {
      nextDay(c);
      continue;
    }
    int hour = nextBit(hours_, c.hour);
    if (hour < 0) {
      nextDay(c);
      continue;
    }
    if (hour != c.hour) {
      c.hour = hour;
      c.minute = 0;
    }
    int minute = nextBit(minutes_, c.minute);
    if (minute < 0) {
      if (c.hour == 23) {
        nextDay(c);
      } else {
        ++c.hour;
        c.minute = 0;
      }
      continue;
    }
    c.minute = minute;
    std::int64_t at = toMinutes(c);
    if (at > last) return std::nullopt;
    return at;
  }
  return std::nullopt;
}

std::optional<std::int64_t> CronSchedule::lastMatchUpTo(std::int64_t from,
                                                        std::int64_t first) const {
  if (!canMatch_ || from < first) return std::nullopt;
  Civil c = toCivil(from);
  const int firstYear = toCivil(first).year;
  while (c.year >= firstYear) {
    if (!((months_ >> c.month) & 1)) {
      int month = prevBit(months_, static_cast<int>(c.month) - 1);
      if (month < 1) {
        --c.year;
        month = prevBit(months_, 12);
      }
      c.month = static_cast<unsigned>(month);
      c.day = daysIn(c.year, c.month);
      c.hour = 23;
      c.minute = 59;
      continue;
    }
    if (!dayMatches(c.year, c.month, c.day)) {
      previousDay(c);
      continue;
    }
    int hour = prevBit(hours_, c.hour);
    if (hour < 0) {
      previousDay(c);
      continue;
    }
    if (hour != c.hour) {
      c.hour = hour;
      c.minute = 59;
    }
    int minute = prevBit(minutes_, c.minute);
    if (minute < 0) {
      if (c.hour == 0) {
        previousDay(c);
      } else {
        --c.hour;
        c.minute = 59;
      }
      continue;
    }
    c.minute = minute;
    std::int64_t at = toMinutes(c);
    if (at < first) return std::nullopt;
    return at;
  }
  return std::nullopt;
}

std::optional<WallTime> CronSchedule::nextAfter(WallTime t) const {
  std::int64_t from = chr::floor<chr::minutes>(t.time_since_epoch()).count() + 1;
  std::int64_t last = lastRepresentableMinute();
  if (last - from > kSearchLimitMinutes) last = from + kSearchLimitMinutes;
  auto at = firstMatchFrom(std::max(from, firstRepresentableMinute()), last);
  if (!at) return std::nullopt;
  return fromMinutes(*at);
}

std::optional<WallTime> CronSchedule::lastAtOrBefore(WallTime t, Millis lookback) const {
  if (lookback.count() < 0) return std::nullopt;
  std::int64_t upTo = chr::floor<chr::minutes>(t.time_since_epoch()).count();
  // The earliest acceptable match is t - lookback, rounded up to a minute boundary.
  std::int64_t earliestMs = 0;
  if (__builtin_sub_overflow(toUnixMillis(t), lookback.count(), &earliestMs)) {
    earliestMs = std::numeric_limits<std::int64_t>::min();
  }
  std::int64_t first = chr::ceil<chr::minutes>(Millis(earliestMs)).count();
  first = std::max({first, firstRepresentableMinute(), upTo - kSearchLimitMinutes});
  auto at = lastMatchUpTo(upTo, first);
  if (!at) return std::nullopt;
  return fromMinutes(*at);
}

}  // namespace pharos
