#include <catch2/catch.hpp>

#include "storage/export.hpp"
#include "storage/keys.hpp"
#include "tests/support/test_support.hpp"

using namespace mlc::storage;

namespace {
std::size_t count_tenant(store const& s, std::string_view tenant) {
  std::size_t n = 0;
  for (auto c : all_columns)
    s.scan(c, tenant_prefix(tenant), [&](std::string_view, std::string_view) {
      ++n;
      return true;
    });
  return n;
}
}  // namespace

TEST_CASE("export and import move one tenant between stores") {
  mlc::test::temp_dir from_dir, to_dir;
  auto from = store::open(from_dir.path());
  write_batch batch;
  for (auto c : all_columns) {
    batch.push_back({c, make_key("acme", std::string{"k\0\xff", 3}), std::string{"v\0binary", 8}});
    batch.push_back({c, make_key("acme", "other"), ""});
    batch.push_back({c, make_key("acme2", "k"), "not exported"});
  }
  from->commit_now(std::move(batch));
  auto blob = export_tenant(*from, "acme");

  auto to = store::open(to_dir.path());
  to->commit_now({{column::issue_map, make_key("acme", "stale"), "removed by import"},
                  {column::issue_map, make_key("zeta", "k"), "kept"}});
  CHECK(import_tenant(*to, blob) == "acme");
  CHECK(count_tenant(*to, "acme") == 2 * std::size(all_columns));
  for (auto c : all_columns) {
    CHECK(to->get(c, make_key("acme", std::string{"k\0\xff", 3})) == std::optional<std::string>{std::string{"v\0binary", 8}});
    CHECK(to->get(c, make_key("acme", "other")) == std::optional<std::string>{""});
  }
  CHECK_FALSE(to->get(column::issue_map, make_key("acme", "stale")));
  CHECK(to->get(column::issue_map, make_key("zeta", "k")));
  CHECK(count_tenant(*to, "acme2") == 0);
  // Exporting the imported tenant gives the same bytes.
  CHECK(export_tenant(*to, "acme") == blob);
}

TEST_CASE("import refuses malformed blobs without writing") {
  mlc::test::temp_dir from_dir, to_dir;
  auto from = store::open(from_dir.path());
  from->commit_now({{column::audit, make_key("acme", "k"), "v"}});
  auto blob = export_tenant(*from, "acme");
  auto to = store::open(to_dir.path());
  to->commit_now({{column::audit, make_key("acme", "keep"), "v"}});

  CHECK_THROWS_WITH(import_tenant(*to, blob.substr(0, blob.size() - 3)), Catch::Contains("truncated"));
  CHECK_THROWS_WITH(import_tenant(*to, "garbage"), Catch::Contains("malformed"));
  auto extra = blob + "x";
  CHECK_THROWS_WITH(import_tenant(*to, extra), Catch::Contains("trailing bytes"));
  CHECK(to->get(column::audit, make_key("acme", "keep")));
}
