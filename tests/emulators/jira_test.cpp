// Jira emulation: metadata, create-screen checks, value validation, issue lifecycle,
// Data Center flavour, rate limits.
#include <catch2/catch.hpp>

#include "tests/emulators/adf.hpp"
#include "tests/emulators/jira_site.hpp"
#include "tests/emulators/json_text.hpp"
#include "tests/emulators/test_fixture.hpp"

namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using mlc::emu::to_json_text;
using mlc::emu::test::fixture;


json::object issue_body(json::object extra = {}) {
  json::object fields{{"project", json::object{{"key", "OPS"}}},
                      {"issuetype", json::object{{"name", "Task"}}},
                      {"summary", "PO POFR011260001 from Acme"}};
  for (auto const& kv : extra) fields[kv.key()] = kv.value();
  return json::object{{"fields", std::move(fields)}};
}

json::value create(fixture& f, json::object body, int status = 201, std::size_t tenant = 0, char const* v = "3") {
  return f.call_json(f.jira(tenant, "POST", std::string("/rest/api/") + v + "/issue", to_json_text(body)), status);
}

}  // namespace

TEST_CASE("jira GET /field lists system and connector custom fields with schemas", "[jira]") {
  fixture f;
  auto fields = f.call_json(f.jira(0, "GET", "/rest/api/3/field"), 200).as_array();
  auto find = [&](std::string const& name) -> json::object const& {
    for (auto const& v : fields)
      if (v.at("name") == json::value(name)) return v.as_object();
    FAIL("no field " << name);
    throw std::logic_error("unreachable");
  };
  auto const& vendor = find("Vendor");
  CHECK(vendor.at("id") == "customfield_10050");
  CHECK(vendor.at("custom").as_bool());
  CHECK(vendor.at("schema").at("type") == "string");
  CHECK(vendor.at("schema").at("custom") == "com.atlassian.jira.plugin.system.customfieldtypes:textfield");
  CHECK(find("Total amount").at("schema").at("type") == "number");
  CHECK(find("Order date").at("schema").at("type") == "date");
  CHECK(find("Currency").at("schema").at("type") == "option");
  CHECK(find("Related PO").at("id") == "customfield_10062");
  CHECK(find("Labels").at("schema").at("items") == "string");
  CHECK(find("Summary").at("schema").at("system") == "summary");
}

TEST_CASE("jira createmeta follows the screen, a field off the screen is a 400 naming it", "[jira]") {
  fixture f;
  auto types = f.call_json(f.jira(0, "GET", "/rest/api/3/issue/createmeta/OPS/issuetypes"), 200);
  auto const& list = types.at("issueTypes").as_array();
  REQUIRE(list.size() >= 1);
  CHECK(list[0].at("name") == "Task");
  std::string task{list[0].at("id").as_string()};
  auto fields_of = [&] {
    auto meta = f.call_json(f.jira(0, "GET", "/rest/api/3/issue/createmeta/OPS/issuetypes/" + task + "?maxResults=200"), 200);
    std::map<std::string, json::object> out;
    for (auto const& v : meta.at("fields").as_array()) out[std::string(v.at("fieldId").as_string())] = v.as_object();
    return out;
  };
  auto meta = fields_of();
  REQUIRE(meta.count("customfield_10050"));
  CHECK(meta.at("summary").at("required").as_bool());
  CHECK_FALSE(meta.at("customfield_10050").at("required").as_bool());
  CHECK(meta.at("customfield_10054").at("allowedValues").as_array().size() >= 4);
  CHECK(meta.at("labels").at("operations").as_array().size() == 3);

  auto removed = f.call_json(f.control("POST", "/_emulator/jira/t0000/screen", R"({"remove":"Vendor"})"), 200);
  CHECK(fields_of().count("customfield_10050") == 0);
  auto err = create(f, issue_body({{"customfield_10050", "Acme"}}), 400);
  CHECK(err.at("errors").at("customfield_10050") ==
        "Field 'customfield_10050' cannot be set. It is not on the appropriate screen, or unknown.");
  CHECK(err.at("errorMessages").as_array().empty());
  f.call_json(f.control("POST", "/_emulator/jira/t0000/screen", R"({"add":"customfield_10050"})"), 200);
  create(f, issue_body({{"customfield_10050", "Acme"}}), 201);
  f.call_json(f.control("POST", "/_emulator/jira/t0000/screen", R"({"remove":"Nope"})"), 400);
  f.call_json(f.jira(0, "GET", "/rest/api/3/issue/createmeta/NOPE/issuetypes"), 404);
}

