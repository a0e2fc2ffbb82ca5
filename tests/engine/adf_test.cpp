#include "engine/adf.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <iterator>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "engine/content_hash.hpp"

using namespace mlc::engine;

TEST_CASE("clean_line strips control characters and repairs UTF-8") {
  CHECK(clean_line("Acme\tMetals\r\nGmbH") == "Acme Metals  GmbH");
  CHECK(clean_line(std::string("a\0b\x07" "c\x7f" "d", 7)) == "abcd");
  CHECK(clean_line("x\xC2\x85y") == "xy");                         // U+0085 (C1 NEL)
  CHECK(clean_line("Müller 株式会社 😀") == "Müller 株式会社 😀");
  CHECK(clean_line("bad\xFF" "byte") == "bad\xEF\xBF\xBD" "byte");    // U+FFFD
  CHECK(clean_line("\xC3") == "\xEF\xBF\xBD");                    // truncated sequence
  CHECK(clean_line("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");    // overlong '/'
  CHECK(clean_line("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  CHECK(clean_line("Line 10 of the order\tpart\x01two\x7f" "ends in 株式会社, not here\n") ==
        "Line 10 of the order parttwoends in 株式会社, not here ");
}

TEST_CASE("UTF-16 lengths and cuts never split a code point") {
  CHECK(utf16_length("abc") == 3);
  CHECK(utf16_length("é株") == 2);
  CHECK(utf16_length("😀") == 2);
  // Pieces of every kind at every offset against the word-at-a-time ASCII skip.
  struct piece {
    std::string_view bytes;
    std::size_t units;
  };
  piece const pieces[] = {{"a", 1}, {"abcdefghij", 10}, {"é", 1}, {"株", 1}, {"😀", 2}, {"\xFF", 1}, {"\xC3", 1}};
  std::uint64_t seed = 12345;
  for (int round = 0; round < 500; ++round) {
    std::string text;
    std::size_t expected = 0;
    for (int i = 0; i < round % 17; ++i) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      auto const& p = pieces[(seed >> 33) % std::size(pieces)];
      text += p.bytes;
      expected += p.units;
    }
    INFO(text);
    CHECK(utf16_length(text) == expected);
  }
  CHECK(cut_utf16("abcdef", 3) == "abc");
  CHECK(cut_utf16("ab😀", 3) == "ab");
  CHECK(cut_utf16("ab😀", 4) == "ab😀");
  CHECK(cut_utf16("ééé", 2) == "éé");
  CHECK(cut_utf16("", 5) == "");
  std::string big(10'000, 'x');
  CHECK(cut_utf16(big, 255).size() == 255);
}

TEST_CASE("ADF document with paragraphs and a table") {
  std::vector<text_block> blocks = {
      std::string("Hello \"world\"\n"),
      table_block{{"Line", "Product"}, {{"1", "B|{x}"}, {"2"}}},
      std::string(""),
  };
  CHECK(boost::json::serialize(adf_document(blocks)) ==
        R"({"type":"doc","version":1,"content":[)"
        R"({"type":"paragraph","content":[{"type":"text","text":"Hello \"world\" "}]},)"
        R"({"type":"table","attrs":{"isNumberColumnEnabled":false,"layout":"default"},"content":[)"
        R"({"type":"tableRow","content":[)"
        R"({"type":"tableHeader","attrs":{},"content":[{"type":"paragraph","content":[{"type":"text","text":"Line"}]}]},)"
        R"({"type":"tableHeader","attrs":{},"content":[{"type":"paragraph","content":[{"type":"text","text":"Product"}]}]}]},)"
        R"({"type":"tableRow","content":[)"
        R"({"type":"tableCell","attrs":{},"content":[{"type":"paragraph","content":[{"type":"text","text":"1"}]}]},)"
        R"({"type":"tableCell","attrs":{},"content":[{"type":"paragraph","content":[{"type":"text","text":"B|{x}"}]}]}]},)"
        R"({"type":"tableRow","content":[)"
        R"({"type":"tableCell","attrs":{},"content":[{"type":"paragraph","content":[{"type":"text","text":"2"}]}]},)"
        R"({"type":"tableCell","attrs":{},"content":[{"type":"paragraph","content":[]}]}]}]},)"
        R"({"type":"paragraph","content":[]}]})");
}

