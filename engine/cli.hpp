#pragma once
#include <string>
#include <vector>

namespace mlc::engine {

// Runs the ml-connector command line; returns the process exit code.
int run_cli(std::vector<std::string> const& args);

}  // namespace mlc::engine