TEST_CASE("jira create validates values the way Jira does", "[jira]") {
  fixture f;
  auto check_error = [&](json::object body, std::string const& field, std::string const& message) {
    auto e = create(f, std::move(body), 400);
    INFO(to_json_text(e));
    CHECK(e.at("errors").at(field) == json::value(message));
  };
  check_error(issue_body({{"customfield_10053", "12.50"}}), "customfield_10053", "Operation value must be a number");
  check_error(issue_body({{"customfield_10051", "31/01/2026"}}), "customfield_10051", "Error parsing date string: 31/01/2026");
  check_error(issue_body({{"customfield_10051", "2026-02-30"}}), "customfield_10051", "Error parsing date string: 2026-02-30");
  check_error(issue_body({{"customfield_10054", json::object{{"value", "XXX"}}}}), "customfield_10054", "Option value 'XXX' is not valid");
  check_error(issue_body({{"customfield_10054", "EUR"}}), "customfield_10054", "Specify a valid 'id' or 'name' for Currency");
  check_error(issue_body({{"labels", json::array{"has space"}}}), "labels", "The label 'has space' contains spaces which is invalid.");
  check_error(issue_body({{"description", "plain text"}}), "description",
              "Operation value must be an Atlassian Document (see the Atlassian Document Format)");
  json::object bad_adf{{"type", "doc"}, {"version", 1}, {"content", json::array{json::object{{"type", "text"}, {"text", "x"}}}}};
  check_error(issue_body({{"description", bad_adf}}), "description",
              "Operation value must be an Atlassian Document (see the Atlassian Document Format)");
  check_error(issue_body({{"customfield_99999", 1}}), "customfield_99999",
              "Field 'customfield_99999' cannot be set. It is not on the appropriate screen, or unknown.");
  check_error(issue_body({{"status", json::object{{"name", "Done"}}}}), "status",
              "Field 'status' cannot be set. It is not on the appropriate screen, or unknown.");
  auto no_summary = issue_body();
  no_summary["fields"].as_object().erase("summary");
  check_error(no_summary, "summary", "You must specify a summary of the issue.");
  check_error(issue_body({{"project", json::object{{"key", "NOPE"}}}}), "project", "Specify a valid project ID or key");
  check_error(issue_body({{"issuetype", json::object{{"name", "Epic"}}}}), "issuetype", "Specify a valid issue type");

  auto r = f.call(f.jira(0, "POST", "/rest/api/3/issue", "{not json"));
  CHECK(r.status == 400);
  auto plain = f.jira(0, "POST", "/rest/api/3/issue", to_json_text(issue_body()));
  plain.headers.set("Content-Type", "text/plain");
  CHECK(f.call(plain).status == 415);

  CHECK(f.call_json(f.jira(0, "GET", "/rest/api/3/project/OPS"), 200).at("key") == "OPS");
  auto missing = f.call_json(f.jira(0, "GET", "/rest/api/3/project/NOPE"), 404);
  CHECK(missing.at("errorMessages").as_array().at(0) == "No project could be found with key 'NOPE'.");
  f.call_json(f.control("POST", "/_emulator/jira/t0000/project", R"({"exists":false})"), 200);
  f.call_json(f.jira(0, "GET", "/rest/api/3/project/OPS"), 404);
  check_error(issue_body(), "project", "Specify a valid project ID or key");
  f.call_json(f.control("POST", "/_emulator/jira/t0000/project", R"({"action":"create"})"), 200);
  create(f, issue_body(), 201);
}

