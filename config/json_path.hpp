#pragma once
// Locating and describing problems in JSON input: "tenants[3].jira.project_key".
#include <stdexcept>
#include <string>

namespace mlc::config {

// A configuration error that names the file, the JSON path and what was expected.
class config_error : public std::runtime_error {
 public:
  config_error(std::string file, std::string path, std::string message);
  std::string const& file() const noexcept { return file_; }
  std::string const& path() const noexcept { return path_; }

 private:
  std::string file_;
  std::string path_;
};

}  // namespace mlc::config
