#include "engine/content_hash.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

using namespace mlc::engine;

TEST_CASE("sha256_hex matches the standard test vectors") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("canonical JSON sorts keys recursively and drops whitespace") {
  auto v = boost::json::parse(R"({ "b": [ {"z":1,"a":null} ], "a": "x\"y", "é": 1.5 })");
  CHECK(canonical_json(v) == R"({"a":"x\"y","b":[{"a":null,"z":1}],"é":1.5E0})");
}

TEST_CASE("content hash is stable across key order and changes with any content") {
  auto a = boost::json::parse(R"({"fields":{"summary":"PO 1","customfield_1":12480},"facts":{"amount":"12480"}})");
  auto b = boost::json::parse(R"({"facts":{"amount":"12480"},"fields":{"customfield_1":12480,"summary":"PO 1"}})");
  CHECK(content_hash(a) == content_hash(b));
  CHECK(content_hash(a).size() == 64);
  auto c = boost::json::parse(R"({"fields":{"summary":"PO 1","customfield_1":12481},"facts":{"amount":"12480"}})");
  CHECK(content_hash(a) != content_hash(c));
  auto d = boost::json::parse(R"({"fields":{"summary":"PO 1","customfield_1":"12480"},"facts":{"amount":"12480"}})");
  CHECK(content_hash(a) != content_hash(d));  // number vs string is a change
  auto e = boost::json::parse(R"({"fields":{"summary":"PO 1 ","customfield_1":12480},"facts":{"amount":"12480"}})");
  CHECK(content_hash(a) != content_hash(e));
}
