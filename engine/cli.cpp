#include "engine/cli.hpp"

#include <iostream>

namespace mlc::engine {

namespace {
constexpr char const* k_usage =
    "usage: ml-connector COMMAND [options]\n"
    "commands:\n"
    "  --version   print the version\n"
    "  --help      print this help\n";
}

int run_cli(std::vector<std::string> const& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << k_usage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "--version") {
    std::cout << "ml-connector " << MLC_VERSION << "\n";
    return 0;
  }
  std::cerr << "ml-connector: unknown command '" << args[0] << "'\n" << k_usage;
  return 2;
}

}  // namespace mlc::engine
