#include "engine/cli.hpp"

int main(int argc, char** argv) {
  return mlc::engine::run_cli(std::vector<std::string>(argv + 1, argv + argc));
}
