#pragma once
// Tenant settings and records the Jira-side fuzzers map with: a field map that touches every
// shape a value can take (string, textarea, number, date, option), for Cloud and Data Center.
#include <array>
#include <string>

#include "engine/mapper.hpp"

namespace mlc::fuzz {

inline engine::mapping_settings fuzz_settings(engine::jira_flavour flavour, std::string folder = "SEED") {
  engine::mapping_settings s;
  s.tenant = "acme";
  s.folder = std::move(folder);
  s.flavour = flavour;
  s.project_key = "OPS";
  s.issue_type_id = "10001";
  auto const text = "com.atlassian.jira.plugin.system.customfieldtypes:textfield";
  auto const area = "com.atlassian.jira.plugin.system.customfieldtypes:textarea";
  s.fields = {
      {"vendor", {"customfield_10050", {"string", text}}},
      {"order_date", {"customfield_10051", {"date", ""}}},
      {"delivery_date", {"customfield_10052", {"datetime", ""}}},
      {"total", {"customfield_10053", {"number", ""}}},
      {"currency", {"customfield_10054", {"option", ""}}},
      {"line_count", {"customfield_10055", {"number", ""}}},
      {"site", {"customfield_10056", {"string", area}}},
      {"invoice_number", {"customfield_10060", {"string", text}}},
      {"invoice_date", {"customfield_10061", {"date", ""}}},
      {"amount_excl_tax", {"customfield_10063", {"number", ""}}},
      {"tax_amount", {"customfield_10064", {"string", area}}},
      {"related_po", {"customfield_10065", {"option", ""}}},
  };
  return s;
}

inline engine::purchase_order sample_order() {
  engine::purchase_order po;
  po.id = "4500123";
  po.site = "FR01";
  po.order_date = "2026-01-15";
  po.supplier_code = "ACME01";
  po.currency = "EUR";
  po.total_excl_tax = "12480";
  po.total_incl_tax = "14976";
  po.receipt_status = "partial";
  po.updated = "2026-01-31T10:00:00Z";
  po.lines = {{1000, "BOLT-M8", "100", "EA", "1.5", "2026-03-01", true},
              {2000, "NUT-M8", "2.5", "KG", "0.125", "2026-03-15", false}};
  return po;
}

inline engine::supplier_invoice sample_invoice() {
  engine::supplier_invoice inv;
  inv.id = "FINV-001";
  inv.supplier_code = "ACME01";
  inv.currency = "JPY";
  inv.supplier_document = "SUP-77";
  inv.document_date = "2026-01-20";
  inv.accounting_date = "2026-01-21";
  inv.amount_excl_tax = "1234.5";
  inv.tax_amount = "246.9";
  inv.status = "posted";
  inv.purchase_order = "4500123";
  inv.updated = "2026-02-01T08:00:00Z";
  return inv;
}

}  // namespace mlc::fuzz
