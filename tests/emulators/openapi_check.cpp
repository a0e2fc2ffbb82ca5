#include "tests/emulators/openapi_check.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/emulators/json_text.hpp"

namespace mlc::emu::test {
namespace json = boost::json;

openapi_spec::openapi_spec(std::filesystem::path const& file) {
  std::ifstream in{file};
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::stringstream ss;
  ss << in.rdbuf();
  std::string err;
  spec_ = parse_json(ss.str(), err);
  if (!err.empty()) throw std::runtime_error(file.string() + ": " + err);
}

json::value const& openapi_spec::component(std::string const& name) const {
  return spec_.at("components").at("schemas").at(name);
}

json::value const& openapi_spec::resolve(json::value const& schema) const {
  json::value const* s = &schema;
  for (int hops = 0; hops < 16 && s->is_object() && s->as_object().contains("$ref"); ++hops) {
    std::string ref{s->at("$ref").as_string()};
    std::string const prefix = "#/components/schemas/";
    if (ref.rfind(prefix, 0) != 0) throw std::runtime_error("unsupported $ref " + ref);
    s = &component(ref.substr(prefix.size()));
  }
  return *s;
}

json::value const& openapi_spec::response_schema(std::string const& method, std::string const& path_template,
                                                  int status) const {
  auto const& op = spec_.at("paths").at(path_template).at(method);
  auto const& response = op.at("responses").at(std::to_string(status));
  auto const* content = response.as_object().if_contains("content");
  if (!content) throw std::runtime_error(method + " " + path_template + " " + std::to_string(status) + " has no content");
  return content->at("application/json").at("schema");
}

std::vector<std::string> openapi_spec::validate(json::value const& value, json::value const& schema) const {
  std::vector<std::string> errors;
  check(value, schema, "$", errors, 0);
  return errors;
}

std::vector<std::string> openapi_spec::validate_response(std::string const& method, std::string const& path_template,
                                                         int status, json::value const& body) const {
  return validate(body, response_schema(method, path_template, status));
}

namespace {

std::string kind_name(json::value const& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "boolean";
    case json::kind::int64:
    case json::kind::uint64: return "integer";
    case json::kind::double_: return "number";
    case json::kind::string: return "string";
    case json::kind::array: return "array";
    case json::kind::object: return "object";
  }
  return "?";
}

bool type_matches(json::value const& v, std::string_view type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_bool();
  if (type == "integer") return v.is_int64() || v.is_uint64();
  if (type == "number") return v.is_number();
  return true;
}

}  // namespace

void openapi_spec::check(json::value const& v, json::value const& raw_schema, std::string const& path,
                         std::vector<std::string>& errors, int depth) const {
  if (depth > 64) return;
  auto const& schema = resolve(raw_schema);
  if (!schema.is_object()) return;
  auto const& s = schema.as_object();
  if (v.is_null()) {
    bool nullable = s.contains("nullable") && s.at("nullable").as_bool();
    if (!nullable && s.contains("type")) errors.push_back(path + ": null where " + std::string(s.at("type").as_string()) + " expected");
    return;
  }
  if (auto const* all = s.if_contains("allOf"))
    for (auto const& sub : all->as_array()) check(v, sub, path, errors, depth + 1);
  for (char const* key : {"oneOf", "anyOf"}) {
    if (auto const* alts = s.if_contains(key)) {
      bool any = false;
      for (auto const& sub : alts->as_array()) {
        std::vector<std::string> e;
        check(v, sub, path, e, depth + 1);
        any = any || e.empty();
      }
      if (!any) errors.push_back(path + ": matches none of " + key);
    }
  }
  if (auto const* type = s.if_contains("type")) {
    if (!type_matches(v, type->as_string())) {
      errors.push_back(path + ": " + kind_name(v) + " where " + std::string(type->as_string()) + " expected");
      return;
    }
  }
  if (auto const* e = s.if_contains("enum")) {
    bool found = false;
    for (auto const& option : e->as_array()) found = found || option == v;
    if (!found) errors.push_back(path + ": " + to_json_text(v) + " is not in the enum");
  }
  if (v.is_object()) {
    auto const& o = v.as_object();
    if (auto const* req = s.if_contains("required"))
      for (auto const& name : req->as_array())
        if (!o.contains(name.as_string())) errors.push_back(path + ": missing required \"" + std::string(name.as_string()) + "\"");
    auto const* props = s.if_contains("properties");
    auto const* extra = s.if_contains("additionalProperties");
    for (auto const& kv : o) {
      std::string child = path + "." + std::string(kv.key());
      if (props && props->as_object().contains(kv.key())) {
        check(kv.value(), props->at(kv.key()), child, errors, depth + 1);
      } else if (extra && extra->is_bool() && !extra->as_bool() && props) {
        errors.push_back(child + ": property not allowed by the schema");
      } else if (extra && extra->is_object()) {
        check(kv.value(), *extra, child, errors, depth + 1);
      }
    }
  }
  if (v.is_array())
    if (auto const* items = s.if_contains("items")) {
      std::size_t i = 0;
      for (auto const& e : v.as_array()) check(e, *items, path + "[" + std::to_string(i++) + "]", errors, depth + 1);
    }
}

}  // namespace mlc::emu::test
