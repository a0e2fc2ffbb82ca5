#pragma once
// Locating and describing problems in JSON input: "tenants[3].jira.project_key".
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace mlc::config {

// A configuration error that names the file, the JSON path and what was expected.
// what() = "<file>: <path>: <message>" ("(top level)" for an empty path).
class config_error : public std::runtime_error {
 public:
  config_error(std::string file, std::string path, std::string message);
  std::string const& file() const noexcept { return file_; }
  std::string const& path() const noexcept { return path_; }
  std::string const& message() const noexcept { return message_; }

 private:
  std::string file_;
  std::string path_;
  std::string message_;
};

// "a" + key "b" -> "a.b"; "" + key "b" -> "b"; keys that are not identifiers are quoted:
// "field_map" + "my key" -> field_map["my key"].
std::string path_key(std::string_view path, std::string_view key);
// "tenants" + 2 -> "tenants[2]".
std::string path_index(std::string_view path, std::size_t index);

// Reads and parses a JSON file allowing comments and trailing commas; throws config_error
// naming the file and the line:column of a syntax error.
boost::json::value read_json_file(std::filesystem::path const& file);
// The same for text already in memory; `file` is only used in messages.
boost::json::value parse_json_text(std::string_view text, std::string const& file);

// Character-class checks without std::regex, whose matcher recurses once per character
// and overflows the stack on long hostile input (found by tests/fuzz).
bool all_of_chars(std::string_view text, std::string_view extra_allowed, bool alnum = true);

}  // namespace mlc::config
