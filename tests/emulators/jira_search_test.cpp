// Jira search: JQL subset, search lag with reconcileIssues, nextPageToken paging, and the
// Data Center startAt/total search.
#include <catch2/catch.hpp>

#include <set>

#include "tests/emulators/jira_site.hpp"
#include "tests/emulators/jql.hpp"
#include "tests/emulators/json_text.hpp"
#include "tests/emulators/test_fixture.hpp"

namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using mlc::emu::to_json_text;
using mlc::emu::test::fixture;

std::string create(fixture& f, std::string const& label, std::string const& source_id, char const* v = "3",
                   std::size_t tenant = 0) {
  json::object body{{"fields", json::object{{"project", json::object{{"key", "OPS"}}},
                                            {"issuetype", json::object{{"name", "Task"}}},
                                            {"summary", "Order " + source_id},
                                            {"labels", json::array{json::value(label)}}}},
                    {"properties", json::array{json::object{{"key", "ml-connector.source"},
                                                            {"value", json::object{{"id", source_id}}}}}}};
  auto r = f.call_json(f.jira(tenant, "POST", std::string("/rest/api/") + v + "/issue", to_json_text(body)), 201);
  return std::string(r.at("id").as_string());
}

json::object search(fixture& f, json::object body, int status = 200) {
  return f.call_json(f.jira(0, "POST", "/rest/api/3/search/jql", to_json_text(body)), status).as_object();
}

std::vector<std::string> keys_of(json::object const& result) {
  std::vector<std::string> out;
  for (auto const& i : result.at("issues").as_array()) out.emplace_back(i.at("key").as_string());
  return out;
}

}  // namespace

TEST_CASE("search lag: a new issue is invisible to JQL until the lag passes, unless reconciled", "[jira][search]") {
  fixture f;
  f.emu->global_knobs().jira.search_lag = 5000ms;
  auto id = create(f, "x3-po-T0000-PO1", "PO1");
  json::object q{{"jql", "project = OPS AND labels = \"x3-po-T0000-PO1\""}, {"fields", json::array{"key"}}};
  CHECK(search(f, q).at("issues").as_array().empty());

  auto reconciled = q;
  reconciled["reconcileIssues"] = json::array{std::stoll(id)};
  CHECK(keys_of(search(f, reconciled)) == std::vector<std::string>{"OPS-1"});

  f.clk->advance(4999ms);
  CHECK(search(f, q).at("issues").as_array().empty());
  f.clk->advance(1ms);
  CHECK(keys_of(search(f, q)) == std::vector<std::string>{"OPS-1"});

  // A change is also seen late: the old label still matches until the index catches up.
  f.call(f.jira(0, "PUT", "/rest/api/3/issue/OPS-1", R"({"update":{"labels":[{"set":["renamed"]}]}})"));
  CHECK(keys_of(search(f, q)) == std::vector<std::string>{"OPS-1"});
  CHECK(search(f, reconciled).at("issues").as_array().empty());
  f.clk->advance(5s);
  CHECK(search(f, q).at("issues").as_array().empty());

  // Default fields: only the id.
  json::object bare{{"jql", "labels = renamed"}};
  auto r = search(f, bare);
  CHECK(to_json_text(r.at("issues")) == R"([{"id":"10000"}])");
  CHECK(r.at("isLast").as_bool());
  CHECK_FALSE(r.contains("nextPageToken"));
}

TEST_CASE("search paging with nextPageToken returns every issue once", "[jira][search]") {
  fixture f;
  f.emu->global_knobs().jira.search_lag = 0ms;
  for (int i = 0; i < 120; ++i) create(f, "batch", "PO" + std::to_string(i));
  std::set<std::string> seen;
  json::object q{{"jql", "labels = batch ORDER BY key ASC"}, {"maxResults", 50}, {"fields", json::array{"key", "summary"}}};
  int pages = 0;
  std::string previous;
  while (true) {
    auto r = search(f, q);
    ++pages;
    for (auto const& k : keys_of(r)) {
      CHECK(seen.insert(k).second);
    }
    auto const& first = r.at("issues").as_array().at(0).at("fields").as_object();
    CHECK(first.size() == 1);  // summary only; key is top-level
    if (r.at("isLast").as_bool()) break;
    q["nextPageToken"] = r.at("nextPageToken");
    REQUIRE(pages < 10);
  }
  CHECK(pages == 3);
  CHECK(seen.size() == 120);
  json::object bad{{"jql", "labels = batch"}, {"nextPageToken", "garbage"}};
  search(f, bad, 400);
  json::object other{{"jql", "labels = other"}, {"nextPageToken", q.at("nextPageToken")}};
  search(f, other, 400);  // a token belongs to its query

  auto get = f.call_json(f.jira(0, "GET", "/rest/api/3/search/jql?jql=labels%20%3D%20batch&maxResults=5&fields=key"), 200);
  CHECK(get.at("issues").as_array().size() == 5);
  CHECK(get.at("nextPageToken").is_string());
}

