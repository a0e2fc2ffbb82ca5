#pragma once
// Calendar arithmetic and the timestamp formats the emulated systems print:
// X3 "YYYY-MM-DDTHH:MM:SSZ" and "YYYY-MM-DD", Jira "YYYY-MM-DDTHH:MM:SS.mmm+0000".
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mlc::emu {

using sys_ms = std::chrono::sys_time<std::chrono::milliseconds>;

std::int64_t days_from_civil(int y, unsigned m, unsigned d);
void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d);

std::string format_stamp(sys_ms t);       // 2026-01-31T08:15:00Z (seconds precision)
std::string format_date(std::int64_t days_since_epoch);  // 2026-01-31
// The same texts into a caller's buffer (20 and 10 chars, no terminator): the list pages
// print thousands of them per request and must not allocate for each.
inline constexpr std::size_t k_stamp_chars = 20, k_date_chars = 10;
void write_stamp(char* out, sys_ms t);
void write_date(char* out, std::int64_t days_since_epoch);
std::string format_date(sys_ms t);
std::string format_jira_time(sys_ms t);   // 2026-01-31T08:15:00.000+0000
std::string format_iso_ms(sys_ms t);      // 2026-01-31T08:15:00.000Z

// Strict "YYYY-MM-DD" with a real calendar date.
std::optional<std::int64_t> parse_date(std::string_view text);
// "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|+HHMM)"; also a bare date (midnight UTC).
std::optional<sys_ms> parse_timestamp(std::string_view text);

}  // namespace mlc::emu
