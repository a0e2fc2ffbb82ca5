// The mlc-emulator command line, the binary's ready line and graceful stop, and
// determinism of the generated data.
#include <catch2/catch.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <boost/asio/io_context.hpp>

#include "tests/emulators/emulator.hpp"
#include "tests/emulators/emulator_cli.hpp"
#include "tests/emulators/json_text.hpp"
#include "tests/support/test_support.hpp"

namespace {
using namespace std::chrono_literals;
namespace json = boost::json;
using mlc::emu::parse_cli;

std::string read_line_with_deadline(int fd, std::chrono::seconds deadline) {
  std::string line;
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()).count());
    if (poll(&p, 1, std::max(left, 0)) <= 0) break;
    char c;
    if (read(fd, &c, 1) != 1) break;
    if (c == '\n') return line;
    line += c;
  }
  throw std::runtime_error("no complete line from mlc-emulator within the deadline; got \"" + line + "\"");
}

}  // namespace

TEST_CASE("mlc-emulator command line", "[cli]") {
  auto s = parse_cli({"--tenants", "12", "--seed", "9", "--control-listen", "127.0.0.1:9999", "--write-config", "x.json",
                      "--x3-api", "mixed", "--jira-flavour", "datacenter", "--search-lag-ms", "250", "--token-lifetime-s", "60",
                      "--records-per-tenant", "5", "--port", "8081"});
  CHECK(s.options.tenants == 12);
  CHECK(s.options.seed == 9);
  CHECK(s.options.control_port == 9999);
  CHECK(s.options.control_address == "127.0.0.1");
  CHECK(s.write_config == "x.json");
  CHECK(s.options.x3_api == "mixed");
  CHECK(s.options.jira_flavour == "datacenter");
  CHECK(s.options.initial.jira.search_lag == 250ms);
  CHECK(s.options.initial.x3.token_lifetime == 60s);
  CHECK(s.options.records_per_tenant == 5);
  CHECK(s.options.port == 8081);
  CHECK_THROWS_WITH(parse_cli({"--tenants", "0"}), "--tenants expects an integer from 1 to 62500, got \"0\"");
  CHECK_THROWS_WITH(parse_cli({"--x3-api", "soap"}), "--x3-api expects graphql|api1|mixed, got \"soap\"");
  CHECK_THROWS_WITH(parse_cli({"--bogus"}), "unknown option \"--bogus\" (see --help)");
  CHECK_THROWS_WITH(parse_cli({"--seed"}), "--seed needs a value");
  CHECK_THROWS_WITH(parse_cli({"--control-listen", "9999"}), "--control-listen expects HOST:PORT, got \"9999\"");
  CHECK(parse_cli({"--help"}).help);
  auto tls = parse_cli({"--tls-cert", "c.pem", "--tls-key", "k.pem"});
  CHECK(tls.options.tls_cert_file == "c.pem");
  CHECK(tls.options.tls_key_file == "k.pem");
  CHECK(parse_cli({}).options.tls_cert_file.empty());
  CHECK_THROWS_WITH(parse_cli({"--tls-cert", "c.pem"}), "--tls-cert and --tls-key go together");
}

TEST_CASE("the same seed gives the same data, another seed does not", "[cli]") {
  boost::asio::io_context ioc;
  auto make = [&](std::uint64_t seed) {
    mlc::emu::emulator_options o;
    o.tenants = 3;
    o.seed = seed;
    o.listen = false;
    o.clk = std::make_shared<mlc::emu::manual_clock>(mlc::emu::sys_ms{});
    return std::make_unique<mlc::emu::emulator>(ioc.get_executor(), o);
  };
  auto a = make(42), b = make(42), c = make(43);
  CHECK(mlc::emu::to_json_text(a->state()) == mlc::emu::to_json_text(b->state()));
  CHECK(mlc::emu::to_json_text(a->node_config()) == mlc::emu::to_json_text(b->node_config()));
  CHECK(mlc::emu::to_json_text(a->state()) != mlc::emu::to_json_text(c->state()));
  // Orders have 1..20 lines and invoices reference orders.
  auto state = a->state();
  auto const& pos = state.at("x3").at("t0000").at("purchase_orders").as_array();
  for (auto const& po : pos) {
    auto n = po.at("lines").as_array().size();
    CHECK(n >= 1);
    CHECK(n <= 20);
  }
  std::size_t linked = 0;
  for (auto const& inv : state.at("x3").at("t0000").at("supplier_invoices").as_array()) linked += inv.at("purchase_order").is_string();
  CHECK(linked > 0);
}

TEST_CASE("mlc-emulator prints one ready line, writes the config, stops on SIGTERM", "[cli]") {
  mlc::test::temp_dir dir;
  auto config = dir.path() / "node.json";
  int out[2];
  REQUIRE(pipe(out) == 0);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    execl(MLC_EMULATOR_BINARY, MLC_EMULATOR_BINARY, "--tenants", "3", "--control-listen", "127.0.0.1:0", "--write-config",
          config.c_str(), nullptr);
    _exit(127);
  }
  close(out[1]);
  auto line = read_line_with_deadline(out[0], 30s);
  CHECK(line.rfind("mlc-emulator ready control=http://127.0.0.1:", 0) == 0);
  CHECK(line.find(" tenants=3 port=") != std::string::npos);
  std::ifstream in{config};
  std::stringstream text;
  text << in.rdbuf();
  std::string err;
  auto cfg = mlc::emu::parse_json(text.str(), err);
  REQUIRE(err.empty());
  CHECK(cfg.at("tenants").as_array().size() == 3);
  CHECK(std::filesystem::exists(dir.path() / "node.json.master.key"));
  REQUIRE(kill(pid, SIGTERM) == 0);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  char extra;
  CHECK(read(out[0], &extra, 1) == 0);  // nothing else on stdout
  close(out[0]);
}