TEST_CASE("jira issue lifecycle: create, get, edit, labels, properties, comments, transitions, links", "[jira]") {
  fixture f;
  auto created = create(f, [] {
    auto b = issue_body({{"customfield_10050", "Acme SA"},
                         {"customfield_10053", 1234.5},
                         {"customfield_10054", json::object{{"value", "EUR"}}},
                         {"customfield_10051", "2026-01-31"},
                         {"labels", json::array{"x3-po-T0000-PO1"}},
                         {"description", mlc::emu::adf_paragraph("Order from Acme")}});
    b["properties"] = json::array{json::object{{"key", "ml-connector.source"}, {"value", json::object{{"id", "PO1"}}}}};
    return b;
  }());
  CHECK(created.at("key") == "OPS-1");
  CHECK(created.at("self") == json::value(f.jira_origin(0) + "/rest/api/3/issue/10000"));

  auto got = f.call_json(f.jira(0, "GET", "/rest/api/3/issue/OPS-1?properties=ml-connector.source"), 200);
  auto const& fields = got.at("fields").as_object();
  CHECK(fields.at("customfield_10053").as_double() == 1234.5);
  CHECK(fields.at("customfield_10054").at("value") == "EUR");
  CHECK(fields.at("customfield_10054").at("id") == "10100");
  CHECK(fields.at("customfield_10052").is_null());
  CHECK(fields.at("status").at("name") == "To Do");
  CHECK(got.at("properties").at("ml-connector.source").at("id") == "PO1");
  auto only = f.call_json(f.jira(0, "GET", "/rest/api/3/issue/10000?fields=summary,Vendor"), 200);
  CHECK(only.at("fields").as_object().size() == 2);
  CHECK(only.at("fields").at("customfield_10050") == "Acme SA");

  json::object edit{{"fields", json::object{{"customfield_10053", 99}, {"customfield_10050", nullptr}}},
                    {"update", json::object{{"labels", json::array{json::object{{"add", "closed"}},
                                                                   json::object{{"remove", "x3-po-T0000-PO1"}}}}}}};
  auto e = f.call(f.jira(0, "PUT", "/rest/api/3/issue/OPS-1", to_json_text(edit)));
  CHECK(e.status == 204);
  auto after = f.call_json(f.jira(0, "GET", "/rest/api/3/issue/OPS-1"), 200);
  CHECK(after.at("fields").at("customfield_10053").as_int64() == 99);
  CHECK(after.at("fields").at("customfield_10050").is_null());
  CHECK(to_json_text(after.at("fields").at("labels")) == R"(["closed"])");
  auto bad_edit = f.call_json(f.jira(0, "PUT", "/rest/api/3/issue/OPS-1", R"({"fields":{"customfield_10051":5}})"), 400);
  CHECK(bad_edit.at("errors").at("customfield_10051") == "Operation value must be a string");
  f.call_json(f.jira(0, "PUT", "/rest/api/3/issue/OPS-99", R"({"fields":{}})"), 404);

  // Properties.
  CHECK(f.call(f.jira(0, "PUT", "/rest/api/3/issue/OPS-1/properties/sync", R"({"hash":"abc"})")).status == 201);
  CHECK(f.call(f.jira(0, "PUT", "/rest/api/3/issue/OPS-1/properties/sync", R"({"hash":"def"})")).status == 200);
  CHECK(f.call_json(f.jira(0, "GET", "/rest/api/3/issue/OPS-1/properties/sync"), 200).at("value").at("hash") == "def");
  CHECK(f.call_json(f.jira(0, "GET", "/rest/api/3/issue/OPS-1/properties"), 200).at("keys").as_array().size() == 2);
  f.call_json(f.jira(0, "GET", "/rest/api/3/issue/OPS-1/properties/none"), 404);

  // Comments: ADF only.
  auto comment = f.call_json(
      f.jira(0, "POST", "/rest/api/3/issue/OPS-1/comment", to_json_text(json::object{{"body", mlc::emu::adf_paragraph("Delivery date 2026-02-01 -> 2026-02-03")}})),
      201);
  CHECK(comment.at("body").at("type") == "doc");
  auto bad_comment = f.call_json(f.jira(0, "POST", "/rest/api/3/issue/OPS-1/comment", R"({"body":"wiki text"})"), 400);
  CHECK(bad_comment.at("errors").as_object().contains("comment"));
  CHECK(f.call_json(f.jira(0, "GET", "/rest/api/3/issue/OPS-1/comment"), 200).at("total").as_int64() == 1);
  // Comment properties: kept from the create, shown with expand=properties; newest first
  // with orderBy=-created.
  json::object marked{{"body", mlc::emu::adf_paragraph("second")}};
  marked["properties"] = json::array{json::object{{"key", "ml-connector.change"}, {"value", json::object{{"hash", "abc"}}}}};
  CHECK(f.call(f.jira(0, "POST", "/rest/api/3/issue/OPS-1/comment", to_json_text(marked))).status == 201);
  auto oldest_first = f.call_json(f.jira(0, "GET", "/rest/api/3/issue/OPS-1/comment"), 200).at("comments").as_array();
  REQUIRE(oldest_first.size() == 2);
  CHECK_FALSE(oldest_first[1].as_object().contains("properties"));
  auto newest_first =
      f.call_json(f.jira(0, "GET", "/rest/api/3/issue/OPS-1/comment?orderBy=-created&expand=properties"), 200).at("comments").as_array();
  REQUIRE(newest_first.size() == 2);
  CHECK(newest_first[0].at("properties").as_array().at(0).at("key") == "ml-connector.change");
  CHECK(newest_first[0].at("properties").as_array().at(0).at("value").at("hash") == "abc");
  CHECK(newest_first[1].at("properties").as_array().empty());
  CHECK(f.call(f.jira(0, "GET", "/rest/api/3/issue/OPS-1/comment?orderBy=author")).status == 400);
  json::object bad_property{{"body", mlc::emu::adf_paragraph("x")}, {"properties", json::array{json::object{{"key", ""}}}}};
  CHECK(f.call(f.jira(0, "POST", "/rest/api/3/issue/OPS-1/comment", to_json_text(bad_property))).status == 400);

  // Transitions: To Do -> In Progress -> Done; an unavailable one is a 400.
  auto tr = f.call_json(f.jira(0, "GET", "/rest/api/3/issue/OPS-1/transitions"), 200);
  std::vector<std::string> names;
  for (auto const& t : tr.at("transitions").as_array()) names.emplace_back(t.at("name").as_string());
  CHECK(names == std::vector<std::string>{"Start", "Done"});
  CHECK(f.call(f.jira(0, "POST", "/rest/api/3/issue/OPS-1/transitions", R"({"transition":{"id":"11"}})")).status == 204);
  auto invalid = f.call_json(f.jira(0, "POST", "/rest/api/3/issue/OPS-1/transitions", R"({"transition":{"id":"41"}})"), 400);
  CHECK(invalid.at("errorMessages").as_array().at(0) == "Transition id '41' is not valid for this issue.");
  CHECK(f.call(f.jira(0, "POST", "/rest/api/3/issue/OPS-1/transitions", R"({"transition":{"id":"31"}})")).status == 204);
  CHECK(f.call_json(f.jira(0, "GET", "/rest/api/3/issue/OPS-1?fields=status"), 200).at("fields").at("status").at("name") == "Done");

  // Links.
  create(f, issue_body({{"summary", "Invoice PI1"}}), 201);
  auto link = f.call(f.jira(0, "POST", "/rest/api/3/issueLink",
                            R"({"type":{"name":"Relates"},"inwardIssue":{"key":"OPS-2"},"outwardIssue":{"key":"OPS-1"}})"));
  CHECK(link.status == 201);
  auto linked = f.call_json(f.jira(0, "GET", "/rest/api/3/issue/OPS-2?fields=issuelinks"), 200);
  CHECK(linked.at("fields").at("issuelinks").as_array().at(0).at("outwardIssue").at("key") == "OPS-1");
  CHECK(f.call(f.jira(0, "POST", "/rest/api/3/issueLink", R"({"type":{"name":"Nope"},"inwardIssue":{"key":"OPS-2"},"outwardIssue":{"key":"OPS-1"}})")).status == 404);

  // The control API sees it all.
  auto state = f.call_json(f.control("GET", "/_emulator/state?tenant=t0000"), 200);
  auto const& issues = state.at("jira").at("t0000").at("issues").as_array();
  REQUIRE(issues.size() == 2);
  CHECK(issues[0].at("status") == "Done");
  CHECK(issues[0].at("comments").as_array().at(0).at("text") == "Delivery date 2026-02-01 -> 2026-02-03");
  CHECK(issues[0].at("properties").at("ml-connector.source").at("id") == "PO1");

  CHECK(f.call(f.jira(0, "DELETE", "/rest/api/3/issue/OPS-2")).status == 204);
  f.call_json(f.jira(0, "GET", "/rest/api/3/issue/OPS-2"), 404);
}

