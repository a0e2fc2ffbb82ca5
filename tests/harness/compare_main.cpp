// mlc-compare: reads the emulator's /_emulator/state document on standard input and says
// what a sync got wrong, with the same rules the engine tests use (tests/support/
// convergence.cpp), so the Python harness has one implementation of them, not a copy.
//
//   curl -s 'http://127.0.0.1:PORT/_emulator/state?tenant=t0001' | mlc-compare [--json] [--done-status Done]
//
// Prints "duplicates=N missing=N stale=N orphans=N duplicate_comments=N duplicate_links=N records=N issues=N"
// (or one JSON object with those counts, "tenants" and the first problems) and exits 0 when
// duplicates, missing, stale, duplicate_comments and duplicate_links are all 0, 1 when any is not, 2 when the
// input is not a state document.
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "tests/emulators/jira_model.hpp"
#include "tests/support/convergence.hpp"

namespace {

namespace json = boost::json;

constexpr char const* k_usage =
    "usage: mlc-compare [--json] [--done-status NAME] < state.json\n"
    "       mlc-compare --print-fields   (the Jira field ids by name it checks, as JSON)\n"
    "  reads GET /_emulator/state on standard input; exit 0 when\n"
    "  duplicates=missing=stale=duplicate_comments=duplicate_links=0,\n"
    "  1 otherwise, 2 when the input is not a state document\n";

// Tenants of the document that did not converge, so a caller polling many tenants knows
// which to look at again.
json::array unconverged_tenants(json::object const& state, mlc::test::field_ids const& ids, std::string const& done) {
  json::array out;
  auto const* x3 = state.if_contains("x3");
  auto const* jira = state.if_contains("jira");
  if (!x3 || !x3->is_object() || !jira || !jira->is_object()) return out;
  if (x3->get_object().size() < 2) {
    // One tenant: the whole-document result says it already.
    auto whole = mlc::test::compare_state(state, ids, done);
    if (whole.duplicates + whole.missing + whole.stale + whole.orphans > 0)
      for (auto const& kv : x3->get_object()) out.push_back(json::value(kv.key()));
    return out;
  }
  for (auto const& kv : x3->get_object()) {
    json::object one_x3{{kv.key(), kv.value()}};
    json::object one_jira;
    if (auto const* j = jira->get_object().if_contains(kv.key())) one_jira[kv.key()] = *j;
    json::object one{{"x3", std::move(one_x3)}, {"jira", std::move(one_jira)}};
    auto r = mlc::test::compare_state(one, ids, done);
    if (r.duplicates + r.missing + r.stale + r.orphans > 0) out.push_back(json::value(kv.key()));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  bool as_json = false;
  bool print_fields = false;
  std::string done_status = "Done";
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--json") {
      as_json = true;
    } else if (args[i] == "--print-fields") {
      print_fields = true;
    } else if (args[i] == "--done-status" && i + 1 < args.size()) {
      done_status = args[++i];
    } else if (args[i] == "--help" || args[i] == "-h") {
      std::cout << k_usage;
      return 0;
    } else {
      std::cerr << "mlc-compare: unknown argument \"" << args[i] << "\"\n" << k_usage;
      return 2;
    }
  }

  mlc::test::field_ids ids;
  for (auto const& f : mlc::emu::jira_fields()) ids[f.name] = f.id;
  if (print_fields) {
    json::object out;
    for (auto const& [name, id] : ids) out[name] = id;
    std::cout << json::serialize(out) << "\n";
    return 0;
  }

  std::string text{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  boost::system::error_code ec;
  json::value doc = json::parse(text, ec);
  if (ec) {
    std::cerr << "mlc-compare: standard input is not JSON (" << ec.message() << "); expected GET /_emulator/state\n";
    return 2;
  }
  if (!doc.is_object() || !doc.get_object().contains("x3") || !doc.get_object().contains("jira")) {
    std::cerr << "mlc-compare: standard input has no \"x3\" and \"jira\" objects; expected GET /_emulator/state\n";
    return 2;
  }

  auto const& state = doc.get_object();
  auto result = mlc::test::compare_state(state, ids, done_status);

  if (as_json) {
    json::array problems;
    for (auto const& p : result.problems) problems.push_back(json::value(p));
    json::object out{{"duplicates", result.duplicates},
                     {"missing", result.missing},
                     {"stale", result.stale},
                     {"orphans", result.orphans},
                     {"duplicate_comments", result.duplicate_comments},
                     {"duplicate_links", result.duplicate_links},
                     {"records", result.records},
                     {"issues", result.issues},
                     {"unconverged", unconverged_tenants(state, ids, done_status)},
                     {"problems", std::move(problems)}};
    std::cout << json::serialize(out) << "\n";
  } else {
    std::cout << result.summary() << "\n";
    for (auto const& p : result.problems) std::cout << "  " << p << "\n";
  }
  bool ok = result.duplicates == 0 && result.missing == 0 && result.stale == 0 && result.duplicate_comments == 0 &&
            result.duplicate_links == 0;
  return ok ? 0 : 1;
}
