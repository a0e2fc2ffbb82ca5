// Every Jira Cloud endpoint the emulator serves answers in the shape Atlassian's OpenAPI
// spec (shared/ref/jira-platform-openapi.json) gives for it, errors included. Nested
// issue fields are checked against their own schemas (StatusDetails, IssueTypeDetails,
// ProjectDetails, PageOfComments, LinkedIssue), which the spec leaves free-form.
#include <catch2/catch.hpp>

#include "tests/emulators/adf.hpp"
#include "tests/emulators/json_text.hpp"
#include "tests/emulators/openapi_check.hpp"
#include "tests/emulators/text.hpp"
#include "tests/emulators/test_fixture.hpp"
#include "tests/support/test_support.hpp"

namespace {
namespace json = boost::json;
using mlc::emu::to_json_text;
using mlc::emu::test::fixture;
using mlc::emu::test::openapi_spec;

openapi_spec const& spec() {
  static openapi_spec const s{mlc::test::source_path("../shared/ref/jira-platform-openapi.json")};
  return s;
}

std::string joined(std::vector<std::string> const& errors) {
  std::string out;
  for (auto const& e : errors) out += e + "\n";
  return out;
}

// Sends the request, checks the status, validates the body against the spec.
json::value checked(fixture& f, mlc::net::http_request req, std::string const& path_template, int status) {
  std::string method = mlc::emu::to_lower(req.method);
  auto r = f.call(req);
  INFO(req.method << " " << req.target << " -> " << r.status << " " << r.body.substr(0, 400));
  REQUIRE(r.status == status);
  std::string err;
  json::value body = r.body.empty() ? json::value(nullptr) : mlc::emu::parse_json(r.body, err);
  REQUIRE(err.empty());
  auto errors = spec().validate_response(method, path_template, status, body);
  INFO(joined(errors));
  CHECK(errors.empty());
  return body;
}

void check_component(json::value const& v, std::string const& component) {
  auto errors = spec().validate(v, spec().component(component));
  INFO(component << ": " << to_json_text(v).substr(0, 300) << "\n" << joined(errors));
  CHECK(errors.empty());
}

}  // namespace