TEST_CASE("wiki escaping neutralises every markup character") {
  CHECK(wiki_escape("a|b{c}[d]*e*_f_-g-+h+^i^~j~??k!l!#m") ==
        R"(a\|b\{c\}\[d\]\*e\*\_f\_\-g\-\+h\+\^i\^\~j\~\?\?k\!l\!\#m)");
  CHECK(wiki_escape(R"(C:\temp\\x)") == "C:&#92;temp&#92;&#92;x");
  CHECK(wiki_escape("line\nbreak") == "line break");
  CHECK(wiki_escape("Müller & Co") == "Müller & Co");
}

TEST_CASE("wiki document with paragraphs and a table") {
  std::vector<text_block> blocks = {
      std::string("PO 1 from [Acme]"),
      table_block{{"Line", "Product", "Expected receipt"}, {{"1", "B|M8", ""}, {"2"}}},
      std::string("footer"),
  };
  CHECK(wiki_document(blocks) ==
        "PO 1 from \\[Acme\\]\n\n"
        "||Line||Product||Expected receipt||\n"
        "|1|B\\|M8| |\n"
        "|2| | |\n\n"
        "footer");
}

namespace {

// Text with what JSON must escape and what it must not: quotes, backslashes, every control
// character, DEL, multi-byte UTF-8 and bytes that are not UTF-8 at all.
std::string awkward_text(std::uint64_t& seed, std::size_t length) {
  static constexpr std::string_view pieces[] = {"a", "Z", " ", "\"", "\\", "/", "\x7f", "é", "株", "😀", "\xFF", "\xC3",
                                                "|", "{", "}", "<b>", "\\u0041"};
  std::string out;
  for (std::size_t i = 0; i < length; ++i) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    auto pick = (seed >> 33) % (std::size(pieces) + 32);
    if (pick < 32) out += static_cast<char>(pick);  // a control character
    else out += pieces[pick - 32];
  }
  return out;
}

}  // namespace

TEST_CASE("JSON strings are escaped exactly as Boost.JSON escapes them") {
  std::uint64_t seed = 20261130;
  for (int i = 0; i < 500; ++i) {
    auto text = awkward_text(seed, static_cast<std::size_t>(i % 40));
    std::string out = "prefix";
    append_json_string(out, text);
    CHECK(out == "prefix" + boost::json::serialize(boost::json::string_view{text}));
  }
}

TEST_CASE("the ADF document's text is in the form Boost.JSON serializes, byte for byte") {
  std::uint64_t seed = 7;
  for (int i = 0; i < 200; ++i) {
    std::vector<text_block> blocks;
    auto block_count = static_cast<std::size_t>(i % 5);
    for (std::size_t b = 0; b < block_count; ++b) {
      if ((i + b) % 2 == 0) {
        blocks.emplace_back(awkward_text(seed, (i + b) % 12));
        continue;
      }
      table_block t;
      auto width = static_cast<std::size_t>(i % 4);
      for (std::size_t c = 0; c < width; ++c) t.header.push_back(awkward_text(seed, c + 1));
      for (std::size_t r = 0; r < static_cast<std::size_t>(i % 6); ++r) {
        std::vector<std::string> row;
        for (std::size_t c = 0; c < (r % 2 == 0 ? width : width / 2); ++c) row.push_back(awkward_text(seed, (r + c) % 7));
        t.rows.push_back(std::move(row));  // odd rows short: padded with empty cells
      }
      blocks.emplace_back(std::move(t));
    }
    INFO("case " << i);
    // Digests stored when the document was built as a tree and serialized stay valid.
    auto text = adf_document_text(blocks);
    CHECK(boost::json::serialize(boost::json::parse(text)) == text);
  }
}

TEST_CASE("wiki escaping of any text is its cleaned line with every markup character escaped") {
  std::uint64_t seed = 99;
  for (int i = 0; i < 500; ++i) {
    // Plain runs too, so both the copied-as-is and the escaped paths are compared.
    auto text = i % 3 == 0 ? std::string("Plain text 42 @ ok") : awkward_text(seed, static_cast<std::size_t>(i % 30));
    std::string expected;
    for (char c : clean_line(text)) {
      if (c == '\\') expected += "&#92;";
      else expected += std::string_view("|{}[]*_-+^~?!#").find(c) != std::string_view::npos ? std::string{'\\', c}
                                                                                          : std::string{c};
    }
    INFO("case " << i);
    CHECK(wiki_escape(text) == expected);
    auto doc = wiki_document({table_block{{"H"}, {{text}}}});
    CHECK(doc == "||H||\n|" + (expected.empty() ? std::string(" ") : expected) + "|");
  }
}
