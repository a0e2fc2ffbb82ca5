#include "config/json_path.hpp"

#include <cctype>
#include <fstream>
#include <sstream>

#include <boost/json/stream_parser.hpp>

namespace mlc::config {

config_error::config_error(std::string file, std::string path, std::string message)
    : std::runtime_error(file + ": " + (path.empty() ? std::string{"(top level)"} : path) + ": " + message),
      file_(std::move(file)),
      path_(std::move(path)),
      message_(std::move(message)) {}

namespace {
bool is_identifier(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}
}  // namespace

std::string path_key(std::string_view path, std::string_view key) {
  std::string out{path};
  if (is_identifier(key)) {
    if (!out.empty()) out.push_back('.');
    out.append(key);
    return out;
  }
  out.append("[\"");
  for (char c : key) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.append("\"]");
  return out;
}

std::string path_index(std::string_view path, std::size_t index) {
  return std::string{path} + "[" + std::to_string(index) + "]";
}

boost::json::value parse_json_text(std::string_view text, std::string const& file) {
  boost::json::parse_options options;
  options.allow_comments = true;
  options.allow_trailing_commas = true;
  boost::json::stream_parser parser{{}, options};
  boost::json::error_code ec;
  auto consumed = parser.write_some(text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) ec = boost::json::make_error_code(boost::json::error::extra_data);
  if (!ec) parser.finish(ec);
  if (ec) {
    // Line and column of the first byte the parser did not accept.
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < consumed && i < text.size(); ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw config_error(file, "", "invalid JSON at line " + std::to_string(line) + ", column " +
                                     std::to_string(column) + ": " + ec.message());
  }
  return parser.release();
}

boost::json::value read_json_file(std::filesystem::path const& file) {
  std::ifstream in{file, std::ios::binary};
  if (!in) throw config_error(file.string(), "", "cannot open the file for reading");
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw config_error(file.string(), "", "cannot read the file");
  return parse_json_text(buffer.str(), file.string());
}

bool all_of_chars(std::string_view text, std::string_view extra_allowed, bool alnum) {
  for (char c : text) {
    bool letter_or_digit = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!(alnum && letter_or_digit) && extra_allowed.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace mlc::config
