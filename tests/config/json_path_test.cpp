#include <catch2/catch.hpp>

#include "config/json_path.hpp"

using namespace mlc::config;

TEST_CASE("json paths") {
  CHECK(path_key("", "tenants") == "tenants");
  CHECK(path_key(path_index("tenants", 2), "jira") == "tenants[2].jira");
  CHECK(path_key("field_map", "a \"b\"") == "field_map[\"a \\\"b\\\"\"]");
  config_error e{"f.json", "", "bad"};
  CHECK(std::string{e.what()} == "f.json: (top level): bad");
  CHECK(e.message() == "bad");
}

TEST_CASE("parse_json_text allows comments and trailing commas") {
  auto v = parse_json_text("// c\n{ \"a\": [1, 2,], /* x */ }", "t.json");
  CHECK(v.at("a").as_array().size() == 2);
  CHECK_THROWS_WITH(parse_json_text("{} {}", "t.json"), Catch::Contains("t.json") && Catch::Contains("line 1"));
  CHECK_THROWS_WITH(parse_json_text("", "t.json"), Catch::Contains("invalid JSON"));
}
