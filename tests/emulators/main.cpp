// mlc-emulator: Sage X3 and Jira emulators for N tenants on loopback (README.md).
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "tests/emulators/emulator.hpp"
#include "tests/emulators/emulator_cli.hpp"
#include "tests/emulators/json_text.hpp"

namespace {

// Two listeners per tenant: lift the soft descriptor limit to the hard one.
void raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace

int main(int argc, char** argv) {
  mlc::emu::cli_settings settings;
  try {
    settings = mlc::emu::parse_cli(std::vector<std::string>(argv + 1, argv + argc));
  } catch (std::exception const& e) {
    std::cerr << "mlc-emulator: " << e.what() << "\n" << mlc::emu::cli_usage();
    return 2;
  }
  if (settings.help) {
    std::cout << mlc::emu::cli_usage();
    return 0;
  }
  raise_fd_limit();
  try {
    boost::asio::io_context ioc;
    mlc::emu::emulator emu{ioc.get_executor(), settings.options};
    emu.start();
    if (!settings.write_config.empty()) {
      // The master key goes next to the config, readable by the owner only.
      std::filesystem::path config{settings.write_config};
      auto key_name = config.filename().string() + ".master.key";
      auto key_path = config.parent_path() / key_name;
      {
        std::ofstream key{key_path, std::ios::trunc};
        key << emu.master_key_line() << "\n";
        if (!key) throw std::runtime_error("cannot write " + key_path.string());
      }
      std::filesystem::permissions(key_path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
      std::ofstream out{config, std::ios::trunc};
      out << mlc::emu::to_json_text(emu.node_config(key_name)) << "\n";
      if (!out) throw std::runtime_error("cannot write " + settings.write_config);
    }
    boost::asio::signal_set signals{ioc, SIGTERM, SIGINT};
    signals.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      boost::asio::co_spawn(ioc, emu.stop(), [](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (std::exception const& ex) {
          std::cerr << "mlc-emulator: stop failed: " << ex.what() << "\n";
        }
      });
    });
    std::cout << "mlc-emulator ready control=" << emu.control_url() << " tenants=" << emu.tenant_count()
              << " port=" << emu.port() << std::endl;
    ioc.run();
    std::cerr << "mlc-emulator: stopped after " << emu.request_counts().total() << " requests\n";
    return 0;
  } catch (std::exception const& e) {
    std::cerr << "mlc-emulator: " << e.what() << "\n";
    return 1;
  }
}
