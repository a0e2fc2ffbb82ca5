#pragma once
// Private to config/: typed, path-aware reading of one JSON object. Every error names
// the file, the JSON path of the offending value and what was expected.
#include <chrono>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "config/json_path.hpp"
#include "config/secret.hpp"

namespace mlc::config::detail {

// Parses "90s", "5m", "2h", "30d", "1h30m" or a non-negative integer of seconds.
std::optional<std::chrono::seconds> parse_duration(boost::json::value const& v);
// nullopt when fine, else what is wrong: http(s) scheme, a host, no user info or fragment.
std::optional<std::string> check_http_url(std::string_view url);
// A quoted, comma separated list for messages: "a", "b", "c".
std::string quoted_list(std::initializer_list<std::string_view> items);
std::string quoted_list(std::vector<std::string> const& items);
// JSON type name for messages ("a string", "an object", ...).
std::string_view type_name(boost::json::value const& v);

class object_reader {
 public:
  // Throws unless `value` is an object whose keys are all in `allowed`.
  object_reader(boost::json::value const& value, std::string file, std::string path,
                std::initializer_list<std::string_view> allowed);

  std::string const& file() const { return file_; }
  std::string const& path() const { return path_; }
  std::string at(std::string_view key) const { return path_key(path_, key); }
  boost::json::value const* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }

  [[noreturn]] void fail(std::string_view key, std::string const& message) const;

  // Each read leaves `out` untouched when the key is absent.
  void read(std::string_view key, std::string& out) const;  // any string, may be empty
  void read_nonempty(std::string_view key, std::string& out) const;
  void read_enum(std::string_view key, std::string& out, std::initializer_list<std::string_view> values) const;
  void read_url(std::string_view key, std::string& out) const;
  // A path made absolute against the directory of file().
  void read_path(std::string_view key, std::string& out) const;
  void read(std::string_view key, bool& out) const;
  void read(std::string_view key, int& out, int min, int max) const;
  void read(std::string_view key, double& out, double min, double max) const;
  void read(std::string_view key, std::chrono::seconds& out, std::chrono::seconds min,
            std::chrono::seconds max) const;
  // Array of non-empty strings, each one of `values` (empty list = any), no duplicates.
  void read(std::string_view key, std::vector<std::string>& out,
            std::initializer_list<std::string_view> values = {}) const;
  void read(std::string_view key, std::vector<std::string>& out, std::vector<std::string> const& values) const;
  // Object of non-empty strings merged into `out` key by key; keys limited to `keys`.
  void merge(std::string_view key, std::map<std::string, std::string>& out,
             std::vector<std::string> const& keys) const;
  // A secret: "plaintext", "enc:v1:..." or {"env": NAME} / {"file": PATH}.
  // Returns true when the value is plaintext (the caller warns).
  bool read(std::string_view key, secret& out) const;

  std::string resolve(std::string const& p) const;

 private:
  boost::json::object const* object_;
  std::string file_;
  std::string path_;
};

}  // namespace mlc::config::detail
