#include "tests/emulators/atlassian_gateway.hpp"

#include <openssl/crypto.h>

#include "tests/emulators/json_text.hpp"
#include "tests/emulators/responses.hpp"
#include "tests/emulators/text.hpp"

namespace mlc::emu {
namespace json = boost::json;
namespace {

net::http_response oauth_error(int status, std::string const& error, std::string const& description) {
  json::object o;
  o["error"] = error;
  o["error_description"] = description;
  auto r = json_response(status, o);
  r.headers.set("Cache-Control", "no-store");
  return r;
}

bool same_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

constexpr char k_scopes[] = "read:jira-work write:jira-work read:jira-user offline_access";

}  // namespace

atlassian_gateway::atlassian_gateway(std::shared_ptr<clock const> clk, std::uint64_t seed, std::string client_id,
                                     std::string client_secret)
    : clock_{clk},
      tokens_{clk, mix_seed(seed, 3), "atl"},
      client_id_{std::move(client_id)},
      client_secret_{std::move(client_secret)},
      random_{mix_seed(seed, 4)} {}

std::string atlassian_gateway::register_site(std::string const& cloud_id, jira_site* site,
                                             std::string const& authorization_code) {
  sites_[cloud_id] = site;
  authorization_codes_[authorization_code] = cloud_id;
  std::string bytes;
  for (int i = 0; i < 3; ++i) {
    auto x = random_.next();
    bytes.append(reinterpret_cast<char const*>(&x), sizeof x);
  }
  std::string refresh = "atlr0." + base64url_encode(bytes);
  tokens_.add_refresh_token(refresh, client_id_ + "|" + cloud_id);
  return refresh;
}

jira_site* atlassian_gateway::site(std::string const& cloud_id) const {
  auto it = sites_.find(cloud_id);
  return it == sites_.end() ? nullptr : it->second;
}

net::http_response atlassian_gateway::handle(net::http_request const& req,
                                             std::function<knobs const&(jira_site const*)> knobs_for,
                                             std::string const& origin, std::string& endpoint, std::string& system) {
  auto [path, query] = split_target(req.target);
  system = "gateway";
  if (path == "/oauth/token") {
    endpoint = req.method + " /oauth/token";
    if (req.method != "POST") return oauth_error(405, "invalid_request", "use POST");
    return token(req, knobs_for);
  }
  auto bearer = [&]() -> std::optional<std::string> {
    auto h = req.headers.get("Authorization");
    if (!h || !starts_with_icase(*h, "Bearer ")) return std::nullopt;
    return tokens_.principal_of(std::string(trim(h->substr(7))));
  };
  if (path == "/oauth/token/accessible-resources") {
    endpoint = req.method + " /oauth/token/accessible-resources";
    auto principal = bearer();
    if (!principal) return json_response(401, json::object{{"code", 401}, {"message", "Unauthorized"}});
    auto cloud_id = principal->substr(principal->find('|') + 1);
    json::array out;
    if (auto* s = site(cloud_id)) {
      json::object r;
      r["id"] = cloud_id;
      r["url"] = "https://" + s->credentials().site_name;
      r["name"] = s->tenant_id();
      r["scopes"] = json::array{"read:jira-work", "write:jira-work", "read:jira-user"};
      r["avatarUrl"] = "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/site.png";
      out.push_back(std::move(r));
    }
    return json_response(200, out);
  }
  if (path.rfind("/ex/jira/", 0) == 0) {
    system = "jira";
    auto rest = path.substr(9);
    auto slash = rest.find('/');
    std::string cloud_id{rest.substr(0, slash)};
    auto* s = site(cloud_id);
    endpoint = req.method + " /ex/jira/{cloudId}" + std::string(slash == std::string_view::npos ? "" : rest.substr(slash));
    if (!s) return json_response(404, json::object{{"code", 404}, {"message", "Site not found for cloud id"}});
    auto principal = bearer();
    if (!principal)
      return json_response(401, json::object{{"code", 401}, {"message", "Unauthorized; scope does not match"}});
    if (*principal != client_id_ + "|" + cloud_id)
      return json_response(403, json::object{{"code", 403}, {"message", "The token does not grant access to this site"}});
    std::string sub = std::string(slash == std::string_view::npos ? "" : rest.substr(slash));
    if (!query.empty()) sub += "?" + std::string(query);
    return s->handle(req, knobs_for(s).jira, origin + "/ex/jira/" + cloud_id, sub, "oauth:" + client_id_, endpoint);
  }
  endpoint = "other";
  return json_response(404, json::object{{"code", 404}, {"message", "Not found"}});
}

net::http_response atlassian_gateway::token(net::http_request const& req,
                                             std::function<knobs const&(jira_site const*)> const& knobs_for) {
  // Atlassian documents a JSON body; form encoding is accepted too.
  std::string grant, client_id, client_secret, refresh_token, code;
  auto ct = req.headers.get("Content-Type").value_or("");
  if (ct.find("application/json") != std::string_view::npos) {
    std::string err;
    json::value body = parse_json(req.body, err);
    if (!err.empty() || !body.is_object()) return oauth_error(400, "invalid_request", "the body must be a JSON object");
    auto get = [&](char const* name) {
      auto const* v = body.get_object().if_contains(name);
      return v && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    grant = get("grant_type"), client_id = get("client_id"), client_secret = get("client_secret");
    refresh_token = get("refresh_token"), code = get("code");
  } else if (ct.find("application/x-www-form-urlencoded") != std::string_view::npos) {
    auto form = query_params::parse(req.body);
    grant = form.first("grant_type").value_or(""), client_id = form.first("client_id").value_or("");
    client_secret = form.first("client_secret").value_or(""), refresh_token = form.first("refresh_token").value_or("");
    code = form.first("code").value_or("");
  } else {
    return oauth_error(400, "invalid_request", "send application/json or application/x-www-form-urlencoded");
  }
  if (client_id != client_id_ || !same_secret(client_secret, client_secret_))
    return oauth_error(401, "access_denied", "Unauthorized");
  auto reply = [&](token_grant const& g) {
    json::object o;
    o["access_token"] = g.access_token;
    o["expires_in"] = g.expires_in.count();
    o["token_type"] = "Bearer";
    o["refresh_token"] = g.refresh_token;
    o["scope"] = k_scopes;
    auto r = json_response(200, o);
    r.headers.set("Cache-Control", "no-store");
    return r;
  };
  if (grant == "refresh_token") {
    auto principal = tokens_.refresh_token_principal(refresh_token);
    if (!principal || principal->rfind(client_id_ + "|", 0) != 0)
      return oauth_error(403, "invalid_grant", "Unknown or invalid refresh token.");
    auto const& k = knobs_for(site(principal->substr(client_id_.size() + 1)));
    auto r = tokens_.refresh(refresh_token, *principal, k.jira.token_lifetime, k.jira.refresh_grace);
    if (auto* refused = std::get_if<token_refusal>(&r)) return oauth_error(403, refused->error, refused->description);
    return reply(std::get<token_grant>(r));
  }
  if (grant == "authorization_code") {
    auto it = authorization_codes_.find(code);
    if (it == authorization_codes_.end()) return oauth_error(403, "invalid_grant", "Invalid authorization code");
    auto g = tokens_.issue(client_id_ + "|" + it->second, knobs_for(site(it->second)).jira.token_lifetime);
    authorization_codes_.erase(it);  // codes are single use
    return reply(g);
  }
  return oauth_error(400, "unsupported_grant_type", "grant_type must be refresh_token or authorization_code");
}

}  // namespace mlc::emu