TEST_CASE("Jira Cloud responses match the OpenAPI spec", "[jira][openapi]") {
  fixture f;
  f.emu->global_knobs().jira.search_lag = std::chrono::milliseconds{0};
  std::string const v3 = "/rest/api/3";
  auto p = [&](char const* tail) { return v3 + tail; };

  checked(f, f.jira(0, "GET", p("/field")), p("/field"), 200);
  checked(f, f.jira(0, "GET", p("/project/OPS")), p("/project/{projectIdOrKey}"), 200);
  checked(f, f.jira(0, "GET", p("/issue/createmeta/OPS/issuetypes")), p("/issue/createmeta/{projectIdOrKey}/issuetypes"), 200);
  checked(f, f.jira(0, "GET", p("/issue/createmeta/OPS/issuetypes/10001")),
          p("/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}"), 200);
  checked(f, f.jira(0, "GET", p("/myself")), p("/myself"), 200);
  checked(f, f.jira(0, "GET", p("/serverInfo")), p("/serverInfo"), 200);
  checked(f, f.jira(0, "GET", p("/issueLinkType")), p("/issueLinkType"), 200);

  json::object fields{{"project", json::object{{"key", "OPS"}}},
                      {"issuetype", json::object{{"id", "10001"}}},
                      {"summary", "Order PO1"},
                      {"description", mlc::emu::adf_paragraph("from X3")},
                      {"labels", json::array{"x3-po-T0000-PO1"}},
                      {"customfield_10050", "Acme"},
                      {"customfield_10053", 10.5},
                      {"customfield_10054", json::object{{"value", "EUR"}}},
                      {"customfield_10051", "2026-01-31"}};
  json::object body{{"fields", fields},
                    {"properties", json::array{json::object{{"key", "ml-connector.source"}, {"value", json::object{{"id", "PO1"}}}}}}};
  checked(f, f.jira(0, "POST", p("/issue"), to_json_text(body)), p("/issue"), 201);
  checked(f, f.jira(0, "POST", p("/issue"), to_json_text(body)), p("/issue"), 201);
  checked(f, f.jira(0, "POST", p("/issue"), R"({"fields":{"project":{"key":"NOPE"}}})"), p("/issue"), 400);
  {
    // A create that carries a transition and one that carries a link: CreatedIssue with
    // its `transition` NestedResponse, for a valid and an invalid transition id.
    for (char const* id : {"31", "41"}) {
      auto with = body;
      with["transition"] = json::object{{"id", id}};
      with["update"] = json::object{{"issuelinks", json::array{json::object{{"add", json::object{
          {"type", json::object{{"name", "Relates"}}}, {"outwardIssue", json::object{{"key", "OPS-1"}}}}}}}}};
      auto created = checked(f, f.jira(0, "POST", p("/issue"), to_json_text(with)), p("/issue"), 201);
      CHECK(created.at("transition").at("status") == (id[0] == '3' ? 200 : 400));
      json::object bulk{{"issueUpdates", json::array{with}}};
      checked(f, f.jira(0, "POST", p("/issue/bulk"), to_json_text(bulk)), p("/issue/bulk"), 201);
    }
  }
  {
    json::object bad{{"fields", json::object{{"project", json::object{{"key", "NOPE"}}}}}};
    json::object mixed{{"issueUpdates", json::array{body, bad}}};
    auto created = checked(f, f.jira(0, "POST", p("/issue/bulk"), to_json_text(mixed)), p("/issue/bulk"), 201);
    CHECK(created.at("issues").as_array().size() == 1);
    CHECK(created.at("errors").as_array().at(0).at("failedElementNumber") == 1);
    json::object none{{"issueUpdates", json::array{bad, bad}}};
    auto refused = checked(f, f.jira(0, "POST", p("/issue/bulk"), to_json_text(none)), p("/issue/bulk"), 400);
    CHECK(refused.at("issues").as_array().empty());
    CHECK(refused.at("errors").as_array().size() == 2);
  }
  f.call(f.jira(0, "POST", p("/issueLink"), R"({"type":{"name":"Relates"},"inwardIssue":{"key":"OPS-2"},"outwardIssue":{"key":"OPS-1"}})"));
  checked(f, f.jira(0, "POST", p("/issue/OPS-1/comment"), to_json_text(json::object{{"body", mlc::emu::adf_paragraph("note")}})),
          p("/issue/{issueIdOrKey}/comment"), 201);
  checked(f, f.jira(0, "GET", p("/issue/OPS-1/comment")), p("/issue/{issueIdOrKey}/comment"), 200);
  {  // comment properties, as the connector marks its change comments
    json::object marked{{"body", mlc::emu::adf_paragraph("marked")}};
    marked["properties"] = json::array{json::object{{"key", "ml-connector.change"}, {"value", json::object{{"hash", "h1"}}}}};
    checked(f, f.jira(0, "POST", p("/issue/OPS-1/comment"), to_json_text(marked)), p("/issue/{issueIdOrKey}/comment"), 201);
    auto page = checked(f, f.jira(0, "GET", p("/issue/OPS-1/comment?orderBy=-created&expand=properties")),
                        p("/issue/{issueIdOrKey}/comment"), 200);
    auto const& newest = page.at("comments").as_array().at(0);
    CHECK(newest.at("properties").as_array().at(0).at("value").at("hash") == "h1");
  }

  auto issue = checked(f, f.jira(0, "GET", p("/issue/OPS-1?properties=*all&expand=names")), p("/issue/{issueIdOrKey}"), 200);
  auto const& fv = issue.at("fields");
  check_component(fv.at("status"), "StatusDetails");
  check_component(fv.at("issuetype"), "IssueTypeDetails");
  check_component(fv.at("project"), "ProjectDetails");
  check_component(fv.at("comment"), "PageOfComments");
  auto const& link = fv.at("issuelinks").as_array().at(0).as_object();
  check_component(link.at("type"), "IssueLinkType");
  check_component(link.at(link.contains("inwardIssue") ? "inwardIssue" : "outwardIssue"), "LinkedIssue");

  CHECK(f.call(f.jira(0, "PUT", p("/issue/OPS-1"), R"({"fields":{"customfield_10053":11}})")).status == 204);
  checked(f, f.jira(0, "PUT", p("/issue/OPS-1?returnIssue=true"), R"({"fields":{"customfield_10053":12}})"),
          p("/issue/{issueIdOrKey}"), 200);
  checked(f, f.jira(0, "GET", p("/issue/OPS-1/transitions")), p("/issue/{issueIdOrKey}/transitions"), 200);
  CHECK(f.call(f.jira(0, "POST", p("/issue/OPS-1/transitions"), R"({"transition":{"id":"31"}})")).status == 204);
  checked(f, f.jira(0, "GET", p("/issue/OPS-1/properties")), p("/issue/{issueIdOrKey}/properties"), 200);
  checked(f, f.jira(0, "GET", p("/issue/OPS-1/properties/ml-connector.source")),
          p("/issue/{issueIdOrKey}/properties/{propertyKey}"), 200);

  auto search = checked(f, f.jira(0, "POST", p("/search/jql"), R"({"jql":"project = OPS","maxResults":1,"fields":["*all"],"properties":["ml-connector.source"]})"),
                        p("/search/jql"), 200);
  CHECK(search.at("nextPageToken").is_string());
  checked(f, f.jira(0, "GET", p("/search/jql?jql=labels%3Dx3-po-T0000-PO1&fields=key,summary")), p("/search/jql"), 200);

  // Error bodies are ErrorCollections.
  for (auto const& [target, status] : std::vector<std::pair<std::string, int>>{
           {p("/issue/OPS-99"), 404}, {p("/project/NOPE"), 404}, {p("/issue/createmeta/NOPE/issuetypes"), 404}}) {
    auto r = f.call(f.jira(0, "GET", target));
    CHECK(r.status == status);
    std::string err;
    check_component(mlc::emu::parse_json(r.body, err), "ErrorCollection");
  }
  auto bad_jql = f.call(f.jira(0, "POST", p("/search/jql"), R"({"jql":"nope = 1"})"));
  CHECK(bad_jql.status == 400);
  std::string err;
  check_component(mlc::emu::parse_json(bad_jql.body, err), "ErrorCollection");
}

