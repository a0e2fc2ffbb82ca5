#include "tests/emulators/x3_site.hpp"

#include <openssl/crypto.h>

#include "tests/emulators/graphql_executor.hpp"
#include "tests/emulators/json_text.hpp"
#include "tests/emulators/jwt.hpp"
#include "tests/emulators/responses.hpp"
#include "tests/emulators/text.hpp"
#include "tests/emulators/x3_api1.hpp"
#include "tests/emulators/x3_generator.hpp"
#include "tests/emulators/x3_graphql_schema.hpp"

namespace mlc::emu {
namespace json = boost::json;
namespace {

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

json::object graphql_error(std::string message) {
  json::object e;
  e["message"] = std::move(message);
  json::object o;
  o["errors"] = json::array{e};
  return o;
}

net::http_response oauth_error(int status, std::string const& error, std::string const& description) {
  json::object o;
  o["error"] = error;
  o["error_description"] = description;
  auto r = json_response(status, o);
  r.headers.set("Cache-Control", "no-store");
  return r;
}

std::optional<std::pair<std::string, std::string>> basic_credentials(net::http_request const& req) {
  auto h = req.headers.get("Authorization");
  if (!h || !starts_with_icase(*h, "Basic ")) return std::nullopt;
  auto decoded = base64_decode(trim(h->substr(6)));
  if (!decoded) return std::nullopt;
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return std::make_pair(decoded->substr(0, colon), decoded->substr(colon + 1));
}

}  // namespace

x3_site::x3_site(std::string tenant_id, x3_credentials creds, x3_data data, std::shared_ptr<clock const> clk,
                 std::uint64_t seed)
    : tenant_id_{std::move(tenant_id)},
      creds_{std::move(creds)},
      data_{std::move(data)},
      clock_{clk},
      random_{seed},
      tokens_{clk, mix_seed(seed, 77), "x3" + std::to_string(seed % 1000)} {}

sys_ms x3_site::stamp(system_knobs const& k) {
  auto t = clock_->now() - k.clock_lag;
  if (random_.chance(k.late_commit_rate)) t -= k.late_commit_age;
  return std::chrono::time_point_cast<std::chrono::seconds>(t);
}

bool x3_site::basic_ok(net::http_request const& req) const {
  auto c = basic_credentials(req);
  return c && c->first == creds_.username && same_secret(c->second, creds_.password);
}

std::optional<std::string> x3_site::bearer_problem(net::http_request const& req, system_knobs const& k) {
  auto h = req.headers.get("Authorization");
  if (!h || !starts_with_icase(*h, "Bearer ")) return "missing bearer token";
  auto token = std::string(trim(h->substr(7)));
  if (creds_.graphql_auth == x3_graphql_auth::oauth2) {
    if (tokens_.principal_of(token) != creds_.client_id) return "invalid or expired access token";
    return std::nullopt;
  }
  auto now = clock_->now();
  if (auto it = verified_jwts_.find(token); it != verified_jwts_.end()) {
    if (now < it->second) return std::nullopt;
    verified_jwts_.erase(it);
  }
  jwt_expectation e{creds_.client_id, creds_.user, creds_.audience, creds_.secret, k.jwt_max_lifetime,
                    std::chrono::seconds{30}};
  auto problem = verify_jwt(token, e, now);
  if (!problem) {
    // Remember until exp + leeway (what verify_jwt would still accept).
    auto payload = token.substr(token.find('.') + 1);
    payload = payload.substr(0, payload.find('.'));
    std::string err;
    auto claims = parse_json(base64url_decode(payload).value_or("{}"), err);
    auto const* exp = claims.is_object() ? claims.as_object().if_contains("exp") : nullptr;
    if (exp && exp->is_int64()) {
      if (verified_jwts_.size() >= 1024) verified_jwts_.clear();
      verified_jwts_[token] = sys_ms{std::chrono::seconds{exp->get_int64()} + e.leeway};
    }
  }
  return problem;
}

net::http_response x3_site::handle(net::http_request const& req, system_knobs const& k, std::string const& origin,
                                   std::string& endpoint) {
  auto [path, query] = split_target(req.target);
  if (path == "/xtrem/api") {
    endpoint = req.method + " /xtrem/api";
    if (req.method != "POST") return json_response(405, graphql_error("Use POST for /xtrem/api"));
    if (auto problem = bearer_problem(req, k)) {
      auto r = json_response(401, graphql_error("Unauthorized: " + *problem));
      r.headers.set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      return r;
    }
    return graphql(req, k, endpoint);
  }
  if (path == "/token") {
    endpoint = req.method + " /token";
    if (creds_.graphql_auth != x3_graphql_auth::oauth2)
      return oauth_error(404, "not_found", "this X3 server uses connected-application JWTs, not OAuth2");
    if (req.method != "POST") return oauth_error(405, "invalid_request", "use POST");
    return token(req, k);
  }
  if (path.rfind("/api1/x3/erp/", 0) == 0) {
    auto rest = path.substr(13);
    auto slash = rest.find('/');
    auto cls = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    auto paren = cls.find_first_of("(%");
    endpoint = req.method + " /api1/x3/erp/{folder}/" + std::string(cls.substr(0, paren)) +
               (paren == std::string_view::npos ? "" : "('{key}')");
    if (!basic_ok(req)) {
      auto r = json_response(401, api1_diagnoses("Authentication failed"));
      r.headers.set("WWW-Authenticate", "Basic realm=\"Sage X3\"");
      return r;
    }
    auto result = handle_api1(data_, creds_.folder, req, origin);
    if (result.listed && k.churn_per_page > 0) churn(k.churn_per_page, k);
    return std::move(result.response);
  }
  endpoint = "other";
  return json_response(404, api1_diagnoses("No route for " + std::string(path)));
}

net::http_response x3_site::graphql(net::http_request const& req, system_knobs const& k, std::string& endpoint) {
  auto endpoint_header = req.headers.get("x-xtrem-endpoint");
  if (!endpoint_header) return json_response(400, graphql_error("Missing x-xtrem-endpoint header (the X3 folder)"));
  if (*endpoint_header != creds_.folder)
    return json_response(404, graphql_error("Unknown endpoint '" + std::string(*endpoint_header) + "'"));
  std::string err;
  json::value body = parse_json(req.body, err);
  if (!err.empty() || !body.is_object())
    return json_response(400, graphql_error("POST body must be a JSON object: " + (err.empty() ? "not an object" : err)));
  auto const& o = body.get_object();
  graphql::request gq;
  auto const* q = o.if_contains("query");
  if (!q || !q->is_string()) return json_response(400, graphql_error("Must provide query string."));
  gq.query = std::string(q->get_string());
  if (auto const* v = o.if_contains("variables"); v && !v->is_null()) {
    if (!v->is_object()) return json_response(400, graphql_error("Variables must be provided as an Object if at all."));
    gq.variables = v->get_object();
  }
  if (auto const* n = o.if_contains("operationName"); n && n->is_string()) gq.operation_name = std::string(n->get_string());
  auto result = graphql::execute(x3_query_type(), &data_, gq);
  auto response = text_response(200, std::move(result.body), "application/json;charset=UTF-8");
  bool listed = false;
  for (auto const& c : result.collections_read) {
    listed = listed || c == "PurchaseOrder" || c == "PurchaseInvoice";
    endpoint += ' ' + c;
  }
  if (listed && k.churn_per_page > 0) churn(k.churn_per_page, k);
  return response;
}

net::http_response x3_site::token(net::http_request const& req, system_knobs const& k) {
  auto ct = req.headers.get("Content-Type");
  if (!ct || !starts_with_icase(*ct, "application/x-www-form-urlencoded"))
    return oauth_error(400, "invalid_request", "the token request must be application/x-www-form-urlencoded");
  auto form = query_params::parse(req.body);
  std::string client_id = form.first("client_id").value_or("");
  std::string client_secret = form.first("client_secret").value_or("");
  if (auto basic = basic_credentials(req)) {
    client_id = percent_decode(basic->first, true);
    client_secret = percent_decode(basic->second, true);
  }
  if (client_id != creds_.client_id || !same_secret(client_secret, creds_.secret))
    return oauth_error(401, "invalid_client", "client authentication failed");
  auto grant = form.first("grant_type").value_or("");
  auto reply = [&](token_grant const& g) {
    json::object o;
    o["access_token"] = g.access_token;
    o["token_type"] = "Bearer";
    o["expires_in"] = g.expires_in.count();
    o["refresh_token"] = g.refresh_token;
    o["scope"] = "api";
    auto r = json_response(200, o);
    r.headers.set("Cache-Control", "no-store");
    return r;
  };
  if (grant == "client_credentials") return reply(tokens_.issue(client_id, k.token_lifetime));
  if (grant == "refresh_token") {
    auto rt = form.first("refresh_token");
    if (!rt) return oauth_error(400, "invalid_request", "refresh_token is required");
    auto r = tokens_.refresh(*rt, client_id, k.token_lifetime, k.refresh_grace);
    if (auto* refused = std::get_if<token_refusal>(&r)) return oauth_error(400, refused->error, refused->description);
    return reply(std::get<token_grant>(r));
  }
  return oauth_error(400, "unsupported_grant_type", "grant_type must be client_credentials or refresh_token");
}

namespace {

std::optional<sys_ms> explicit_stamp(json::object const& patch, std::optional<std::string>& error) {
  auto const* u = patch.if_contains("updated");
  if (!u) return std::nullopt;
  auto t = u->is_string() ? parse_timestamp(u->get_string()) : std::nullopt;
  if (!t) error = "field \"updated\" must be a timestamp like 2026-01-01T00:00:00Z";
  else return std::chrono::time_point_cast<std::chrono::seconds>(*t);
  return std::nullopt;
}

std::optional<std::string> id_of(json::object const& patch, char const* name) {
  auto const* v = patch.if_contains(name);
  if (v && v->is_string() && !v->get_string().empty()) return std::string(v->get_string());
  return std::nullopt;
}

}  // namespace

x3_site::upsert_result x3_site::upsert_order(json::object const& patch, system_knobs const& k) {
  std::optional<std::string> error;
  auto when = explicit_stamp(patch, error);
  if (error) return {error, {}};
  auto id = id_of(patch, "id");
  auto it = id ? data_.orders.find(*id) : data_.orders.end();
  if (it == data_.orders.end()) {
    if (data_.suppliers.empty()) return {"this tenant has no suppliers to order from", {}};
    std::string supplier = data_.suppliers.begin()->second.code;
    if (auto s = id_of(patch, "supplier")) supplier = *s;
    std::string site = id_of(patch, "site").value_or(data_.orders.empty() ? "FR011" : data_.orders.begin()->second.site);
    std::string currency = id_of(patch, "currency").value_or(data_.orders.empty() ? "EUR" : data_.orders.begin()->second.currency);
    auto po = generate_order(random_, id.value_or("PO" + site + std::to_string(++next_number_)), site, supplier, currency,
                             stamp(k).time_since_epoch().count() / 86'400'000);
    if (auto err = apply_patch(po, patch)) return {err, {}};
    po.updated = when.value_or(stamp(k));
    std::string new_id = po.id;
    data_.orders.emplace(new_id, std::move(po));
    return {std::nullopt, new_id};
  }
  if (auto err = apply_patch(it->second, patch)) return {err, {}};
  it->second.updated = when.value_or(stamp(k));
  return {std::nullopt, it->first};
}

x3_site::upsert_result x3_site::upsert_invoice(json::object const& patch, system_knobs const& k) {
  std::optional<std::string> error;
  auto when = explicit_stamp(patch, error);
  if (error) return {error, {}};
  auto id = id_of(patch, "id");
  auto it = id ? data_.invoices.find(*id) : data_.invoices.end();
  if (it == data_.invoices.end()) {
    x3_supplier_invoice inv;
    inv.id = id.value_or("PI" + std::to_string(++next_number_));
    auto po_id = id_of(patch, "purchase_order");
    if (po_id && data_.orders.count(*po_id)) {
      auto const& po = data_.orders.at(*po_id);
      inv.supplier = po.supplier;
      inv.currency = po.currency;
      inv.amount_excl_tax = po.total_excl_tax;
      inv.tax_amount = po.total_incl_tax - po.total_excl_tax;
    } else if (!data_.suppliers.empty()) {
      inv.supplier = data_.suppliers.begin()->second.code;
      inv.currency = "EUR";
    }
    std::int64_t today = stamp(k).time_since_epoch().count() / 86'400'000;
    inv.accounting_date = today;
    inv.document_date = today;
    inv.due_date_basis = today;
    inv.supplier_document = "INV-" + std::to_string(next_number_);
    if (auto err = apply_patch(inv, patch)) return {err, {}};
    inv.updated = when.value_or(stamp(k));
    std::string new_id = inv.id;
    data_.invoices.emplace(new_id, std::move(inv));
    return {std::nullopt, new_id};
  }
  if (auto err = apply_patch(it->second, patch)) return {err, {}};
  it->second.updated = when.value_or(stamp(k));
  return {std::nullopt, it->first};
}

x3_site::upsert_result x3_site::upsert_supplier(json::object const& patch, system_knobs const& k) {
  auto code = id_of(patch, "code");
  if (!code) return {"field \"code\" is required", {}};
  auto& s = data_.suppliers[*code];
  s.code = *code;
  if (auto err = apply_patch(s, patch)) return {err, {}};
  if (s.name.empty()) s.name = *code;
  s.updated = stamp(k);
  return {std::nullopt, *code};
}

std::optional<std::string> x3_site::close_order(std::string const& id, system_knobs const& k) {
  auto it = data_.orders.find(id);
  if (it == data_.orders.end()) return "no purchase order " + id;
  it->second.closed = true;
  it->second.updated = stamp(k);
  return std::nullopt;
}

std::optional<std::string> x3_site::receive_order(std::string const& id, system_knobs const& k) {
  auto it = data_.orders.find(id);
  if (it == data_.orders.end()) return "no purchase order " + id;
  for (auto& l : it->second.lines) l.received = true;
  it->second.updated = stamp(k);
  return std::nullopt;
}

void x3_site::churn(int n, system_knobs const& k) {
  for (int i = 0; i < n; ++i) {
    if (!data_.orders.empty() && (data_.invoices.empty() || random_.chance(0.5))) {
      auto it = std::next(data_.orders.begin(), std::ptrdiff_t(random_.below(data_.orders.size())));
      auto& po = it->second;
      if (!po.lines.empty()) {
        auto& l = po.lines[random_.below(po.lines.size())];
        if (l.expected_receipt) *l.expected_receipt += 1;  // the supplier confirmed a later date
      }
      po.updated = stamp(k);
    } else if (!data_.invoices.empty()) {
      auto it = std::next(data_.invoices.begin(), std::ptrdiff_t(random_.below(data_.invoices.size())));
      it->second.status = 2;  // posted
      it->second.updated = stamp(k);
    }
  }
}

}  // namespace mlc::emu