TEST_CASE("JQL subset: keys, properties, boolean logic, errors with Jira's wording", "[jira][search]") {
  fixture f;
  f.emu->global_knobs().jira.search_lag = 0ms;
  create(f, "a", "PO1");
  create(f, "b", "PO2");
  create(f, "a", "PO3");
  auto keys = [&](std::string const& jql) {
    return keys_of(search(f, json::object{{"jql", jql}, {"fields", json::array{"key"}}}));
  };
  CHECK(keys("key in (OPS-1, \"OPS-3\") ORDER BY key ASC") == std::vector<std::string>{"OPS-1", "OPS-3"});
  CHECK(keys("issue.property[ml-connector.source].id = \"PO2\"") == std::vector<std::string>{"OPS-2"});
  CHECK(keys("labels = a AND NOT key = OPS-1") == std::vector<std::string>{"OPS-3"});
  CHECK(keys("labels = b OR (labels = a AND key = OPS-3) ORDER BY key DESC") == std::vector<std::string>{"OPS-3", "OPS-2"});
  CHECK(keys("labels in (a, b) AND project = ops").size() == 3);
  CHECK(keys("labels = a").front() == "OPS-3");  // no ORDER BY: newest first
  CHECK(keys("status = \"To Do\" AND issuetype = Task").size() == 3);
  CHECK(keys("summary ~ \"order po2\"") == std::vector<std::string>{"OPS-2"});
  CHECK(keys("\"Vendor\" is EMPTY").size() == 3);
  CHECK(keys("created >= \"2026-11-01\" AND updated <= -0m").size() == 3);

  auto error = [&](std::string const& jql) {
    auto r = search(f, json::object{{"jql", jql}}, 400);
    return std::string(r.at("errorMessages").as_array().at(0).as_string());
  };
  CHECK(error("labels = a AND") == "Error in the JQL Query: Expecting a field name but got '<EOF>'. (line 1, character 15)");
  CHECK(error("foo = 1") == "Field 'foo' does not exist or you do not have permission to view it.");
  CHECK(error("project = NOPE") == "The value 'NOPE' does not exist for the field 'project'.");
  CHECK(error("labels = a b") == "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'b'. (line 1, character 12)");
  CHECK(error("") == "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.");
  CHECK(error("ORDER BY key") == "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.");
  CHECK(error("labels ~ a") == "The operator '~' is not supported by the 'labels' field.");
}

TEST_CASE("Data Center search: startAt, maxResults, total, Cloud's old /search is gone", "[jira][search]") {
  mlc::emu::emulator_options o;
  o.tenants = 4;
  o.jira_flavour = "mixed";
  o.initial.jira.search_lag = 0ms;
  fixture f{o};
  for (int i = 0; i < 7; ++i) create(f, "dc", "PO" + std::to_string(i), "2", 2);
  auto page = f.call_json(f.jira(2, "GET", "/rest/api/2/search?jql=labels%3Ddc%20ORDER%20BY%20key&startAt=5&maxResults=5"), 200);
  CHECK(page.at("total").as_int64() == 7);
  CHECK(page.at("startAt").as_int64() == 5);
  CHECK(keys_of(page.as_object()) == std::vector<std::string>{"OPS-6", "OPS-7"});
  CHECK(page.at("issues").as_array()[0].at("fields").as_object().contains("summary"));
  auto post = f.call_json(f.jira(2, "POST", "/rest/api/2/search", R"({"jql":"labels = dc","maxResults":2,"fields":["key"]})"), 200);
  CHECK(post.at("issues").as_array().size() == 2);
  CHECK(f.call(f.jira(0, "POST", "/rest/api/3/search", R"({"jql":"labels = dc"})")).status == 410);
}

TEST_CASE("parse_jql builds the tree and keeps quoted values", "[jira][search]") {
  auto q = mlc::emu::parse_jql("project = \"OPS\" AND labels in (\"a b\", c) ORDER BY created DESC, key");
  REQUIRE(q.where);
  CHECK(q.where->k == mlc::emu::jql_node::kind::all);
  CHECK(q.where->children[1]->clause.op == "in");
  CHECK(q.where->children[1]->clause.values == std::vector<std::string>{"a b", "c"});
  REQUIRE(q.order.size() == 2);
  CHECK(q.order[0].descending);
  CHECK_FALSE(q.order[1].descending);
  CHECK_THROWS_AS(mlc::emu::parse_jql("labels = \"open"), mlc::emu::jql_error);
}