TEST_CASE("Jira Data Center search answers in the SearchResults shape", "[jira][openapi]") {
  mlc::emu::emulator_options o;
  o.jira_flavour = "datacenter";
  o.initial.jira.search_lag = std::chrono::milliseconds{0};
  fixture f{o};
  f.call(f.jira(0, "POST", "/rest/api/2/issue", R"({"fields":{"project":{"key":"OPS"},"issuetype":{"name":"Task"},"summary":"x","description":"*wiki*"}})"));
  auto r = f.call(f.jira(0, "GET", "/rest/api/2/search?jql=project%3DOPS"));
  REQUIRE(r.status == 200);
  std::string err;
  auto errors = spec().validate_response("get", "/rest/api/3/search", 200, mlc::emu::parse_json(r.body, err));
  INFO(joined(errors));
  CHECK(errors.empty());
}

TEST_CASE("the validator catches a wrong shape", "[openapi]") {
  json::object bad{{"issues", "not a list"}, {"isLast", "yes"}};
  auto errors = spec().validate_response("post", "/rest/api/3/search/jql", 200, bad);
  CHECK(errors.size() == 2);
  json::object extra{{"baseUrl", "x"}, {"surprise", 1}};
  CHECK(spec().validate(extra, spec().component("ServerInformation")).size() == 1);
}
