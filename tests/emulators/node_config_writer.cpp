// The ml-connector node config for the emulated tenants (schema: config/node_config.hpp).
// Secrets are plaintext here on purpose: this is test data; `ml-connector check` warns.
#include "tests/emulators/emulator_impl.hpp"

namespace mlc::emu {
namespace json = boost::json;

json::object emulator::impl::node_config() const {
  json::array list;
  for (std::size_t i = 0; i < tenants.size(); ++i) {
    auto const& t = tenants[i];
    auto e = endpoints(i);
    auto const& xc = t.x3->credentials();
    json::object x3;
    x3["base_url"] = e.x3_url;
    x3["folder"] = xc.folder;
    if (xc.api == x3_api::graphql) {
      x3["api"] = "graphql";
      if (xc.graphql_auth == x3_graphql_auth::jwt) {
        x3["auth"] = "jwt";
        x3["client_id"] = xc.client_id;
        x3["user"] = xc.user;
        x3["audience"] = xc.audience;
        x3["secret"] = xc.secret;
      } else {
        x3["auth"] = "oauth2";
        x3["client_id"] = xc.client_id;
        x3["secret"] = xc.secret;
        x3["token_url"] = e.x3_url + "/token";
      }
    } else {
      x3["api"] = "api1";
      x3["auth"] = "basic";
      x3["username"] = xc.username;
      x3["secret"] = xc.password;
    }

    auto const& jc = t.jira->credentials();
    json::object jira;
    jira["base_url"] = e.jira_url;
    jira["flavour"] = jc.flavour == jira_flavour::cloud ? "cloud" : "datacenter";
    jira["auth"] = jc.auth;
    if (jc.auth == "basic") {
      jira["email"] = jc.email;
      jira["secret"] = jc.api_token;
    } else if (jc.auth == "pat") {
      jira["secret"] = jc.pat;
    } else {
      jira["client_id"] = gw->client_id();
      jira["secret"] = gw->client_secret();
      jira["refresh_token"] = t.jira_refresh_token;
      jira["token_url"] = gateway_origin() + "/oauth/token";
    }
    jira["project_key"] = t.jira->project().key;
    jira["issue_types"] = json::object{{"purchase_orders", "Task"}, {"supplier_invoices", "Task"}};
    jira["field_map"] = json::object{{"vendor", "Vendor"},
                                     {"order_date", "Order date"},
                                     {"delivery_date", "Delivery date"},
                                     {"total", "Total amount"},
                                     {"currency", "Currency"},
                                     {"line_count", "Line count"},
                                     {"site", "Site"},
                                     {"invoice_number", "Supplier invoice number"},
                                     {"invoice_date", "Invoice date"},
                                     {"due_date_basis", "Due date basis"},
                                     {"amount_excl_tax", "Amount excl. tax"},
                                     {"tax_amount", "Tax amount"},
                                     {"related_po", "Related PO"}};
    jira["transition_closed"] = "Done";
    jira["transition_received"] = "Done";

    if (!opt.tls_cert_file.empty()) {
      // One certificate serves every address, and it names none of them.
      x3["tls_verify"] = false;
      jira["tls_verify"] = false;
    }

    json::object o;
    o["id"] = t.id;
    o["x3"] = std::move(x3);
    o["jira"] = std::move(jira);
    list.push_back(std::move(o));
  }
  json::object cfg;
  cfg["listen"] = "127.0.0.1:9464";
  cfg["data_dir"] = "./data";
  cfg["tenants"] = std::move(list);
  return cfg;
}

}  // namespace mlc::emu
