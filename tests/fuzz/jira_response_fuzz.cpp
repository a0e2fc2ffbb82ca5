// Fuzz target: what comes back from Jira and from the issue map.
//  - jira_failure(response, what) (engine/jira_client.hpp) on a fuzzed status and body;
//  - diff(previous, next, flavour) (engine/mapper.hpp) with the body as the stored previous
//    state (a corrupted or foreign issue-map entry).
// Input: "<3-digit status>\n<body>"; without that first line the status is 400.
// Properties: neither function throws; failures are sorted as DESIGN §4 says (429/5xx
// transient, 401/403 tenant fault, a 400 naming a non-project field a bad record); an
// update sends only changed fields, never project/issuetype/labels, and every changed
// field; a comment exists exactly when there are notable changes.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "engine/jira_client.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "tests/fuzz/mapped_states.hpp"

namespace {

using namespace mlc;
namespace json = boost::json;

struct next_state {
  engine::desired_state state;
  engine::jira_flavour flavour;
};

std::array<next_state, 4> const& next_states() {
  static auto const states = [] {
    using engine::jira_flavour;
    auto cloud = fuzz::fuzz_settings(jira_flavour::cloud);
    auto dc = fuzz::fuzz_settings(jira_flavour::data_center);
    std::array<next_state, 4> out{{
        {engine::map_purchase_order(fuzz::sample_order(), "Acme Metals", cloud), jira_flavour::cloud},
        {engine::map_purchase_order(fuzz::sample_order(), std::nullopt, dc), jira_flavour::data_center},
        {engine::map_supplier_invoice(fuzz::sample_invoice(), "Acme Metals", cloud), jira_flavour::cloud},
        {engine::map_supplier_invoice(fuzz::sample_invoice(), std::nullopt, dc), jira_flavour::data_center},
    }};
    // A state compared with itself changes nothing: the baseline the fuzzed runs deviate from.
    for (auto const& n : out) {
      auto same = engine::diff(n.state.to_json(), n.state, n.flavour);
      MLC_FUZZ_CHECK(!same.edit && same.changes.empty() && !same.comment);
    }
    return out;
  }();
  return states;
}

bool never_updated(std::string_view key) { return key == "project" || key == "issuetype" || key == "labels"; }

void check_failure(net::http_response const& response) {
  std::string_view const what = "create issue in OPS";
  auto e = engine::jira_failure(response, what);
  MLC_FUZZ_CHECK(e.system() == "jira");
  MLC_FUZZ_CHECK(std::string_view{e.what()}.starts_with(what));
  int const s = response.status;
  if (s == 429 || s >= 500) MLC_FUZZ_CHECK(e.kind() == engine::failure_kind::transient);
  if (s == 401 || s == 403) MLC_FUZZ_CHECK(e.kind() == engine::failure_kind::tenant_fault);
  if (s == 400 && !e.field().empty() && e.field() != "project" && e.field() != "issuetype")
    MLC_FUZZ_CHECK(e.kind() == engine::failure_kind::bad_record);
  if (e.kind() == engine::failure_kind::bad_record) MLC_FUZZ_CHECK(s == 400 || s == 413 || s == 422);
}

void check_diff(json::object const& previous, next_state const& n) {
  auto update = engine::diff(previous, n.state, n.flavour);
  auto const next_fields = n.state.all_fields();
  auto const* pf = previous.if_contains("fields");
  json::object const* prev_fields = pf && pf->is_object() ? &pf->as_object() : nullptr;

  json::object const* edit = nullptr;
  if (update.edit) {
    auto const* f = update.edit->if_contains("fields");
    MLC_FUZZ_CHECK(f && f->is_object() && !f->as_object().empty());
    edit = &f->as_object();
    for (auto const& [key, value] : *edit) {
      MLC_FUZZ_CHECK(!never_updated(key));
      if (auto const* wanted = next_fields.if_contains(key)) {
        MLC_FUZZ_CHECK(value == *wanted);
      } else {
        // Removed: sent as null, and only when the previous state had it.
        MLC_FUZZ_CHECK(value.is_null());
        MLC_FUZZ_CHECK(prev_fields && prev_fields->contains(key));
      }
    }
  }
  // Every field that differs from the previous state is sent.
  for (auto const& [key, value] : next_fields) {
    if (never_updated(key)) continue;
    auto const* old = prev_fields ? prev_fields->if_contains(key) : nullptr;
    if (!old || *old != value) MLC_FUZZ_CHECK(edit && edit->contains(key));
  }

  MLC_FUZZ_CHECK(update.comment.has_value() == !update.changes.empty());
  for (auto const& c : update.changes)
    MLC_FUZZ_CHECK(c.what == "delivery date" || c.what == "total" || c.what == "amount excl. tax");
  if (update.comment) {
    auto const* body = update.comment->if_contains("body");
    MLC_FUZZ_CHECK(body != nullptr);
    if (n.flavour == engine::jira_flavour::data_center) {
      MLC_FUZZ_CHECK(body->is_string());
      std::string_view text = body->as_string();
      MLC_FUZZ_CHECK(fuzz::utf16_units_if_valid(text) >= 0);
      MLC_FUZZ_CHECK(!fuzz::has_control_characters(text));
    } else {
      MLC_FUZZ_CHECK(body->is_object() && body->as_object().if_contains("type"));
      MLC_FUZZ_CHECK(fuzz::utf16_units_if_valid(json::serialize(*body)) >= 0);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  auto text = fuzz::as_text(data, size);
  net::http_response response;
  response.status = 400;
  if (text.size() >= 4 && text[3] == '\n' && std::all_of(text.begin(), text.begin() + 3, [](char c) {
        return c >= '0' && c <= '9';
      })) {
    response.status = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
    text.remove_prefix(4);
  }
  response.body = std::string{text};
  try {
    check_failure(response);
    json::error_code ec;
    auto previous = json::parse(response.body, ec);
    if (!ec && previous.is_object())
      check_diff(previous.as_object(), next_states()[static_cast<std::size_t>(response.status) % 4]);
  } catch (std::exception const& e) {
    fuzz::unexpected_exception("jira_failure/diff", e.what());
  }
  return 0;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  next_states();
  return 0;
}
