#include "engine/jql.hpp"

#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

using namespace mlc::engine;

TEST_CASE("exact-label JQL quotes and escapes its strings") {
  CHECK(jql_label("x3-po-acme-4500123") == R"(labels = "x3-po-acme-4500123")");
  CHECK(jql_project_label("OPS", "x3-po-acme-4500123") == R"(project = "OPS" AND labels = "x3-po-acme-4500123")");
  CHECK(jql_quote(R"(a"b\c)") == R"("a\"b\\c")");
  CHECK(jql_quote("x\" OR project = \"SECRET") == R"("x\" OR project = \"SECRET")");
  CHECK(jql_quote("line\nbreak\ttab") == R"("line break tab")");
  CHECK(jql_quote("' { } [ ] |") == R"("' { } [ ] |")");
  CHECK(jql_quote("Müller") == "\"Müller\"");
}

TEST_CASE("Cloud search body carries paging and reconcile ids") {
  CHECK(boost::json::serialize(cloud_search_body(jql_label("x3-po-a-1"), 50, std::nullopt, {})) ==
        R"({"jql":"labels = \"x3-po-a-1\"","fields":["labels","status","issuelinks"],"maxResults":50})");
  CHECK(boost::json::serialize(cloud_search_body("labels = \"l\"", 10, std::string("tok=="), {10001, 10002})) ==
        R"({"jql":"labels = \"l\"","fields":["labels","status","issuelinks"],"maxResults":10,"nextPageToken":"tok==",)"
        R"("reconcileIssues":[10001,10002]})");
  std::vector<std::int64_t> many;
  for (std::int64_t i = 1; i <= 60; ++i) many.push_back(i);
  auto body = cloud_search_body("x", 1, std::nullopt, many);
  auto const& ids = body.at("reconcileIssues").as_array();
  REQUIRE(ids.size() == 50);
  CHECK(ids.front().as_int64() == 11);
  CHECK(ids.back().as_int64() == 60);
}

TEST_CASE("Data Center search URL percent-encodes the JQL") {
  CHECK(dc_search_url("https://jira.corp/jira/", jql_project_label("OPS", "x3-po-a-1"), 0, 50) ==
        "https://jira.corp/jira/rest/api/2/search?jql=project%20%3D%20%22OPS%22%20AND%20labels%20%3D%20"
        "%22x3-po-a-1%22&startAt=0&maxResults=50&fields=labels,status,issuelinks");
  CHECK(dc_search_url("http://127.0.0.1:8080", "a+b&c=d#e", 100, 1) ==
        "http://127.0.0.1:8080/rest/api/2/search?jql=a%2Bb%26c%3Dd%23e&startAt=100&maxResults=1&fields=labels,status,issuelinks");
  CHECK_THROWS_AS(dc_search_url("ftp://jira", "x", 0, 1), std::invalid_argument);
  CHECK_THROWS_AS(dc_search_url("jira.corp", "x", 0, 1), std::invalid_argument);
  CHECK_THROWS_AS(dc_search_url("https://jira.corp/?a=b", "x", 0, 1), std::invalid_argument);
  try {
    dc_search_url("https://bob:s3cret@jira.corp", "x", 0, 1);
    FAIL("credentials in the base URL must be refused");
  } catch (std::invalid_argument const& e) {
    CHECK(std::string(e.what()).find("s3cret") == std::string::npos);
  }
}