TEST_CASE("jira data center: /rest/api/2, wiki strings, PAT", "[jira]") {
  mlc::emu::emulator_options o;
  o.jira_flavour = "datacenter";
  fixture f{o};
  auto body = issue_body({{"description", "h1. Order\n*bold*"}, {"customfield_10053", 10}});
  auto created = create(f, body, 201, 0, "2");
  CHECK(std::string(created.at("self").as_string()).find("/rest/api/2/issue/") != std::string::npos);
  create(f, issue_body({{"description", mlc::emu::adf_paragraph("x")}}), 400, 0, "2");
  CHECK(f.call(f.jira(0, "POST", "/rest/api/2/issue/OPS-1/comment", R"({"body":"wiki *comment*"})")).status == 201);
  auto meta = f.call_json(f.jira(0, "GET", "/rest/api/2/issue/createmeta/OPS/issuetypes"), 200);
  CHECK(meta.as_object().contains("values"));  // Data Center pages use "values" + "isLast"
  CHECK(meta.at("isLast").as_bool());
  auto info = f.call_json(f.jira(0, "GET", "/rest/api/2/serverInfo"), 200);
  CHECK(info.at("deploymentType") == "Server");
}

TEST_CASE("jira rate limits: per site and per issue, with Retry-After and X-RateLimit headers", "[jira]") {
  fixture f;
  auto& k = f.emu->global_knobs().jira;
  k.site_rate = 1;
  k.site_burst = 2;
  CHECK(f.call(f.jira(0, "GET", "/rest/api/3/myself")).status == 200);
  auto second = f.call(f.jira(0, "GET", "/rest/api/3/myself"));
  CHECK(second.status == 200);
  CHECK(second.headers.get("X-RateLimit-Remaining") == "0");
  auto limited = f.call(f.jira(0, "GET", "/rest/api/3/myself"));
  REQUIRE(limited.status == 429);
  CHECK(limited.headers.get("Retry-After") == "1");
  CHECK(limited.headers.get("X-RateLimit-Limit") == "2");
  CHECK(limited.headers.get("X-RateLimit-Remaining") == "0");
  CHECK(limited.headers.get("X-RateLimit-Reset").has_value());
  CHECK(limited.headers.get("RateLimit-Reason") == "jira-quota-tenant-based");
  f.clk->advance(1000ms);
  CHECK(f.call(f.jira(0, "GET", "/rest/api/3/myself")).status == 200);

  k.site_rate = 0;
  k.client_rate = 1;
  k.client_burst = 1;
  CHECK(f.call(f.jira(0, "GET", "/rest/api/3/myself")).status == 200);
  auto client = f.call(f.jira(0, "GET", "/rest/api/3/myself"));
  CHECK(client.status == 429);
  CHECK(client.headers.get("RateLimit-Reason") == "jira-quota-global-based");
  f.clk->advance(1000ms);

  k.client_rate = 0;
  k.issue_write_limit = 2;
  k.issue_write_window = 2000ms;
  create(f, issue_body(), 201);
  auto put = [&] { return f.call(f.jira(0, "PUT", "/rest/api/3/issue/OPS-1", R"({"fields":{"customfield_10053":1}})")); };
  CHECK(put().status == 204);
  CHECK(put().status == 204);
  auto third = put();
  CHECK(third.status == 429);
  CHECK(third.headers.get("RateLimit-Reason") == "jira-per-issue-on-write");
  CHECK(f.call(f.jira(0, "GET", "/rest/api/3/issue/OPS-1")).status == 200);  // reads are not limited
  f.clk->advance(1000ms);
  CHECK(put().status == 204);
}

