#pragma once
// The composite (updated, id) watermark of DESIGN §4, and the UTC timestamp and date text
// forms that Sage X3, the watermark and Jira share.
//
// Timestamps are whole seconds. X3's UPDDATTIM has second resolution; GraphQL's
// _updateStamp may carry milliseconds, which are truncated (floored) everywhere, so a
// record's key and the filter built from a watermark always agree. Flooring can reorder
// records that X3 sorts by milliseconds within one second; that is safe because each poll
// re-reads from `query_from` (>= the watermark's second minus the lookback) and the caller
// drops what is already in Jira by content hash — never by `after()` alone.
// Pure functions; no shared state.
#include <chrono>
#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace mlc::engine {

using std::chrono::sys_days;
using std::chrono::sys_seconds;

// "2026-01-31T10:00:00Z", "2026-01-31 10:00:00", "2026-01-31T10:00:00.123Z",
// "2026-01-31T12:00:00+02:00", "...+0200", "...+02". No zone means UTC. Fractions are
// floored. nullopt for anything else or an impossible date/time.
std::optional<sys_seconds> parse_timestamp(std::string_view text);
// "YYYY-MM-DDTHH:MM:SSZ"
std::string format_timestamp(sys_seconds t);

// "2026-01-31" or X3's compact "20260131"; nullopt for anything else or an impossible date.
std::optional<sys_days> parse_date(std::string_view text);
// "YYYY-MM-DD"
std::string format_date(sys_days d);

// Where a record sits in X3's (updated, id) order.
struct record_key {
  sys_seconds updated{};
  std::string id;
  friend auto operator<=>(record_key const&, record_key const&) = default;
};

// The (updated, id) of the last record fully written for one (tenant, entity). Ordered
// lexicographically: by time, then by id bytes. id "" sorts before every record of that second.
struct watermark {
  sys_seconds updated{};
  std::string id;
  friend auto operator<=>(watermark const&, watermark const&) = default;
};

// Start of the next poll's filter (updated >= this): wm.updated - lookback.
sys_seconds query_from(watermark const& wm, std::chrono::seconds lookback);

// The highest watermark a poll that started at `poll_start` may store: records updated
// after poll_start - skew_margin may still have siblings in uncommitted X3 transactions.
// Returns `candidate` when it is at or below that limit, else (limit, "").
watermark cap(watermark const& candidate, sys_seconds poll_start, std::chrono::seconds skew_margin);

// The watermark after `written` is committed: max(current, cap(written)). Never moves back.
watermark advance(watermark const& current, record_key const& written, sys_seconds poll_start,
                  std::chrono::seconds skew_margin);

// True when `key` sorts strictly after `wm` (not yet covered by the watermark).
bool after(record_key const& key, watermark const& wm);

// Storage form: "2026-01-31T10:00:00Z/4500123" (the timestamp is fixed-width, so the id
// after the slash may hold any bytes, slashes included).
std::string to_string(watermark const& wm);
std::optional<watermark> parse_watermark(std::string_view text);

}  // namespace mlc::engine
