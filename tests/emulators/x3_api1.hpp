#pragma once
// Sage X3 REST api1 (SData style) for one tenant folder:
//   GET /api1/x3/erp/{folder}/{CLASS}?representation={CLASS}.$query&where=…&orderBy=…&count=N
//   GET /api1/x3/erp/{folder}/{CLASS}('KEY')?representation={CLASS}.$details
// Classes PORDER (lines in "PORDERQ"), PINVOICE, BPSUPPLIER. Paging follows
// $links.$next.$url, which carries a `key=gt.<token>` continuation after the last record.
#include <string>

#include <boost/json/object.hpp>

#include "net/http.hpp"
#include "tests/emulators/x3_model.hpp"

namespace mlc::emu {

struct api1_result {
  net::http_response response;
  bool listed = false;  // a $query page was served (the churn knob acts after those)
};

// `origin` is "http://host:port" as the client addressed us; used for absolute $next URLs.
api1_result handle_api1(x3_data const& data, std::string const& folder, net::http_request const& req,
                        std::string const& origin);

boost::json::object api1_resource(x3_purchase_order const& po);
boost::json::object api1_resource(x3_supplier_invoice const& inv);
boost::json::object api1_resource(x3_supplier const& s);

boost::json::object api1_diagnoses(std::string const& message);

}  // namespace mlc::emu
