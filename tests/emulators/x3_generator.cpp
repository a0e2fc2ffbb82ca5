#include "tests/emulators/x3_generator.hpp"

#include <array>
#include <string_view>

namespace mlc::emu {
namespace {

struct site_info {
  std::string_view code;
  std::string_view currency;
};
constexpr std::array<site_info, 6> k_sites{{{"FR011", "EUR"},
                                            {"FR012", "EUR"},
                                            {"DE011", "EUR"},
                                            {"GB011", "GBP"},
                                            {"US011", "USD"},
                                            {"CH011", "CHF"}}};

// Names include an apostrophe, an ampersand and non-ASCII letters on purpose: they must
// survive GraphQL filters, api1 where clauses, JQL and Jira field values.
constexpr std::array<std::string_view, 20> k_name_a{
    "Acme",     "Nordic",  "Atlas",     "Blue River", "Summit",    "Vertex",   "Orion",
    "Pioneer",  "Harbor",  "Granite",   "Sterling",   "Cobalt",    "Evergreen", "Keystone",
    "Meridian", "O'Brien", "Müller & Söhne", "Redwood", "Øresund", "Zenith"};
constexpr std::array<std::string_view, 10> k_name_b{
    "Industrial Supplies", "Components", "Logistics", "Packaging", "Metals",
    "Electronics",         "Chemicals",  "Tooling",   "Fasteners", "Office Supply"};
constexpr std::array<std::string_view, 6> k_legal{"SA", "GmbH", "Ltd", "Inc", "SARL", "BV"};

struct product_family {
  std::string_view prefix;
  std::string_view unit;
  bool fractional;
};
constexpr std::array<product_family, 5> k_products{{{"RM", "KG", true},
                                                    {"PK", "UN", false},
                                                    {"EL", "UN", false},
                                                    {"MC", "UN", false},
                                                    {"CH", "L", true}}};

std::string pad(std::uint64_t n, int width) {
  std::string s = std::to_string(n);
  if (int(s.size()) < width) s.insert(0, std::size_t(width - int(s.size())), '0');
  return s;
}

std::int64_t day_of(sys_ms t) { return t.time_since_epoch().count() / 86'400'000; }

std::vector<sys_ms> stamps(rng& random, std::size_t n, x3_generation const& g) {
  std::vector<sys_ms> out;
  out.reserve(n);
  std::int64_t step_max = n ? std::max<std::int64_t>(2, 2 * g.span.count() / std::int64_t(n)) : 2;
  sys_ms t = g.start;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && !random.chance(g.tie_probability)) t += std::chrono::seconds{random.between(1, step_max)};
    out.push_back(t);
  }
  return out;
}

x3_po_line make_line(rng& random, int number, std::int64_t order_date) {
  auto const& fam = random.pick(k_products);
  x3_po_line l;
  l.line_number = number * 1000;
  l.product = std::string(fam.prefix) + pad(random.between(1, 400), 4);
  l.unit = std::string(fam.unit);
  l.quantity = fam.fractional ? random.between(1, 2000) * 25 : random.between(1, 500) * 100;
  l.net_price = random.between(50, 250'000);
  l.expected_receipt = order_date + random.between(7, 60);
  return l;
}

}  // namespace

x3_purchase_order generate_order(rng& random, std::string id, std::string const& site, std::string const& supplier,
                                 std::string const& currency, std::int64_t order_date) {
  x3_purchase_order po;
  po.id = std::move(id);
  po.site = site;
  po.supplier = supplier;
  po.currency = currency;
  po.order_date = order_date;
  int n = int(random.between(1, 20));
  for (int i = 1; i <= n; ++i) po.lines.push_back(make_line(random, i, order_date));
  for (auto const& l : po.lines) po.total_excl_tax += l.line_amount();
  po.total_incl_tax = po.total_excl_tax + tax_for(site, po.total_excl_tax);
  return po;
}

