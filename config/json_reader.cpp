#include "config/json_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <boost/url/parse.hpp>

#include "config/secret_box.hpp"

namespace mlc::config::detail {

namespace {

std::string_view as_view(boost::json::string const& s) { return {s.data(), s.size()}; }

bool valid_env_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::string seconds_text(std::chrono::seconds s) { return std::to_string(s.count()) + "s"; }

}  // namespace

std::string_view type_name(boost::json::value const& v) {
  switch (v.kind()) {
    case boost::json::kind::null: return "null";
    case boost::json::kind::bool_: return "a boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64: return "an integer";
    case boost::json::kind::double_: return "a number";
    case boost::json::kind::string: return "a string";
    case boost::json::kind::array: return "an array";
    case boost::json::kind::object: return "an object";
  }
  return "a value";
}

std::string quoted_list(std::initializer_list<std::string_view> items) {
  std::string out;
  for (auto item : items) out += (out.empty() ? "\"" : ", \"") + std::string{item} + "\"";
  return out;
}

std::string quoted_list(std::vector<std::string> const& items) {
  std::string out;
  for (auto const& item : items) out += (out.empty() ? "\"" : ", \"") + item + "\"";
  return out;
}

std::optional<std::chrono::seconds> parse_duration(boost::json::value const& v) {
  if (v.is_int64()) {
    if (v.as_int64() < 0) return std::nullopt;
    return std::chrono::seconds{v.as_int64()};
  }
  if (v.is_uint64()) return std::chrono::seconds{static_cast<std::int64_t>(std::min<std::uint64_t>(v.as_uint64(), 1ull << 40))};
  if (!v.is_string()) return std::nullopt;
  auto text = as_view(v.as_string());
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t n = 0;
    std::size_t digits = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      n = n * 10 + (text[i] - '0');
      if (n > (1ll << 40)) return std::nullopt;
      ++i;
      ++digits;
    }
    if (digits == 0 || i == text.size()) return std::nullopt;
    switch (text[i++]) {
      case 's': total += n; break;
      case 'm': total += n * 60; break;
      case 'h': total += n * 3600; break;
      case 'd': total += n * 86400; break;
      default: return std::nullopt;
    }
    if (total > (1ll << 50)) return std::nullopt;  // far past any sane duration; no overflow
  }
  return std::chrono::seconds{total};
}

std::optional<std::string> check_http_url(std::string_view url) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return "expected an absolute URL such as \"https://host.example.com\"";
  auto scheme = parsed->scheme();
  std::string lower{scheme};
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower != "http" && lower != "https") return "expected an http:// or https:// URL, got scheme \"" + lower + "\"";
  if (!parsed->has_authority() || parsed->encoded_host().empty()) return "expected a URL with a host name";
  if (parsed->has_userinfo()) return "credentials do not belong in the URL; use the auth settings";
  if (parsed->has_fragment()) return "expected a URL without a #fragment";
  return std::nullopt;
}

object_reader::object_reader(boost::json::value const& value, std::string file, std::string path,
                             std::initializer_list<std::string_view> allowed)
    : object_(value.if_object()), file_(std::move(file)), path_(std::move(path)) {
  if (!object_) throw config_error(file_, path_, "expected an object, got " + std::string{type_name(value)});
  for (auto const& [key, v] : *object_) {
    auto k = std::string_view{key.data(), key.size()};
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
      throw config_error(file_, at(k), "unknown key; expected one of " + quoted_list(allowed));
  }
}

boost::json::value const* object_reader::find(std::string_view key) const { return object_->if_contains(key); }

void object_reader::fail(std::string_view key, std::string const& message) const {
  throw config_error(file_, at(key), message);
}

std::string object_reader::resolve(std::string const& p) const {
  std::filesystem::path path{p};
  if (path.is_absolute()) return path.lexically_normal().string();
  auto base = std::filesystem::absolute(std::filesystem::path{file_}).parent_path();
  return (base / path).lexically_normal().string();
}

void object_reader::read(std::string_view key, std::string& out) const {
  auto const* v = find(key);
  if (!v) return;
  if (!v->is_string()) fail(key, "expected a string, got " + std::string{type_name(*v)});
  out = std::string{as_view(v->as_string())};
}

void object_reader::read_nonempty(std::string_view key, std::string& out) const {
  std::string value = out;
  read(key, value);
  if (has(key) && value.empty()) fail(key, "expected a non-empty string");
  out = std::move(value);
}

void object_reader::read_enum(std::string_view key, std::string& out,
                              std::initializer_list<std::string_view> values) const {
  auto const* v = find(key);
  if (!v) return;
  if (!v->is_string() || std::find(values.begin(), values.end(), as_view(v->as_string())) == values.end())
    fail(key, "expected one of " + quoted_list(values));
  out = std::string{as_view(v->as_string())};
}

void object_reader::read_url(std::string_view key, std::string& out) const {
  std::string value = out;
  read(key, value);
  if (!has(key)) return;
  if (auto problem = check_http_url(value)) fail(key, *problem);
  out = std::move(value);
}

void object_reader::read_path(std::string_view key, std::string& out) const {
  std::string value;
  read(key, value);
  if (!has(key)) return;
  if (value.empty()) fail(key, "expected a non-empty path");
  out = resolve(value);
}

