#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "storage/keys.hpp"

using namespace mlc::storage;
using std::chrono::system_clock;

TEST_CASE("audit keys sort by time then sequence within a tenant") {
  auto t0 = system_clock::time_point{std::chrono::seconds{1'700'000'000}};
  std::vector<std::string> keys{
      audit_key("t", t0 + std::chrono::microseconds{1}, 0),
      audit_key("t", t0, 7),
      audit_key("t", t0 + std::chrono::hours{24 * 365}, 0),
      audit_key("t", t0, 256),
      audit_key("t", t0 - std::chrono::seconds{1}, 999),
  };
  auto sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == std::vector<std::string>{keys[4], keys[1], keys[3], keys[0], keys[2]});
  CHECK(keys[0].size() == 2 + 12);
  CHECK(keys[0].starts_with(tenant_prefix("t")));
  CHECK(audit_time_bound("t", t0) > keys[4]);
  CHECK(audit_time_bound("t", t0) < keys[1]);
}

TEST_CASE("audit keys parse back") {
  auto at = system_clock::time_point{std::chrono::microseconds{1'700'000'000'123'456}};
  auto parts = parse_audit_key(audit_key("acme", at, 42));
  REQUIRE(parts);
  CHECK(parts->tenant == "acme");
  CHECK(parts->at == at);
  CHECK(parts->sequence == 42);
  CHECK_FALSE(parse_audit_key(make_key("acme", "short")));
  CHECK_FALSE(parse_audit_key("no-separator"));
}

TEST_CASE("split_key and prefix_end") {
  auto const key = make_key("a", "rest");  // split_key returns views into it
  auto parts = split_key(key);
  REQUIRE(parts);
  CHECK(parts->tenant == "a");
  CHECK(parts->rest == "rest");
  CHECK(make_key("a", "rest") == std::string_view{"a\0rest", 6});
  CHECK(make_key("ten", "purchase_order", "PO-1") == std::string_view{"ten\0purchase_order\0PO-1", 23});
  CHECK(prefix_end(tenant_prefix("a")) == std::optional<std::string>{std::string{"a\x01"}});
  CHECK(prefix_end("a\xff") == std::optional<std::string>{"b"});
  CHECK_FALSE(prefix_end("\xff\xff"));
}