x3_data generate_x3_data(rng& random, x3_generation const& g) {
  x3_data data;
  // Sites of this tenant: one to three.
  std::vector<site_info> sites;
  std::size_t site_count = std::size_t(random.between(1, 3));
  std::size_t first_site = random.below(k_sites.size());
  for (std::size_t i = 0; i < site_count; ++i) sites.push_back(k_sites[(first_site + i) % k_sites.size()]);

  auto supplier_stamps = stamps(random, g.suppliers, g);
  std::vector<std::string> supplier_codes;
  for (std::size_t i = 0; i < g.suppliers; ++i) {
    x3_supplier s;
    s.code = std::string(sites[i % sites.size()].code.substr(0, 2)) + pad(i + 1, 4);
    s.name = std::string(random.pick(k_name_a)) + " " + std::string(random.pick(k_name_b)) + " " +
             std::string(random.pick(k_legal));
    s.updated = supplier_stamps[i];
    supplier_codes.push_back(s.code);
    data.suppliers.emplace(s.code, std::move(s));
  }
  if (supplier_codes.empty()) return data;

  auto order_stamps = stamps(random, g.orders, g);
  std::vector<std::string> order_ids;
  std::int64_t last_day = day_of(g.start + g.span);
  for (std::size_t i = 0; i < g.orders; ++i) {
    auto const& site = random.pick(sites);
    std::int64_t order_date = day_of(order_stamps[i]) - random.between(0, 5);
    auto po = generate_order(random, "PO" + std::string(site.code) + pad(260000 + i + 1, 6), std::string(site.code),
                             random.pick(supplier_codes), std::string(site.currency), order_date);
    po.updated = order_stamps[i];
    if (last_day - order_date > 30) {
      for (auto& l : po.lines) l.received = random.chance(0.6);
      po.closed = random.chance(0.15);
      if (po.closed)
        for (auto& l : po.lines) l.received = true;
    }
    order_ids.push_back(po.id);
    data.orders.emplace(po.id, std::move(po));
  }

  auto invoice_stamps = stamps(random, g.invoices, g);
  for (std::size_t i = 0; i < g.invoices; ++i) {
    x3_supplier_invoice inv;
    std::string site_code;
    if (!order_ids.empty() && random.chance(0.85)) {
      auto const& po = data.orders.at(random.pick(order_ids));
      inv.purchase_order = po.id;
      inv.supplier = po.supplier;
      inv.currency = po.currency;
      site_code = po.site;
      if (random.chance(0.7)) {
        inv.amount_excl_tax = po.total_excl_tax;
      } else {
        for (auto const& l : po.lines)
          if (random.chance(0.5)) inv.amount_excl_tax += l.line_amount();
        if (inv.amount_excl_tax == 0) inv.amount_excl_tax = po.lines.front().line_amount();
      }
    } else {
      auto const& site = random.pick(sites);
      site_code = std::string(site.code);
      inv.supplier = random.pick(supplier_codes);
      inv.currency = std::string(site.currency);
      inv.amount_excl_tax = random.between(1'000, 5'000'000);
    }
    inv.id = "PI" + site_code + pad(260000 + i + 1, 6);
    inv.tax_amount = tax_for(site_code, inv.amount_excl_tax);
    inv.updated = invoice_stamps[i];
    std::int64_t acc = day_of(inv.updated);
    inv.accounting_date = acc;
    inv.document_date = acc - random.between(0, 10);
    if (!random.chance(0.1)) inv.due_date_basis = *inv.document_date;
    inv.supplier_document = random.chance(0.5) ? "INV-" + pad(random.between(1, 99999), 5)
                                               : "F2026/" + pad(random.between(1, 9999), 5);
    inv.status = random.chance(0.6) ? 2 : 1;
    data.invoices.emplace(inv.id, std::move(inv));
  }
  return data;
}

}  // namespace mlc::emu
