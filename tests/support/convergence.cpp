#include "tests/support/convergence.hpp"

#include <cmath>
#include <optional>

#include <boost/json/serialize.hpp>

namespace mlc::test {

namespace json = boost::json;

namespace {

std::string str(json::object const& o, std::string_view key) {
  if (auto const* v = o.if_contains(key); v && v->is_string()) return std::string{v->as_string()};
  return {};
}

std::optional<double> number(json::value const* v) {
  if (!v) return std::nullopt;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  if (v->is_string()) {
    try {
      return std::stod(std::string{v->as_string()});
    } catch (...) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

json::object const* object_at(json::object const& o, std::string_view key) {
  auto const* v = o.if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

json::array const* array_at(json::object const& o, std::string_view key) {
  auto const* v = o.if_contains(key);
  return v && v->is_array() ? &v->as_array() : nullptr;
}

}  // namespace

std::string convergence::summary() const {
  return "duplicates=" + std::to_string(duplicates) + " missing=" + std::to_string(missing) +
         " stale=" + std::to_string(stale) + " orphans=" + std::to_string(orphans) +
         " duplicate_comments=" + std::to_string(duplicate_comments) +
         " duplicate_links=" + std::to_string(duplicate_links) + " records=" + std::to_string(records) + " issues=" + std::to_string(issues);
}

convergence compare_state(json::object const& state, field_ids const& fields, std::string const& done_status) {
  convergence out;
  auto note = [&](std::string text) {
    if (out.problems.size() < 20) out.problems.push_back(std::move(text));
  };
  auto field = [&](std::string const& name) {
    auto it = fields.find(name);
    return it == fields.end() ? std::string{} : it->second;
  };
  auto const* x3 = object_at(state, "x3");
  auto const* jira = object_at(state, "jira");
  if (!x3 || !jira) {
    out.problems.push_back("state has no x3 or jira object");
    out.missing = 1;
    return out;
  }
  for (auto const& [tenant, x3_tenant_value] : *x3) {
    if (!x3_tenant_value.is_object()) continue;
    auto const& x3_tenant = x3_tenant_value.as_object();
    // (entity, id) → issues claiming it
    std::map<std::pair<std::string, std::string>, std::vector<json::object const*>> claims;
    if (auto const* jt = object_at(*jira, tenant))
      if (auto const* issues = array_at(*jt, "issues"))
        for (auto const& iv : *issues) {
          if (!iv.is_object()) continue;
          ++out.issues;
          auto const& issue = iv.as_object();
          auto const* props = object_at(issue, "properties");
          auto const* source = props ? object_at(*props, "ml-connector.source") : nullptr;
          if (!source) {
            note(std::string{tenant} + ": issue " + str(issue, "key") + " has no ml-connector.source property");
            ++out.orphans;
            continue;
          }
          claims[{str(*source, "entity"), str(*source, "id")}].push_back(&issue);
          // The connector's change comments, oldest first: the same change twice in a row
          // is one comment posted twice.
          std::string previous_change;
          if (auto const* comments = array_at(issue, "comments"))
            for (auto const& cv : *comments) {
              auto const* cprops = cv.is_object() ? object_at(cv.as_object(), "properties") : nullptr;
              auto const* change = cprops ? object_at(*cprops, "ml-connector.change") : nullptr;
              if (!change) continue;
              auto hash = str(*change, "hash");
              if (!hash.empty() && hash == previous_change) {
                ++out.duplicate_comments;
                note(std::string{tenant} + ": issue " + str(issue, "key") + " has the comment of change " +
                     hash.substr(0, 12) + " twice");
              }
              previous_change = hash;
            }
          std::map<std::pair<std::string, std::string>, int> outward;  // (type, other issue) → links
          if (auto const* links = array_at(issue, "links"))
            for (auto const& lv : *links)
              if (lv.is_object() && str(lv.as_object(), "direction") == "outward")
                if (++outward[{str(lv.as_object(), "type"), str(lv.as_object(), "issue")}] == 2) {
                  ++out.duplicate_links;
                  note(std::string{tenant} + ": issue " + str(issue, "key") + " is linked to " +
                       str(lv.as_object(), "issue") + " twice");
                }
        }

    // Order id → key of the first issue claiming it (check_one erases claims as it goes).
    std::map<std::string, std::string> order_issue;
    for (auto const& [key, issues] : claims)
      if (key.first == "purchase_order" && !issues.empty()) order_issue[key.second] = str(*issues.front(), "key");

    auto check_one = [&](std::string const& entity, json::object const& record, auto&& is_stale) {
      ++out.records;
      auto id = str(record, "id");
      auto it = claims.find({entity, id});
      if (it == claims.end() || it->second.empty()) {
        ++out.missing;
        note(std::string{tenant} + ": " + entity + " " + id + " has no Jira issue");
        return;
      }
      if (it->second.size() > 1) {
        out.duplicates += static_cast<int>(it->second.size()) - 1;
        note(std::string{tenant} + ": " + entity + " " + id + " has " + std::to_string(it->second.size()) + " issues");
      }
      if (auto why = is_stale(*it->second.front())) {
        ++out.stale;
        note(std::string{tenant} + ": " + entity + " " + id + " (" + str(*it->second.front(), "key") + "): " + *why);
      }
      claims.erase(it);
    };

    auto amount_differs = [&](json::object const& issue, std::string const& field_name, json::value const* expected)
        -> std::optional<std::string> {
      auto id = field(field_name);
      if (id.empty()) return std::nullopt;
      auto const* f = object_at(issue, "fields");
      auto got = number(f ? f->if_contains(id) : nullptr);
      auto want = number(expected);
      if (!got || !want || std::fabs(*got - *want) > 0.005)
        return field_name + " is " + (got ? std::to_string(*got) : std::string{"absent"}) + ", X3 has " +
               (want ? std::to_string(*want) : std::string{"none"});
      return std::nullopt;
    };

    if (auto const* orders = array_at(x3_tenant, "purchase_orders"))
      for (auto const& ov : *orders) {
        if (!ov.is_object()) continue;
        auto const& po = ov.as_object();
        check_one("purchase_order", po, [&](json::object const& issue) -> std::optional<std::string> {
          if (auto why = amount_differs(issue, "Total amount", po.if_contains("total_excl_tax"))) return why;
          // Earliest expected receipt among lines not received yet.
          std::string earliest;
          bool all_received = true;
          bool any_line = false;
          if (auto const* lines = array_at(po, "lines"))
            for (auto const& lv : *lines) {
              if (!lv.is_object()) continue;
              any_line = true;
              auto const& l = lv.as_object();
              auto const* received = l.if_contains("received");
              bool done = received && received->is_bool() && received->as_bool();
              if (!done) all_received = false;
              auto date = str(l, "expected_receipt");
              if (!done && !date.empty() && (earliest.empty() || date < earliest)) earliest = date;
            }
          auto delivery_id = field("Delivery date");
          if (!delivery_id.empty()) {
            auto const* f = object_at(issue, "fields");
            std::string got;
            if (f)
              if (auto const* v = f->if_contains(delivery_id); v && v->is_string()) got = v->as_string();
            if (got != earliest) return "Delivery date is \"" + got + "\", X3 says \"" + earliest + "\"";
          }
          auto const* closed = po.if_contains("closed");
          bool should_be_done = (closed && closed->is_bool() && closed->as_bool()) || (any_line && all_received);
          bool is_done = str(issue, "status") == done_status;
          if (should_be_done != is_done)
            return "status is " + str(issue, "status") + (should_be_done ? ", the order is closed or received"
                                                                          : ", the order is open");
          return std::nullopt;
        });
      }
    if (auto const* invoices = array_at(x3_tenant, "supplier_invoices"))
      for (auto const& iv : *invoices) {
        if (!iv.is_object()) continue;
        auto const& inv = iv.as_object();
        check_one("supplier_invoice", inv, [&](json::object const& issue) -> std::optional<std::string> {
          if (auto why = amount_differs(issue, "Amount excl. tax", inv.if_contains("amount_excl_tax"))) return why;
          // An invoice naming an order that has an issue is linked to it ("Relates", outward).
          auto order = order_issue.find(str(inv, "purchase_order"));
          if (order == order_issue.end()) return std::nullopt;
          if (auto const* links = array_at(issue, "links"))
            for (auto const& lv : *links)
              if (lv.is_object() && str(lv.as_object(), "direction") == "outward" &&
                  str(lv.as_object(), "type") == "Relates" && str(lv.as_object(), "issue") == order->second)
                return std::nullopt;
          return "not linked to the order's issue " + order->second;
        });
      }
    for (auto const& [key, issues] : claims) {
      out.orphans += static_cast<int>(issues.size());
      note(std::string{tenant} + ": issue " + str(*issues.front(), "key") + " claims " + key.first + " " + key.second +
           ", which X3 does not have");
    }
  }
  return out;
}

}  // namespace mlc::test
