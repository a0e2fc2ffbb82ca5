#include "engine/adf.hpp"

#include <algorithm>
#include <array>

#include <boost/json/parse.hpp>

#include "engine/byte_scan.hpp"
#include "engine/content_hash.hpp"

namespace mlc::engine {

namespace json = boost::json;

namespace {

// Decodes one code point at `pos` (advancing it); U+FFFD for invalid or overlong sequences,
// surrogates and values past U+10FFFF, consuming one byte so decoding always progresses.
char32_t next_code_point(std::string_view s, std::size_t& pos) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char b0 = byte(pos);
  if (b0 < 0x80) {
    ++pos;
    return b0;
  }
  int len = (b0 & 0xE0) == 0xC0 ? 2 : (b0 & 0xF0) == 0xE0 ? 3 : (b0 & 0xF8) == 0xF0 ? 4 : 0;
  if (len == 0 || pos + len > s.size()) {
    ++pos;
    return 0xFFFD;
  }
  char32_t cp = b0 & (0x7F >> len);
  for (int i = 1; i < len; ++i) {
    unsigned char b = byte(pos + i);
    if ((b & 0xC0) != 0x80) {
      ++pos;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr char32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_len[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++pos;
    return 0xFFFD;
  }
  pos += len;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Printable ASCII without quotes or backslashes, as nearly every table cell is: what
// clean_line and JSON escaping leave as it is, so it is copied without either pass.
bool plain_text(std::string_view text) {
  return !text.empty() && byte_scan::ascii_json_plain_prefix(text) == text.size();
}

constexpr std::string_view paragraph_open = R"({"type":"paragraph","content":[{"type":"text","text":)";
constexpr std::string_view paragraph_close = "}]}";
constexpr std::string_view empty_paragraph = R"({"type":"paragraph","content":[]})";

void append_adf_paragraph(std::string& out, std::string_view text) {
  if (plain_text(text)) {
    out += paragraph_open;
    out += '"';
    out += text;
    out += '"';
    out += paragraph_close;
    return;
  }
  std::string clean = clean_line(text);
  if (clean.empty()) {
    out += empty_paragraph;
    return;
  }
  out += paragraph_open;
  append_json_string(out, clean);
  out += paragraph_close;
}

void append_adf_row(std::string& out, bool header, std::vector<std::string> const& cells, std::size_t width) {
  constexpr std::string_view header_open = R"({"type":"tableHeader","attrs":{},"content":[)";
  constexpr std::string_view cell_open = R"({"type":"tableCell","attrs":{},"content":[)";
  out += R"({"type":"tableRow","content":[)";
  for (std::size_t i = 0; i < width; ++i) {
    if (i > 0) out += ',';
    out += header ? header_open : cell_open;
    append_adf_paragraph(out, i < cells.size() ? std::string_view{cells[i]} : std::string_view{});
    out += "]}";
  }
  out += "]}";
}

}  // namespace

std::string clean_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    // Printable ASCII, nearly all of it, is copied a run at a time.
    auto run = pos + byte_scan::printable_ascii_prefix(text.substr(pos));
    out.append(text.substr(pos, run - pos));
    pos = run;
    if (pos == text.size()) break;
    char32_t cp = next_code_point(text, pos);
    if (cp == '\t' || cp == '\n' || cp == '\r') {
      out += ' ';
    } else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
      continue;
    } else {
      append_utf8(out, cp);
    }
  }
  return out;
}

std::size_t utf16_length(std::string_view utf8) {
  std::size_t units = 0;
  std::size_t pos = 0;
  while (pos < utf8.size()) {
    // Eight ASCII bytes are eight units: skip them a word at a time.
    constexpr auto width = sizeof(byte_scan::word);
    if (utf8.size() - pos >= width && (byte_scan::load(utf8.data() + pos) & byte_scan::highs) == 0) {
      units += width;
      pos += width;
      continue;
    }
    units += next_code_point(utf8, pos) >= 0x10000 ? 2 : 1;
  }
  return units;
}

