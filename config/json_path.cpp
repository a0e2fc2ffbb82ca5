#include "config/json_path.hpp"

namespace mlc::config {

config_error::config_error(std::string file, std::string path, std::string message)
    : std::runtime_error(file + ": " + (path.empty() ? std::string{"(top level)"} : path) + ": " + message),
      file_(std::move(file)),
      path_(std::move(path)) {}

}  // namespace mlc::config
