#include "engine/adf.hpp"

#include <catch2/catch.hpp>

#include <boost/json/serialize.hpp>

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
}

TEST_CASE("UTF-16 lengths and cuts never split a code point") {
  CHECK(utf16_length("abc") == 3);
  CHECK(utf16_length("é株") == 2);
  CHECK(utf16_length("😀") == 2);
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
