#pragma once
// A small OpenAPI 3.0 response validator for tests: resolves $ref, allOf/oneOf/anyOf,
// and checks type, nullable, required, properties, additionalProperties, items and enum.
#include <filesystem>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace mlc::emu::test {

class openapi_spec {
 public:
  explicit openapi_spec(std::filesystem::path const& file);

  // The application/json schema of a response; throws when the spec has none.
  boost::json::value const& response_schema(std::string const& method, std::string const& path_template,
                                            int status) const;
  // Problems found validating `value` against `schema`, each naming its JSON path.
  std::vector<std::string> validate(boost::json::value const& value, boost::json::value const& schema) const;
  std::vector<std::string> validate_response(std::string const& method, std::string const& path_template, int status,
                                             boost::json::value const& body) const;
  boost::json::value const& component(std::string const& name) const;

 private:
  boost::json::value const& resolve(boost::json::value const& schema) const;
  void check(boost::json::value const& v, boost::json::value const& schema, std::string const& path,
             std::vector<std::string>& errors, int depth) const;
  boost::json::value spec_;
};

}  // namespace mlc::emu::test
