#pragma once
// Atlassian Document Format (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/):
// validation of the documents Jira Cloud v3 takes for descriptions, textarea fields and
// comments, and plain-text extraction for search and the control API.
#include <optional>
#include <string>

#include <boost/json/value.hpp>

namespace mlc::emu {

// nullopt when `doc` is a valid ADF document; otherwise where it is wrong
// ("content[0].content[1]: text node needs a non-empty \"text\"").
std::optional<std::string> validate_adf(boost::json::value const& doc);

// The text of every text node, paragraphs separated by newlines.
std::string adf_plain_text(boost::json::value const& doc);

// A one-paragraph document (used by the control API and tests).
boost::json::value adf_paragraph(std::string const& text);

}  // namespace mlc::emu