TEST_CASE("jira POST /issue/bulk creates each valid element and names each refused one", "[jira][bulk]") {
  for (char const* v : {"3", "2"}) {
    INFO("api " << v);
    mlc::emu::emulator_options o;
    if (v[0] == '2') o.jira_flavour = "datacenter";
    fixture f{o};
    std::size_t const tenant = 0;
    auto issue_count = [&] {
      return f.call_json(f.control("GET", "/_emulator/state?tenant=t0000"), 200).at("jira").at("t0000").at("issues").as_array().size();
    };
    auto path = std::string("/rest/api/") + v + "/issue/bulk";
    json::object no_summary = issue_body();
    no_summary["fields"].as_object().erase("summary");
    json::array updates{issue_body({{"labels", json::array{"bulk-a"}}}), no_summary,
                        issue_body({{"labels", json::array{"bulk-b"}}})};
    auto r = f.call_json(f.jira(tenant, "POST", path, to_json_text(json::object{{"issueUpdates", updates}})), 201);
    auto const& issues = r.at("issues").as_array();
    REQUIRE(issues.size() == 2);
    REQUIRE(r.at("errors").as_array().size() == 1);
    auto const& refused = r.at("errors").as_array()[0];
    CHECK(refused.at("failedElementNumber") == 1);
    CHECK(refused.at("status") == 400);
    CHECK(refused.at("elementErrors").at("errors").at("summary") == "You must specify a summary of the issue.");
    // Created in element order, and each is a real issue carrying its own content.
    auto first = f.call_json(f.jira(tenant, "GET", std::string("/rest/api/") + v + "/issue/" +
                                                   std::string(issues[0].at("key").as_string())), 200);
    CHECK(first.at("fields").at("labels").as_array().at(0) == "bulk-a");
    auto second = f.call_json(f.jira(tenant, "GET", std::string("/rest/api/") + v + "/issue/" +
                                                    std::string(issues[1].at("key").as_string())), 200);
    CHECK(second.at("fields").at("labels").as_array().at(0) == "bulk-b");
    CHECK(f.call_json(f.control("GET", "/_emulator/counters"), 200).at("jira_issues_created") == 2);

    // Nothing valid: 400, every element named.
    auto none = f.call_json(f.jira(tenant, "POST", path, to_json_text(json::object{{"issueUpdates", json::array{no_summary, no_summary}}})), 400);
    CHECK(none.at("issues").as_array().empty());
    CHECK(none.at("errors").as_array().size() == 2);
    CHECK(none.at("errors").as_array()[1].at("failedElementNumber") == 1);

    // More than 50, or no list at all: the whole request is refused and nothing is created.
    json::array many;
    for (int i = 0; i < 51; ++i) many.push_back(issue_body());
    auto before = issue_count();
    auto too_many = f.call(f.jira(tenant, "POST", path, to_json_text(json::object{{"issueUpdates", many}})));
    CHECK(too_many.status == 400);
    CHECK(too_many.body.find("limited to 50") != std::string::npos);
    CHECK(f.call(f.jira(tenant, "POST", path, R"({"issues":[]})")).status == 400);
    CHECK(issue_count() == before);
  }
}

