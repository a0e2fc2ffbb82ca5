#pragma once
// Compares what the emulated Sage X3 holds with what the emulated Jira holds (the
// /_emulator/state document) and counts what a sync got wrong:
//   duplicates — more than one Jira issue claims the same ERP record (extra issues counted)
//   missing    — an ERP record with no Jira issue
//   stale      — an issue whose amount, delivery date or workflow status is not the record's
//                (or an invoice's issue not linked to the issue of the order it names)
//   orphans    — issues claiming a record X3 does not have
//   duplicate_comments — a change comment posted twice in a row on one issue (two
//                consecutive comments whose ml-connector.change property has one hash)
//   duplicate_links — an issue linked twice to the same issue with the same link type
//                (Jira keeps both; extra links counted once, from the outward side)
// An issue claims a record through its `ml-connector.source` property.
#include <map>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace mlc::test {

struct convergence {
  int records = 0;
  int issues = 0;
  int duplicates = 0;
  int missing = 0;
  int stale = 0;
  int orphans = 0;
  int duplicate_comments = 0;
  int duplicate_links = 0;
  std::vector<std::string> problems;  // first few, for test output

  bool converged() const {
    return duplicates == 0 && missing == 0 && stale == 0 && orphans == 0 && duplicate_comments == 0 &&
           duplicate_links == 0;
  }
  // "duplicates=0 missing=0 stale=0 orphans=0 duplicate_comments=0 duplicate_links=0 records=N issues=N"
  std::string summary() const;
};

// Jira custom field ids by name ("Total amount" → "customfield_10053").
using field_ids = std::map<std::string, std::string>;

// `state` is the emulator's {"x3": {tenant: …}, "jira": {tenant: …}} document.
// `done_status` is the status closed or fully received orders must reach.
convergence compare_state(boost::json::object const& state, field_ids const& fields,
                          std::string const& done_status = "Done");

}  // namespace mlc::test
