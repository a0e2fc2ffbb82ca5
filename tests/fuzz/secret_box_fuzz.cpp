// Fuzz target: sealed secrets (config/secret_box.hpp) under a fixed keyring.
// Input modes, by prefix:
//   "seal:<plaintext>"  seal for tenant "acme", then open it back, tampered and for another
//                       tenant;
//   "keys:<text>"       keyring::parse on the text;
//   anything else       "<sealed>\n<associated data>": secret_box::open on it.
// Properties: open and parse throw nothing but secret_box_error; a sealed value opens to its
// plaintext for its tenant only, and any single-character change or truncation is refused;
// error messages never contain key material or the plaintext.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/secret_box.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

using namespace mlc;

// Test keys only (never used anywhere else).
constexpr std::string_view k_key1_hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr std::string_view k_key2_hex = "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f";

config::secret_box const& box() {
  static config::secret_box const b{config::keyring::parse(
      "# fuzz keyring\nk1:" + std::string{k_key1_hex} + "\nk2:" + std::string{k_key2_hex} + "\n", "fuzz")};
  return b;
}

bool contains_keys(std::string_view text) {
  return text.find(k_key1_hex) != std::string_view::npos || text.find(k_key2_hex) != std::string_view::npos;
}

// Messages echo the key id they were given; key material may only appear when the input
// itself carried it there.
bool input_has_keys = false;
bool leaks_keys(std::string_view message) { return !input_has_keys && contains_keys(message); }

// Sealed plaintexts start with a marker no message template contains, so a message that
// holds the plaintext is recognised whatever the fuzzed part is.
constexpr std::string_view k_marker = "\x01plaintext\x02";

// Opens `sealed`; true when it opened (and then `out` holds the plaintext).
bool try_open(std::string_view sealed, std::string_view aad, std::string* out, std::string_view plaintext = {}) {
  try {
    auto text = box().open(sealed, aad);
    if (out) *out = std::move(text);
    return true;
  } catch (config::secret_box_error const& e) {
    MLC_FUZZ_CHECK(!leaks_keys(e.what()));
    if (!plaintext.empty()) MLC_FUZZ_CHECK(std::string_view{e.what()}.find(k_marker) == std::string_view::npos);
    return false;
  } catch (std::exception const& e) {
    fuzz::unexpected_exception("secret_box::open", e.what());
  }
}

void round_trip(std::string_view fuzzed) {
  std::string const plaintext = std::string{k_marker} + std::string{fuzzed};
  auto sealed = box().seal(plaintext, "acme");
  MLC_FUZZ_CHECK(config::secret_box::is_sealed(sealed) && sealed.starts_with("enc:v1:k2:"));
  std::string opened;
  MLC_FUZZ_CHECK(try_open(sealed, "acme", &opened, plaintext) && opened == plaintext);
  MLC_FUZZ_CHECK(!try_open(sealed, "acme2", nullptr, plaintext));
  MLC_FUZZ_CHECK(!try_open(sealed, "", nullptr, plaintext));
  // Every character of the base64 part matters (the last one may only carry padding bits,
  // so change it to a character that differs in its high bits too).
  std::size_t const body = std::string_view{"enc:v1:k2:"}.size();
  std::size_t const where = body + fuzzed.size() % (sealed.size() - body);
  std::string tampered = sealed;
  tampered[where] = tampered[where] == 'A' ? 'z' : 'A';
  std::string out;
  if (try_open(tampered, "acme", &out, plaintext)) {
    // Only possible when the change stayed in base64 padding bits that decode to the same bytes.
    MLC_FUZZ_CHECK(out == plaintext);
  }
  MLC_FUZZ_CHECK(!try_open(std::string_view{sealed}.substr(0, sealed.size() - 4), "acme", nullptr, plaintext));
  std::string relabelled = sealed;
  relabelled.replace(7, 2, "k1");
  MLC_FUZZ_CHECK(!try_open(relabelled, "acme", nullptr, plaintext));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  auto text = fuzz::as_text(data, size);
  input_has_keys = contains_keys(text);
  if (text.starts_with("seal:")) {
    round_trip(text.substr(5));
  } else if (text.starts_with("keys:")) {
    try {
      auto ring = config::keyring::parse(text.substr(5), "fuzz input");
      MLC_FUZZ_CHECK(!ring.empty());
    } catch (config::secret_box_error const&) {
    } catch (std::exception const& e) {
      fuzz::unexpected_exception("keyring::parse", e.what());
    }
  } else {
    auto newline = text.find('\n');
    auto sealed = text.substr(0, newline);
    auto aad = newline == std::string_view::npos ? std::string_view{"acme"} : text.substr(newline + 1);
    try_open(sealed, aad, nullptr);
  }
  return 0;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  box();
  return 0;
}