std::string cut_utf16(std::string_view text, std::size_t max_units) {
  std::size_t units = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t start = pos;
    std::size_t need = next_code_point(text, pos) >= 0x10000 ? 2 : 1;
    if (units + need > max_units) return std::string(text.substr(0, start));
    units += need;
  }
  return std::string(text);
}

std::string adf_document_text(std::vector<text_block> const& blocks) {
  std::string out;
  // Sized once: a plain cell is its text and about 105 bytes of ADF around it, a paragraph
  // its text and 60. Growing a description of many lines by doubling costs more than writing it.
  std::size_t size = 64;
  for (auto const& block : blocks) {
    if (auto const* p = std::get_if<std::string>(&block)) {
      size += p->size() + 64;
      continue;
    }
    auto const& t = std::get<table_block>(block);
    size += 96 + (t.rows.size() + 1) * (32 + t.header.size() * 108);
    for (auto const& h : t.header) size += h.size();
    for (auto const& r : t.rows)
      for (auto const& c : r) size += c.size();
  }
  out.reserve(size + size / 8);  // cells that need escaping grow
  out += R"({"type":"doc","version":1,"content":[)";
  bool first = true;
  for (auto const& block : blocks) {
    if (!first) out += ',';
    first = false;
    if (auto const* p = std::get_if<std::string>(&block)) {
      append_adf_paragraph(out, *p);
      continue;
    }
    auto const& t = std::get<table_block>(block);
    out += R"({"type":"table","attrs":{"isNumberColumnEnabled":false,"layout":"default"},"content":[)";
    append_adf_row(out, true, t.header, t.header.size());
    for (auto const& r : t.rows) {
      out += ',';
      append_adf_row(out, false, r, t.header.size());
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

json::object adf_document(std::vector<text_block> const& blocks) {
  auto doc = json::parse(adf_document_text(blocks));
  return std::move(doc.as_object());
}

namespace {

constexpr std::string_view wiki_special = "|{}[]*_-+^~?!#";

// Printable ASCII that wiki markup takes as it is: no backslash, no markup character.
constexpr auto wiki_plain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x7F; ++c) plain[c] = c != '\\' && wiki_special.find(static_cast<char>(c)) == std::string_view::npos;
  return plain;
}();

void append_wiki_escaped(std::string& out, std::string_view text) {
  // Printable ASCII with no markup character, as most values are, is its own escape.
  bool plain = std::all_of(text.begin(), text.end(), [](char c) { return wiki_plain[static_cast<unsigned char>(c)]; });
  if (plain) {
    out += text;
    return;
  }
  for (char c : clean_line(text)) {
    if (c == '\\') {
      out += "&#92;";
    } else {
      if (wiki_special.find(c) != std::string_view::npos) out += '\\';
      out += c;
    }
  }
}

// A cell: escaped, or a single space when empty ("||" would start a header cell).
void append_wiki_cell(std::string& out, std::string_view text) {
  auto before = out.size();
  append_wiki_escaped(out, text);
  if (out.size() == before) out += ' ';
}

}  // namespace

std::string wiki_escape(std::string_view text) {
  std::string out;
  append_wiki_escaped(out, text);
  return out;
}

std::string wiki_document(std::vector<text_block> const& blocks) {
  std::string out;
  for (auto const& block : blocks) {
    if (!out.empty()) out += "\n\n";
    if (auto const* p = std::get_if<std::string>(&block)) {
      append_wiki_escaped(out, *p);
      continue;
    }
    auto const& t = std::get<table_block>(block);
    out += "||";
    for (auto const& h : t.header) {
      append_wiki_cell(out, h);
      out += "||";
    }
    for (auto const& r : t.rows) {
      out += "\n|";
      for (std::size_t i = 0; i < t.header.size(); ++i) {
        append_wiki_cell(out, i < r.size() ? std::string_view{r[i]} : std::string_view{});
        out += '|';
      }
    }
  }
  return out;
}

}  // namespace mlc::engine
