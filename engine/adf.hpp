#pragma once
// Rich text for Jira, in both dialects: Atlassian Document Format for REST v3 (Cloud) and
// wiki markup strings for REST v2 (Data Center), built from one small block model so the
// two always say the same thing. Also the text hygiene every value sent to Jira goes through.
// Pure functions; no shared state.
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/json/object.hpp>

namespace mlc::engine {

// ---- text hygiene ----------------------------------------------------------------------

// Valid UTF-8 (bad bytes become U+FFFD) with C0/C1 control characters and DEL removed;
// tab, CR and LF become a space. For one-line values: summary, field values, table cells.
std::string clean_line(std::string_view text);

// Jira counts lengths in UTF-16 code units (Java strings).
std::size_t utf16_length(std::string_view utf8);
// The longest prefix of valid UTF-8 `text` whose UTF-16 length is <= max_units, never
// splitting a code point.
std::string cut_utf16(std::string_view text, std::size_t max_units);

// ---- block model -----------------------------------------------------------------------

struct table_block {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each as wide as header (short rows padded)
};
using text_block = std::variant<std::string, table_block>;  // a paragraph or a table

// ---- ADF (v3) ----------------------------------------------------------------------------

// {"type":"doc","version":1,"content":[…]}. A paragraph is
// {"type":"paragraph","content":[{"type":"text","text":…}]} (empty text → "content":[],
// since ADF forbids empty text nodes). A table is
// {"type":"table","attrs":{"isNumberColumnEnabled":false,"layout":"default"},"content":[rows]}
// with the header row made of "tableHeader" cells and the others of "tableCell" cells, each
// cell holding one paragraph. Text is passed through clean_line.
// As JSON text, written straight as text in the form boost::json::serialize gives (a
// description holds a table cell per line and is only ever measured, digested and sent):
std::string adf_document_text(std::vector<text_block> const& blocks);
// As a tree (comments, textarea fields): the text, parsed.
boost::json::object adf_document(std::vector<text_block> const& blocks);

// ---- wiki markup (v2) ------------------------------------------------------------------

// Escapes wiki metacharacters so data renders literally: | { } [ ] * _ - + ^ ~ ? ! #
// get a backslash; a backslash itself becomes the entity &#92; (a doubled backslash would
// be a forced line break). Applies clean_line first.
std::string wiki_escape(std::string_view text);
// Paragraphs separated by a blank line; tables as "||h1||h2||" then "|c1|c2|" lines. Empty
// cells are written as a single space ("||" would start a header cell).
std::string wiki_document(std::vector<text_block> const& blocks);

}  // namespace mlc::engine
