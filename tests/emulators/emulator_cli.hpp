#pragma once
// Command line of the mlc-emulator binary (README.md "Command line").
#include <optional>
#include <string>
#include <vector>

#include "tests/emulators/emulator.hpp"

namespace mlc::emu {

struct cli_settings {
  emulator_options options;
  std::string write_config;  // empty: do not write
  bool help = false;
};

// Throws std::invalid_argument naming the bad option.
cli_settings parse_cli(std::vector<std::string> const& args);
std::string cli_usage();

}  // namespace mlc::emu
