#include "engine/log.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <mutex>

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>

namespace mlc::engine::log {

namespace {

struct sink {
  std::mutex mutex;
  level min_level = level::info;
  bool json = true;
  std::ostream* out = nullptr;
};

sink& the_sink() {
  static sink s;
  return s;
}

constexpr std::string_view k_names[] = {"debug", "info", "warn", "error"};

std::string now_utc() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
  return buf;
}

// JSON string literal, escaped (control characters, quotes, invalid UTF-8 handled by Boost.JSON).
std::string quoted(std::string_view s) { return boost::json::serialize(boost::json::string_view{s.data(), s.size()}); }

}  // namespace

std::optional<level> parse_level(std::string_view name) {
  for (std::size_t i = 0; i < std::size(k_names); ++i)
    if (k_names[i] == name) return static_cast<level>(i);
  return std::nullopt;
}

void configure(level min_level, bool json, std::ostream* out) {
  auto& s = the_sink();
  std::lock_guard lock{s.mutex};
  s.min_level = min_level;
  s.json = json;
  s.out = out;
}

bool enabled(level l) { return l >= the_sink().min_level; }

void write(level l, where const& w, std::string_view event, std::string_view message) {
  auto& s = the_sink();
  if (l < s.min_level) return;
  std::string line;
  line.reserve(128 + message.size());
  auto name = k_names[static_cast<int>(l)];
  if (s.json) {
    line += "{\"time\":\"" + now_utc() + "\",\"level\":\"";
    line += name;
    line += '"';
    auto field = [&](std::string_view key, std::string_view value) {
      if (value.empty()) return;
      line += ",\"";
      line += key;
      line += "\":";
      line += quoted(value);
    };
    field("tenant", w.tenant);
    field("entity", w.entity);
    field("record", w.record);
    field("event", event);
    field("message", message);
    line += "}\n";
  } else {
    line += now_utc() + ' ';
    line += name;
    for (auto part : {w.tenant, w.entity, w.record}) {
      if (part.empty()) continue;
      line += ' ';
      line += part;
    }
    line += " [";
    line += event;
    line += "] ";
    // Messages can carry remote text (Jira's error messages): no raw line breaks or other
    // control characters, so one entry cannot pose as several.
    for (char c : message) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        char escaped[8];
        std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(c));
        line += escaped;
      } else {
        line += c;
      }
    }
    line += '\n';
  }
  std::lock_guard lock{s.mutex};
  auto& out = s.out ? *s.out : std::cerr;
  out << line;
  out.flush();
}

}  // namespace mlc::engine::log
