#include <catch2/catch.hpp>

#include <cstdlib>

#include "config/secret.hpp"
#include "config/secret_box.hpp"
#include "tests/config/config_files.hpp"
#include "tests/support/test_support.hpp"

using namespace mlc::config;

TEST_CASE("secrets reveal from each source and describe without the value") {
  secret_box box{keyring::parse("k9:" + std::string(64, 'e'), "test")};
  mlc::test::temp_dir dir;

  auto plain = secret::from_plaintext("p@ss");
  CHECK(plain.reveal(box, "acme") == "p@ss");
  CHECK(plain.describe() == "plaintext");

  ::setenv("MLC_TEST_SECRET_VALUE", "from-env", 1);
  auto env = secret::from_env("MLC_TEST_SECRET_VALUE");
  CHECK(env.reveal(box, "acme") == "from-env");
  CHECK(env.describe() == "env MLC_TEST_SECRET_VALUE");
  ::unsetenv("MLC_TEST_SECRET_VALUE");
  CHECK_THROWS_WITH(env.reveal(box, "acme"), Catch::Contains("MLC_TEST_SECRET_VALUE") && Catch::Contains("not set"));

  auto path = mlc::test::write_file(dir.path() / "token", "from-file\n");
  auto file = secret::from_file(path.string());
  CHECK(file.reveal(box, "acme") == "from-file");
  CHECK(file.describe() == "file " + path.string());
  CHECK_THROWS_WITH(secret::from_file((dir.path() / "nope").string()).reveal(box, "acme"), Catch::Contains("cannot open"));

  auto sealed = secret::from_sealed(box.seal("from-box", "acme"));
  CHECK(sealed.reveal(box, "acme") == "from-box");
  CHECK(sealed.describe() == "sealed (key k9)");
  CHECK_THROWS_AS(sealed.reveal(box, "beta"), secret_box_error);

  secret none;
  CHECK(none.empty());
  CHECK(none.describe() == "not set");
  CHECK_THROWS_AS(none.reveal(box, "acme"), secret_error);
}