void object_reader::read(std::string_view key, bool& out) const {
  auto const* v = find(key);
  if (!v) return;
  if (!v->is_bool()) fail(key, "expected true or false, got " + std::string{type_name(*v)});
  out = v->as_bool();
}

void object_reader::read(std::string_view key, int& out, int min, int max) const {
  auto const* v = find(key);
  if (!v) return;
  std::int64_t n = 0;
  if (v->is_int64()) n = v->as_int64();
  else if (v->is_uint64()) n = static_cast<std::int64_t>(std::min<std::uint64_t>(v->as_uint64(), 1ull << 62));
  else fail(key, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got " + std::string{type_name(*v)});
  if (n < min || n > max) fail(key, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
  out = static_cast<int>(n);
}

void object_reader::read(std::string_view key, double& out, double min, double max) const {
  auto const* v = find(key);
  if (!v) return;
  double d = 0;
  if (v->is_double()) d = v->as_double();
  else if (v->is_int64()) d = static_cast<double>(v->as_int64());
  else if (v->is_uint64()) d = static_cast<double>(v->as_uint64());
  else fail(key, "expected a number, got " + std::string{type_name(*v)});
  auto range = std::to_string(min) + " to " + std::to_string(max);
  if (!(d >= min && d <= max) || std::isnan(d)) fail(key, "expected a number from " + range);
  out = d;
}

void object_reader::read(std::string_view key, std::chrono::seconds& out, std::chrono::seconds min,
                         std::chrono::seconds max) const {
  auto const* v = find(key);
  if (!v) return;
  auto d = parse_duration(*v);
  if (!d) fail(key, "expected a duration: seconds as an integer or a string such as \"90s\", \"5m\", \"2h\", \"30d\"");
  if (*d < min || *d > max)
    fail(key, "expected a duration from " + seconds_text(min) + " to " + seconds_text(max) + ", got " + seconds_text(*d));
  out = *d;
}

void object_reader::read(std::string_view key, std::vector<std::string>& out,
                         std::initializer_list<std::string_view> values) const {
  read(key, out, std::vector<std::string>(values.begin(), values.end()));
}

void object_reader::read(std::string_view key, std::vector<std::string>& out,
                         std::vector<std::string> const& values) const {
  auto const* v = find(key);
  if (!v) return;
  if (!v->is_array()) fail(key, "expected an array of strings, got " + std::string{type_name(*v)});
  std::vector<std::string> result;
  auto const& array = v->as_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    auto item_path = path_index(at(key), i);
    if (!array[i].is_string() || array[i].as_string().empty())
      throw config_error(file_, item_path, "expected a non-empty string");
    std::string item{as_view(array[i].as_string())};
    if (!values.empty() && std::find(values.begin(), values.end(), item) == values.end())
      throw config_error(file_, item_path, "expected one of " + quoted_list(values));
    if (std::find(result.begin(), result.end(), item) != result.end())
      throw config_error(file_, item_path, "\"" + item + "\" is listed twice");
    result.push_back(std::move(item));
  }
  out = std::move(result);
}

void object_reader::merge(std::string_view key, std::map<std::string, std::string>& out,
                          std::vector<std::string> const& keys) const {
  auto const* v = find(key);
  if (!v) return;
  if (!v->is_object()) fail(key, "expected an object of strings, got " + std::string{type_name(*v)});
  for (auto const& [k, item] : v->as_object()) {
    std::string name{k.data(), k.size()};
    auto item_path = path_key(at(key), name);
    if (!keys.empty() && std::find(keys.begin(), keys.end(), name) == keys.end())
      throw config_error(file_, item_path, "unknown key; expected one of " + quoted_list(keys));
    if (!item.is_string() || item.as_string().empty())
      throw config_error(file_, item_path, "expected a non-empty string");
    out[name] = std::string{as_view(item.as_string())};
  }
}

bool object_reader::read(std::string_view key, secret& out) const {
  auto const* v = find(key);
  if (!v) return false;
  auto const expected =
      "expected a secret: {\"env\": \"VARIABLE\"}, {\"file\": \"path\"}, a sealed \"enc:v1:...\" string "
      "(ml-connector secret encrypt), or a plaintext string";
  if (v->is_string()) {
    auto text = as_view(v->as_string());
    if (text.empty()) fail(key, expected);
    if (secret_box::is_sealed(text)) {
      auto rest = text.substr(7);
      auto colon = rest.find(':');
      if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size())
        fail(key, "expected a sealed secret of the form \"enc:v1:<key id>:<base64>\"");
      out = secret::from_sealed(std::string{text});
      return false;
    }
    out = secret::from_plaintext(std::string{text});
    return true;
  }
  if (!v->is_object()) fail(key, expected);
  object_reader r{*v, file_, at(key), {"env", "file"}};
  if (r.has("env") == r.has("file")) fail(key, std::string{expected} + " (exactly one of \"env\" and \"file\")");
  std::string name;
  if (r.has("env")) {
    r.read("env", name);
    if (!valid_env_name(name)) r.fail("env", "expected an environment variable name of A-Z a-z 0-9 _");
    out = secret::from_env(name);
  } else {
    r.read_path("file", name);
    out = secret::from_file(name);
  }
  return false;
}

}  // namespace mlc::config::detail
