#include <catch2/catch.hpp>

#include "engine/credentials.hpp"
#include "engine/failure.hpp"
#include "engine/jira_client.hpp"
#include "net/error.hpp"

using namespace mlc;

namespace {
net::http_response reply(int status, std::string body) {
  net::http_response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}
template <class E>
engine::sync_error sorted(E e) {
  return engine::classify(std::make_exception_ptr(std::move(e)), "jira");
}
}  // namespace

TEST_CASE("Jira's field errors park the record and name the field") {
  auto e = engine::jira_failure(
      reply(400, R"({"errorMessages":[],"errors":{"customfield_10050":"Field 'customfield_10050' cannot be set. It is not on the appropriate screen, or unknown."}})"),
      "create issue");
  CHECK(e.kind() == engine::failure_kind::bad_record);
  CHECK(e.field() == "customfield_10050");
  CHECK(std::string{e.what()} ==
        "create issue: Jira answered HTTP 400: customfield_10050: Field 'customfield_10050' cannot be set. It is not "
        "on the appropriate screen, or unknown.");
}

TEST_CASE("a missing project or issue type is the tenant's fault") {
  auto e = engine::jira_failure(reply(400, R"({"errorMessages":[],"errors":{"project":"valid project is required"}})"),
                                "create issue");
  CHECK(e.kind() == engine::failure_kind::tenant_fault);
  CHECK(e.field() == "project");
}

TEST_CASE("auth failures, rate limits and server errors are sorted") {
  CHECK(engine::jira_failure(reply(401, R"({"errorMessages":["You are not authenticated"]})"), "x").kind() ==
        engine::failure_kind::tenant_fault);
  CHECK(engine::jira_failure(reply(403, "{}"), "x").kind() == engine::failure_kind::tenant_fault);
  CHECK(engine::jira_failure(reply(429, ""), "x").kind() == engine::failure_kind::transient);
  CHECK(engine::jira_failure(reply(503, "<html>"), "x").kind() == engine::failure_kind::transient);
  auto garbage = engine::jira_failure(reply(400, "not json at all"), "x");
  CHECK(garbage.kind() == engine::failure_kind::bad_record);
  CHECK(std::string{garbage.what()}.find("not json at all") != std::string::npos);
}

TEST_CASE("classify sorts transport, auth and other errors") {
  CHECK(sorted(net::error(net::error_kind::timeout, "t")).kind() == engine::failure_kind::transient);
  CHECK(sorted(net::error(net::error_kind::connect, "c")).kind() == engine::failure_kind::transient);
  CHECK(sorted(net::error(net::error_kind::rate_limited, "r", 429)).kind() == engine::failure_kind::transient);
  CHECK(sorted(net::error(net::error_kind::tls, "bad cert")).kind() == engine::failure_kind::tenant_fault);
  CHECK(sorted(engine::auth_error(engine::auth_failure::rejected, "invalid_grant")).kind() ==
        engine::failure_kind::tenant_fault);
  CHECK(sorted(engine::auth_error(engine::auth_failure::unavailable, "503")).kind() ==
        engine::failure_kind::transient);
  auto kept = sorted(engine::sync_error(engine::failure_kind::bad_record, "x3", "bad date", "orderDate"));
  CHECK(kept.kind() == engine::failure_kind::bad_record);
  CHECK(kept.system() == "x3");
  CHECK(kept.field() == "orderDate");
  CHECK(sorted(std::runtime_error("boom")).system() == "jira");
}

#include <sstream>

#include "engine/log.hpp"

TEST_CASE("text logs escape control characters, so remote text cannot forge log lines") {
  std::ostringstream out;
  engine::log::configure(engine::log::level::info, false, &out);
  engine::log::info({"acme", "purchase_orders", "PO1"}, "record.parked", "Jira said: bad\n2026 error [forged] line");
  engine::log::configure(engine::log::level::info, true, &out);
  engine::log::info({"acme", {}, {}}, "x", "a\nb");
  engine::log::configure(engine::log::level::info, true, nullptr);
  auto text = out.str();
  CHECK(std::count(text.begin(), text.end(), '\n') == 2);  // exactly one line per entry
  CHECK(text.find("bad\\x0a2026") != std::string::npos);
  CHECK(text.find("\"message\":\"a\\nb\"") != std::string::npos);
}
