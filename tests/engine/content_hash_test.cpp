#include "engine/content_hash.hpp"

#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

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

TEST_CASE("canonical JSON writes scalars as Boost.JSON serializes them, and objects hash alike either way") {
  // Stored hashes were computed with Boost.JSON's serializer for every scalar.
  auto v = boost::json::parse(R"([0,-1,9223372036854775807,-9223372036854775808,18446744073709551615,
                                  true,false,null,1.5,-0.0,1e300,"t"])");
  for (auto const& item : v.as_array()) CHECK(canonical_json(item) == boost::json::serialize(item));
  auto const o = boost::json::parse(R"({"z":[1,{"b":true,"a":null}],"a":-7,"m":"x"})").as_object();
  CHECK(content_hash(o) == content_hash(boost::json::value(o)));
  CHECK(content_hash(o) == sha256_hex(R"({"a":-7,"m":"x","z":[1,{"a":null,"b":true}]})"));
}

TEST_CASE("a hashed state carries the state, its canonical text and the text's hash") {
  auto const o = boost::json::parse(R"({"z":[1,{"b":true,"a":null}],"a":-7,"m":"x\u00e9"})").as_object();
  auto h = hash_state(o);
  CHECK(h.state == o);
  CHECK(h.text == canonical_json(o));
  CHECK(h.hash == content_hash(o));
  CHECK(h.hash == sha256_hex(h.text));
}

TEST_CASE("append_serialized writes what serialize writes, past one chunk, and wide objects sort too") {
  boost::json::object wide;
  for (int i = 40; i > 0; --i) wide["k" + std::to_string(1000 + i)] = i % 3 ? boost::json::value(i) : boost::json::value(0.5 * i);
  wide["long"] = std::string(10'000, 'x') + "\"\n";  // more than one 4 KB chunk, with escapes
  std::string out = "prefix:";
  append_serialized(out, wide);
  CHECK(out == "prefix:" + boost::json::serialize(wide));
  boost::json::value const as_value = wide;
  std::string again;
  append_serialized(again, as_value);
  CHECK(again == boost::json::serialize(wide));
  // More members than canonical_json sorts on the stack: still in key order.
  auto canonical = canonical_json(wide);
  CHECK(canonical.starts_with(R"({"k1001":1,"k1002":2,"k1003":1.5E0,)"));
  CHECK(boost::json::parse(canonical) == as_value);
}
