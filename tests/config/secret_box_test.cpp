#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>

#include "config/secret_box.hpp"
#include "tests/config/config_files.hpp"
#include "tests/support/test_support.hpp"

using namespace mlc::config;

namespace {
std::string key_line(std::string const& id, char digit) { return id + ":" + std::string(64, digit); }
}  // namespace

TEST_CASE("seal and open round trip, bound to the tenant") {
  secret_box box{keyring::parse(key_line("k1", '1'), "test")};
  auto sealed = box.seal("s3cr3t value", "acme");
  CHECK(sealed.starts_with("enc:v1:k1:"));
  CHECK(sealed.find("s3cr3t") == std::string::npos);
  CHECK(box.open(sealed, "acme") == "s3cr3t value");
  CHECK(box.seal("", "acme") != box.seal("", "acme"));  // random nonces
  CHECK(box.open(box.seal("", "acme"), "acme").empty());

  CHECK_THROWS_AS(box.open(sealed, "acme2"), secret_box_error);
  try {
    box.open(sealed, "other");
  } catch (secret_box_error const& e) {
    CHECK_THAT(e.what(), Catch::Contains("integrity check") && !Catch::Contains("s3cr3t"));
  }
}

TEST_CASE("tampered values fail the tag check") {
  secret_box box{keyring::parse(key_line("k1", '1'), "test")};
  auto sealed = box.seal("payload", "acme");
  auto body_start = std::string{"enc:v1:k1:"}.size();
  for (auto pos : {body_start + 2, body_start + 20, sealed.size() - 4}) {
    auto tampered = sealed;
    tampered[pos] = tampered[pos] == 'A' ? 'B' : 'A';
    CHECK_THROWS_AS(box.open(tampered, "acme"), secret_box_error);
  }
  // Relabelling with another known key id fails too.
  secret_box two{keyring::parse(key_line("k1", '1') + "\n" + key_line("k2", '1'), "test")};
  auto relabelled = "enc:v1:k2:" + sealed.substr(body_start);
  CHECK_THROWS_AS(two.open(relabelled, "acme"), secret_box_error);
  CHECK_THROWS_WITH(box.open("enc:v1:k1:!!!!", "acme"), Catch::Contains("base64"));
  CHECK_THROWS_WITH(box.open("plain", "acme"), Catch::Contains("enc:v1"));
}

TEST_CASE("key rotation: old ids still open, new seals use the last key") {
  secret_box old_box{keyring::parse(key_line("k1", 'a'), "test")};
  auto sealed_old = old_box.seal("old", "acme");
  secret_box rotated{keyring::parse("# rotated\n" + key_line("k1", 'a') + "\n\n" + key_line("k2", 'b') + "\n", "test")};
  CHECK(rotated.current_key_id() == "k2");
  CHECK(rotated.open(sealed_old, "acme") == "old");
  auto sealed_new = rotated.seal("new", "acme");
  CHECK(sealed_new.starts_with("enc:v1:k2:"));
  CHECK_THROWS_WITH(old_box.open(sealed_new, "acme"),
                    Catch::Contains("\"k2\", which is not in the keyring") && Catch::Contains("known: k1"));
  secret_box comma{keyring::parse(key_line("k1", 'a') + "," + key_line("k2", 'b'), "env X")};
  CHECK(comma.open(sealed_new, "acme") == "new");
}

TEST_CASE("keyring text errors name the entry") {
  CHECK_THROWS_WITH(keyring::parse("k1:abcd", "file f"), Catch::Contains("file f, entry 1") && Catch::Contains("64 hex"));
  CHECK_THROWS_WITH(keyring::parse("bad id:" + std::string(64, 'a'), "t"), Catch::Contains("key id"));
  CHECK_THROWS_WITH(keyring::parse("k1:" + std::string(63, 'a') + "g", "t"), Catch::Contains("non-hex"));
  CHECK_THROWS_WITH(keyring::parse(key_line("k1", '1') + "\n" + key_line("k1", '2'), "t"), Catch::Contains("twice"));
  CHECK_THROWS_WITH(keyring::parse("\n# nothing\n", "t"), Catch::Contains("no key"));
  CHECK_THROWS_WITH(secret_box{}.seal("x", "acme"), Catch::Contains("no master key"));
}

TEST_CASE("the key file must be 0600 or stricter") {
  mlc::test::temp_dir dir;
  auto file = mlc::test::write_file(dir.path() / "master.key", key_line("k1", 'c') + "\n");
  ::chmod(file.c_str(), 0644);
  CHECK_THROWS_WITH(keyring::load_file(file), Catch::Contains("mode 0644") && Catch::Contains("0600 or stricter"));
  ::chmod(file.c_str(), 0640);
  CHECK_THROWS_AS(keyring::load_file(file), secret_box_error);
  ::chmod(file.c_str(), 0600);
  CHECK(keyring::load_file(file).current_id() == "k1");
  ::chmod(file.c_str(), 0400);
  CHECK(keyring::load_file(file).ids() == std::vector<std::string>{"k1"});
  CHECK_THROWS_WITH(keyring::load_file(dir.path() / "missing.key"), Catch::Contains("missing.key"));
}

TEST_CASE("load_secret_box prefers the file, then the environment") {
  mlc::test::temp_dir dir;
  auto file = mlc::test::write_file(dir.path() / "master.key", key_line("file-key", 'c'));
  ::chmod(file.c_str(), 0600);
  ::setenv("MLC_TEST_MASTER_KEY", key_line("env-key", 'd').c_str(), 1);
  CHECK(load_secret_box(file.string(), "MLC_TEST_MASTER_KEY").current_key_id() == "file-key");
  CHECK(load_secret_box("", "MLC_TEST_MASTER_KEY").current_key_id() == "env-key");
  ::unsetenv("MLC_TEST_MASTER_KEY");
  CHECK_FALSE(load_secret_box("", "MLC_TEST_MASTER_KEY").has_keys());
  CHECK_THROWS_WITH(keyring::from_env("MLC_TEST_MASTER_KEY"), Catch::Contains("not set"));
}
