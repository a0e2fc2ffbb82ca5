#include "tests/emulators/emulator_cli.hpp"

#include <stdexcept>

namespace mlc::emu {
namespace {

long long number(std::string const& option, std::string const& text, long long lo, long long hi) {
  try {
    std::size_t used = 0;
    long long v = std::stoll(text, &used);
    if (used == text.size() && v >= lo && v <= hi) return v;
  } catch (std::exception const&) {
  }
  throw std::invalid_argument(option + " expects an integer from " + std::to_string(lo) + " to " + std::to_string(hi) +
                              ", got \"" + text + "\"");
}

void one_of(std::string const& option, std::string const& value, std::vector<std::string> const& allowed) {
  for (auto const& a : allowed)
    if (a == value) return;
  std::string list;
  for (auto const& a : allowed) list += (list.empty() ? "" : "|") + a;
  throw std::invalid_argument(option + " expects " + list + ", got \"" + value + "\"");
}

}  // namespace

std::string cli_usage() {
  return "usage: mlc-emulator [options]\n"
         "  --tenants N                 tenants to emulate (default 1)\n"
         "  --seed S                    data seed (default 1)\n"
         "  --records-per-tenant N      purchase orders per tenant; invoices are half (default 50)\n"
         "  --control-listen HOST:PORT  control API address (default 127.0.0.1:0)\n"
         "  --port P                    port of every tenant address (default: picked)\n"
         "  --write-config FILE         write an ml-connector node config for these tenants\n"
         "  --x3-api graphql|api1|mixed        (default graphql)\n"
         "  --x3-auth jwt|oauth2|mixed         GraphQL tenants (default jwt)\n"
         "  --jira-flavour cloud|datacenter|mixed  (default cloud)\n"
         "  --jira-auth basic|oauth2|mixed     cloud tenants (default basic)\n"
         "  --search-lag-ms N           Jira search lag (default 1500)\n"
         "  --token-lifetime-s N        X3 OAuth2 access token lifetime (default 300)\n"
         "  --jira-token-lifetime-s N   Atlassian 3LO access token lifetime (default 3600)\n"
         "  --drop-hang-ms N            how long a hang_rate request hangs before its\n"
         "                              connection is reset (default 60000)\n"
         "  --bind-any                  one 0.0.0.0 listener instead of one per address\n"
         "  --tls-cert FILE --tls-key FILE\n"
         "                              serve the tenants' addresses over HTTPS (PEM files);\n"
         "                              the written config turns tls_verify off\n"
         "Prints one line \"mlc-emulator ready control=URL tenants=N port=P\" when listening;\n"
         "runs until SIGTERM or SIGINT.\n";
}

cli_settings parse_cli(std::vector<std::string> const& args) {
  cli_settings s;
  auto& o = s.options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto const& a = args[i];
    auto value = [&]() -> std::string const& {
      if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
      return args[++i];
    };
    if (a == "--help" || a == "-h") s.help = true;
    else if (a == "--tenants") o.tenants = std::size_t(number(a, value(), 1, 62'500));
    else if (a == "--seed") o.seed = std::uint64_t(number(a, value(), 0, INT64_MAX));
    else if (a == "--records-per-tenant") o.records_per_tenant = std::size_t(number(a, value(), 0, 1'000'000));
    else if (a == "--port") o.port = static_cast<unsigned short>(number(a, value(), 0, 65535));
    else if (a == "--control-listen") {
      auto const& v = value();
      auto colon = v.rfind(':');
      if (colon == std::string::npos || colon == 0) throw std::invalid_argument("--control-listen expects HOST:PORT, got \"" + v + "\"");
      o.control_address = v.substr(0, colon);
      o.control_port = static_cast<unsigned short>(number(a, v.substr(colon + 1), 0, 65535));
    } else if (a == "--write-config") s.write_config = value();
    else if (a == "--x3-api") one_of(a, o.x3_api = value(), {"graphql", "api1", "mixed"});
    else if (a == "--x3-auth") one_of(a, o.x3_auth = value(), {"jwt", "oauth2", "mixed"});
    else if (a == "--jira-flavour" || a == "--jira-flavor") one_of(a, o.jira_flavour = value(), {"cloud", "datacenter", "mixed"});
    else if (a == "--jira-auth") one_of(a, o.jira_auth = value(), {"basic", "oauth2", "mixed"});
    else if (a == "--search-lag-ms") {
      auto ms = std::chrono::milliseconds{number(a, value(), 0, 3'600'000)};
      o.initial.jira.search_lag = ms;
    } else if (a == "--token-lifetime-s") o.initial.x3.token_lifetime = std::chrono::seconds{number(a, value(), 1, 86'400)};
    else if (a == "--jira-token-lifetime-s") o.initial.jira.token_lifetime = std::chrono::seconds{number(a, value(), 1, 86'400)};
    else if (a == "--drop-hang-ms") o.drop_hang = std::chrono::milliseconds{number(a, value(), 0, 3'600'000)};
    else if (a == "--bind-any") o.bind_any = true;
    else if (a == "--tls-cert") o.tls_cert_file = value();
    else if (a == "--tls-key") o.tls_key_file = value();
    else throw std::invalid_argument("unknown option \"" + a + "\" (see --help)");
  }
  if (o.tls_cert_file.empty() != o.tls_key_file.empty())
    throw std::invalid_argument("--tls-cert and --tls-key go together");
  return s;
}

}  // namespace mlc::emu