TEST_CASE("jira update.issuelinks adds links on create, bulk create and edit, only with add", "[jira][links]") {
  for (char const* v : {"3", "2"}) {
    INFO("api " << v);
    mlc::emu::emulator_options o;
    if (v[0] == '2') o.jira_flavour = "datacenter";
    fixture f{o};
    auto const api = std::string("/rest/api/") + v;
    auto links_of = [&](std::string const& key) {
      return f.call_json(f.jira(0, "GET", api + "/issue/" + key + "?fields=issuelinks"), 200).at("fields").at("issuelinks").as_array();
    };
    auto with_link = [](json::object body, json::value op) {
      body["update"] = json::object{{"issuelinks", json::array{std::move(op)}}};
      return body;
    };
    auto relates_to = [](char const* key) {
      return json::object{{"add", json::object{{"type", json::object{{"name", "Relates"}}}, {"outwardIssue", json::object{{"key", key}}}}}};
    };
    // On the create screen, with "add" as its only operation.
    auto meta = f.call_json(f.jira(0, "GET", api + "/issue/createmeta/OPS/issuetypes/10001?maxResults=200"), 200);
    bool listed = false;
    for (auto const& m : (v[0] == '3' ? meta.at("fields") : meta.at("values")).as_array())
      if (m.at("fieldId") == "issuelinks") {
        listed = true;
        CHECK(m.at("operations").as_array() == json::array{"add"});
      }
    CHECK(listed);

    create(f, issue_body(), 201, 0, v);  // OPS-1, the order
    auto invoice = create(f, with_link(issue_body(), relates_to("OPS-1")), 201, 0, v);
    CHECK(invoice.at("key") == "OPS-2");
    auto mine = links_of("OPS-2");
    REQUIRE(mine.size() == 1);
    CHECK(mine[0].at("type").at("name") == "Relates");
    CHECK(mine[0].at("outwardIssue").at("key") == "OPS-1");
    auto theirs = links_of("OPS-1");
    REQUIRE(theirs.size() == 1);
    CHECK(theirs[0].at("inwardIssue").at("key") == "OPS-2");
    CHECK(theirs[0].at("id") == mine[0].at("id"));

    // A missing issue, an unknown link type, "set", or links in `fields`: a 400 naming the
    // field, and nothing is created.
    auto missing = create(f, with_link(issue_body(), relates_to("OPS-99")), 400, 0, v);
    CHECK(missing.at("errors").at("issuelinks") == "Issue 'OPS-99' does not exist.");
    auto op = relates_to("OPS-1");
    op["add"].as_object()["type"] = json::object{{"name", "Nope"}};
    CHECK(create(f, with_link(issue_body(), op), 400, 0, v).at("errors").at("issuelinks") == "No issue link type with name 'Nope' found.");
    json::object set{{"set", relates_to("OPS-1").at("add")}};
    CHECK(create(f, with_link(issue_body(), set), 400, 0, v).at("errors").at("issuelinks") ==
          "Field 'issuelinks' does not support operation 'set'");
    CHECK(create(f, issue_body({{"issuelinks", json::array{}}}), 400, 0, v).at("errors").as_object().contains("issuelinks"));

    // Bulk: the element that names a missing issue is refused on its own.
    json::array updates{with_link(issue_body(), relates_to("OPS-1")), with_link(issue_body(), relates_to("OPS-99"))};
    auto bulk = f.call_json(f.jira(0, "POST", api + "/issue/bulk", to_json_text(json::object{{"issueUpdates", updates}})), 201);
    REQUIRE(bulk.at("issues").as_array().size() == 1);
    CHECK(bulk.at("errors").as_array().at(0).at("failedElementNumber") == 1);
    CHECK(bulk.at("errors").as_array().at(0).at("elementErrors").at("errors").at("issuelinks") == "Issue 'OPS-99' does not exist.");
    CHECK(links_of("OPS-3").at(0).at("outwardIssue").at("key") == "OPS-1");
    CHECK(links_of("OPS-1").size() == 2);

    // Edit adds a link too.
    auto edit = f.call(f.jira(0, "PUT", api + "/issue/OPS-1", to_json_text(with_link(json::object{}, relates_to("OPS-3")))));
    CHECK(edit.status == 204);
    CHECK(links_of("OPS-1").size() == 3);

    // Off the screen: refused like any field off the screen.
    f.call_json(f.control("POST", "/_emulator/jira/t0000/screen", R"({"remove":"issuelinks"})"), 200);
    CHECK(create(f, with_link(issue_body(), relates_to("OPS-1")), 400, 0, v).at("errors").at("issuelinks") ==
          "Field 'issuelinks' cannot be set. It is not on the appropriate screen, or unknown.");
  }
}

