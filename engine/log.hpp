#pragma once
// Structured logging: one JSON object per line (time, level, tenant, entity, record, event,
// message), or a human-readable line for terminals. Callers never pass secrets: messages are
// built from names, ids and statuses only.
// Thread safety: write() takes a lock; configure() before starting threads.
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace mlc::engine::log {

enum class level { debug = 0, info = 1, warn = 2, error = 3 };

// Where a line comes from; empty members are left out of the output.
struct where {
  std::string_view tenant;
  std::string_view entity;
  std::string_view record;
};

std::optional<level> parse_level(std::string_view);
void configure(level min_level, bool json, std::ostream* out = nullptr);  // default: std::cerr
bool enabled(level);
void write(level, where const&, std::string_view event, std::string_view message);

inline void debug(where const& w, std::string_view event, std::string_view message) { write(level::debug, w, event, message); }
inline void info(where const& w, std::string_view event, std::string_view message) { write(level::info, w, event, message); }
inline void warn(where const& w, std::string_view event, std::string_view message) { write(level::warn, w, event, message); }
inline void error(where const& w, std::string_view event, std::string_view message) { write(level::error, w, event, message); }

}  // namespace mlc::engine::log
