#include "engine/credentials.hpp"

#include <catch2/catch.hpp>

#include "engine/jwt.hpp"
#include "tests/support/test_support.hpp"

using namespace mlc;
using namespace mlc::engine;
using std::chrono::seconds;
using sys_time = std::chrono::system_clock::time_point;

namespace {

sys_time const t0 = sys_time{seconds{1'767'225'600}};  // 2026-01-01T00:00:00Z

struct fake_clock {
  sys_time now = t0;
  clock_fn fn() {
    return [this] { return now; };
  }
};

template <class F>
auth_error expect_auth_error(F&& f) {
  try {
    f();
  } catch (auth_error const& e) {
    return e;
  }
  FAIL("expected auth_error");
  throw std::logic_error("unreachable");
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Static credentials

TEST_CASE("basic and bearer produce fixed headers") {
  credential_spec basic;
  basic.kind = credential_kind::basic;
  basic.user = "Aladdin";
  basic.secret = "open sesame";
  auto b = make_credential_source(basic, {}, {}, {});
  auto header = test::run([&](asio::io_context&) { return b->authorization(); });
  CHECK(header == "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");  // RFC 7617 §2
  b->reject(header);
  CHECK(test::run([&](asio::io_context&) { return b->authorization(); }) == header);

  credential_spec bearer;
  bearer.kind = credential_kind::bearer;
  bearer.secret = "pat-123";
  auto t = make_credential_source(bearer, {}, {}, {});
  CHECK(test::run([&](asio::io_context&) { return t->authorization(); }) == "Bearer pat-123");
}

TEST_CASE("bad static credentials are refused without echoing the secret") {
  credential_spec spec;
  spec.name = "tenant acme, jira";
  spec.kind = credential_kind::bearer;
  spec.secret = "tok\r\nX-Evil: 1";
  auto e = expect_auth_error([&] { make_credential_source(spec, {}, {}, {}); });
  CHECK(e.failure() == auth_failure::misconfigured);
  CHECK_THAT(e.what(), Catch::Contains("tenant acme, jira") && Catch::Contains("control character"));
  CHECK_THAT(e.what(), !Catch::Contains("tok"));

  spec.kind = credential_kind::basic;
  spec.user = "a:b";
  spec.secret = "pw";
  CHECK_THAT(expect_auth_error([&] { make_credential_source(spec, {}, {}, {}); }).what(), Catch::Contains("':'"));
  spec.user.clear();
  CHECK_THAT(expect_auth_error([&] { make_credential_source(spec, {}, {}, {}); }).what(),
             Catch::Contains("user is empty"));
}

TEST_CASE("credential kinds have stable names") {
  for (auto kind : {credential_kind::basic, credential_kind::bearer, credential_kind::jwt,
                    credential_kind::oauth2_refresh, credential_kind::oauth2_client_credentials})
    CHECK(parse_credential_kind(to_string(kind)) == kind);
  CHECK(to_string(credential_kind::oauth2_refresh) == "oauth2_refresh");
  CHECK_FALSE(parse_credential_kind("Basic"));
}

// ---------------------------------------------------------------------------------------
// Sage X3 connected app JWT

TEST_CASE("x3 JWT carries the connected-app claims and is re-signed near expiry") {
  fake_clock clock;
  credential_spec spec;
  spec.kind = credential_kind::jwt;
  spec.client_id = "client-1";
  spec.user = "ADMIN";
  spec.secret = "shared-secret";
  spec.audience = "https://x3.example.com/xtrem/api";
  spec.lifetime = seconds{300};  // margin: max(20% = 60 s, 30 s) = 60 s
  auto source = make_credential_source(spec, {}, clock.fn(), {});
  auto get = [&] { return test::run([&](asio::io_context&) { return source->authorization(); }); };

  auto first = get();
  REQUIRE(first.rfind("Bearer ", 0) == 0);
  auto claims = verify_hs256(first.substr(7), "shared-secret");
  REQUIRE(claims);
  CHECK(claims->at("iss").as_string() == "client-1");
  CHECK(claims->at("sub").as_string() == "ADMIN");
  CHECK(claims->at("aud").as_string() == "https://x3.example.com/xtrem/api");
  CHECK(claims->at("iat").as_int64() == 1'767'225'600);
  CHECK(claims->at("exp").as_int64() == 1'767'225'900);

  clock.now = t0 + seconds{239};
  CHECK(get() == first);
  clock.now = t0 + seconds{240};  // 60 s left: re-sign
  auto second = get();
  CHECK(second != first);
  CHECK(verify_hs256(second.substr(7), "shared-secret")->at("iat").as_int64() == 1'767'225'840);

  // A rejection of an older token changes nothing; of the current one forces a re-sign.
  clock.now = t0 + seconds{241};
  source->reject(first);
  CHECK(get() == second);
  source->reject(second);
  auto third = get();
  CHECK(third != second);
  CHECK(verify_hs256(third.substr(7), "shared-secret")->at("iat").as_int64() == 1'767'225'841);
}

TEST_CASE("x3 JWT margin is at least 30 s and at most half the lifetime") {
  fake_clock clock;
  credential_spec spec;
  spec.kind = credential_kind::jwt;
  spec.client_id = "c";
  spec.user = "u";
  spec.secret = "s";
  spec.lifetime = seconds{100};  // 20% = 20 s, raised to 30 s
  auto source = make_credential_source(spec, {}, clock.fn(), {});
  auto get = [&] { return test::run([&](asio::io_context&) { return source->authorization(); }); };
  auto first = get();
  clock.now = t0 + seconds{69};
  CHECK(get() == first);
  clock.now = t0 + seconds{70};
  CHECK(get() != first);

  spec.lifetime = seconds{40};  // 30 s would exceed half: 20 s
  auto short_lived = make_credential_source(spec, {}, clock.fn(), {});
  auto a = test::run([&](asio::io_context&) { return short_lived->authorization(); });
  clock.now += seconds{19};
  CHECK(test::run([&](asio::io_context&) { return short_lived->authorization(); }) == a);
  clock.now += seconds{1};
  CHECK(test::run([&](asio::io_context&) { return short_lived->authorization(); }) != a);
}

TEST_CASE("x3 JWT needs client id, user and secret") {
  credential_spec spec;
  spec.kind = credential_kind::jwt;
  spec.client_id = "c";
  spec.user = "u";
  CHECK_THAT(expect_auth_error([&] { make_credential_source(spec, {}, {}, {}); }).what(),
             Catch::Contains("secret is empty"));
}
