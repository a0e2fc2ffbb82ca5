#pragma once
// One tenant's emulated Sage X3 server: GraphQL (POST /xtrem/api, bearer JWT or OAuth2
// token), api1 (GET /api1/x3/erp/…, Basic) and the OAuth2 token endpoint (POST /token).
// Both APIs are served on every tenant; the node config picks one per tenant.
// Not thread-safe: owned by the emulator on its io_context thread.
#include <memory>
#include <string>
#include <unordered_map>

#include "net/http.hpp"
#include "tests/emulators/clock.hpp"
#include "tests/emulators/knobs.hpp"
#include "tests/emulators/rng.hpp"
#include "tests/emulators/token_issuer.hpp"
#include "tests/emulators/x3_model.hpp"

namespace mlc::emu {

enum class x3_api { graphql, api1 };
enum class x3_graphql_auth { jwt, oauth2 };

struct x3_credentials {
  std::string folder;
  x3_api api = x3_api::graphql;  // what the generated node config uses
  x3_graphql_auth graphql_auth = x3_graphql_auth::jwt;
  std::string client_id;  // JWT iss / OAuth2 client_id
  std::string user;       // JWT sub
  std::string audience;   // JWT aud
  std::string secret;     // JWT shared secret / OAuth2 client secret
  std::string username;   // api1 Basic
  std::string password;
};

class x3_site {
 public:
  x3_site(std::string tenant_id, x3_credentials creds, x3_data data, std::shared_ptr<clock const> clk,
          std::uint64_t seed);

  // `endpoint` receives the route template for counters, e.g. "POST /xtrem/api".
  net::http_response handle(net::http_request const& req, system_knobs const& k, std::string const& origin,
                            std::string& endpoint);

  // Control API: create or update by id with state field names; the stamp comes from the
  // (possibly lagging) app-server clock unless the patch gives "updated".
  struct upsert_result {
    std::optional<std::string> error;
    std::string id;  // of the record created or updated
  };
  upsert_result upsert_order(boost::json::object const& patch, system_knobs const& k);
  upsert_result upsert_invoice(boost::json::object const& patch, system_knobs const& k);
  upsert_result upsert_supplier(boost::json::object const& patch, system_knobs const& k);
  std::optional<std::string> close_order(std::string const& id, system_knobs const& k);
  std::optional<std::string> receive_order(std::string const& id, system_knobs const& k);
  // Modifies `n` random orders and invoices (the "records change while paging" knob).
  void churn(int n, system_knobs const& k);

  // The app-server clock: real time minus clock_lag, sometimes minus late_commit_age.
  sys_ms stamp(system_knobs const& k);

  std::string const& tenant_id() const { return tenant_id_; }
  x3_credentials const& credentials() const { return creds_; }
  x3_data& data() { return data_; }
  x3_data const& data() const { return data_; }
  token_issuer& tokens() { return tokens_; }

 private:
  // `endpoint` gains the collections the query read ("POST /xtrem/api Supplier").
  net::http_response graphql(net::http_request const& req, system_knobs const& k, std::string& endpoint);
  net::http_response token(net::http_request const& req, system_knobs const& k);
  std::optional<std::string> bearer_problem(net::http_request const& req, system_knobs const& k);
  bool basic_ok(net::http_request const& req) const;

  std::string tenant_id_;
  x3_credentials creds_;
  x3_data data_;
  std::shared_ptr<clock const> clock_;
  rng random_;
  token_issuer tokens_;
  std::uint64_t next_number_ = 900000;
  std::unordered_map<std::string, sys_ms> verified_jwts_;  // token -> exp: skips re-verifying the HMAC
};

}  // namespace mlc::emu