TEST_CASE("jira create carries out a transition from To Do and says how it went, a renumbered workflow refuses the old ids", "[jira]") {
  fixture f;
  auto with_transition = [](char const* id) {
    auto body = issue_body();
    body["transition"] = json::object{{"id", id}};
    return body;
  };
  auto status_of = [&](std::string const& key) {
    return f.call_json(f.jira(0, "GET", "/rest/api/3/issue/" + key + "?fields=status"), 200).at("fields").at("status").at("name");
  };
  auto done = create(f, with_transition("31"));
  CHECK(done.at("transition").at("status") == 200);
  CHECK(status_of(std::string(done.at("key").as_string())) == "Done");
  // Reopen (41) is not available from To Do: the issue is created, the transition is not.
  auto refused = create(f, with_transition("41"));
  CHECK(refused.at("transition").at("status") == 400);
  CHECK(refused.at("transition").at("errorCollection").at("errorMessages").as_array().at(0) ==
        "Transition id '41' is not valid for this issue.");
  CHECK(status_of(std::string(refused.at("key").as_string())) == "To Do");
  CHECK_FALSE(create(f, issue_body()).as_object().contains("transition"));  // none asked for

  auto renumbered = f.call_json(f.control("POST", "/_emulator/jira/t0000/workflow", R"({"renumber":true})"), 200);
  CHECK(renumbered.at("transition_ids") == json::array{"111", "121", "131", "141"});
  CHECK(create(f, with_transition("31")).at("transition").at("status") == 400);
  auto again = create(f, with_transition("131"));
  CHECK(status_of(std::string(again.at("key").as_string())) == "Done");
  // In a bulk create each element's answer carries its own transition outcome.
  json::array updates{with_transition("131"), with_transition("31")};
  auto bulk = f.call_json(f.jira(0, "POST", "/rest/api/3/issue/bulk", to_json_text(json::object{{"issueUpdates", updates}})), 201);
  CHECK(bulk.at("issues").as_array().at(0).at("transition").at("status") == 200);
  CHECK(bulk.at("issues").as_array().at(1).at("transition").at("status") == 400);
  auto plain = create(f, issue_body());
  auto key = std::string(plain.at("key").as_string());
  auto tr = f.call_json(f.jira(0, "GET", "/rest/api/3/issue/" + key + "/transitions"), 200);
  CHECK(tr.at("transitions").as_array().at(0).at("id") == "111");
  CHECK(f.call(f.jira(0, "POST", "/rest/api/3/issue/" + key + "/transitions", R"({"transition":{"id":"31"}})")).status == 400);
  CHECK(f.call(f.jira(0, "POST", "/rest/api/3/issue/" + key + "/transitions", R"({"transition":{"id":"131"}})")).status == 204);
  f.call_json(f.control("POST", "/_emulator/jira/t0000/workflow", R"({"renumber":"yes"})"), 400);
}
