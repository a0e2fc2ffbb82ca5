#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "config/secret_box.hpp"
#include "engine/cli.hpp"
#include "storage/keys.hpp"
#include "storage/store.hpp"
#include "tests/support/test_support.hpp"

using namespace mlc;

namespace {

// Runs the CLI with `input` on standard input; returns {exit code, standard output}.
std::pair<int, std::string> cli(std::vector<std::string> args, std::string input = {}) {
  std::istringstream in(input);
  std::ostringstream out;
  auto* old_in = std::cin.rdbuf(in.rdbuf());
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  int code = engine::run_cli(args);
  std::cin.rdbuf(old_in);
  std::cout.rdbuf(old_out);
  return {code, out.str()};
}

std::string key_line(std::string const& id, char fill) { return id + ":" + std::string(64, fill) + "\n"; }

}  // namespace

TEST_CASE("secret encrypt seals for one tenant, keys rotate re-seals stored secrets with the newest key") {
  test::temp_dir dir;
  auto keyfile = dir.path() / "master.key";
  std::ofstream(keyfile) << key_line("k1", 'a');
  ::chmod(keyfile.c_str(), 0600);
  auto config = dir.path() / "node.json";
  std::ofstream(config) << R"({"data_dir": "data", "master_key_file": "master.key", "tenants": []})";

  auto [code, sealed] = cli({"secret", "encrypt", "--config", config.string(), "--tenant", "acme"}, "s3cret-token\n");
  REQUIRE(code == 0);
  CHECK(sealed.starts_with("enc:v1:k1:"));
  CHECK(sealed.find("s3cret") == std::string::npos);
  while (!sealed.empty() && sealed.back() == '\n') sealed.pop_back();
  config::secret_box k1(config::keyring::load_file(keyfile));
  CHECK(k1.open(sealed, "acme") == "s3cret-token");
  CHECK_THROWS(k1.open(sealed, "other-tenant"));

  {
    auto store = storage::store::open(dir.path() / "data");
    store->commit_now({{storage::column::tenant_state, storage::make_key("acme", "jira_refresh_token"), sealed}});
  }
  // A new key goes at the end of the keyring; rotation moves stored material onto it.
  std::ofstream(keyfile, std::ios::app) << key_line("k2", 'b');
  auto [rotated, message] = cli({"keys", "rotate", "--config", config.string()});
  REQUIRE(rotated == 0);
  CHECK(message.find("re-sealed 1 stored secret(s) with key k2") != std::string::npos);
  auto store = storage::store::open(dir.path() / "data");
  auto value = store->get(storage::column::tenant_state, storage::make_key("acme", "jira_refresh_token"));
  REQUIRE(value);
  CHECK(value->starts_with("enc:v1:k2:"));
  config::secret_box both(config::keyring::load_file(keyfile));
  CHECK(both.open(*value, "acme") == "s3cret-token");
}

TEST_CASE("the CLI explains bad invocations and bad configs") {
  test::temp_dir dir;
  CHECK(cli({"--version"}).first == 0);
  CHECK(cli({"--version"}).second.starts_with("ml-connector "));
  CHECK(cli({"help"}).first == 0);
  CHECK(cli({"frobnicate"}).first == 2);
  CHECK(cli({"run"}).first == 1);  // --config missing
  auto config = dir.path() / "node.json";
  std::ofstream(config) << R"({"data_dir": "data", "tenants": [], "colour": "blue"})";
  std::ostringstream err;
  auto* old = std::cerr.rdbuf(err.rdbuf());
  auto code = cli({"check", "--config", config.string()}).first;
  std::cerr.rdbuf(old);
  CHECK(code == 1);
  CHECK(err.str().find("node.json") != std::string::npos);
  CHECK(err.str().find("colour") != std::string::npos);
}
