#include "tests/emulators/adf.hpp"

#include <map>
#include <set>

namespace mlc::emu {
namespace json = boost::json;
namespace {

enum class group { block, inline_, list_item, table_row, table_cell, none, text_only, media };

struct node_rule {
  group self;
  group children;
  bool needs_content;  // content must be present and non-empty
};

std::map<std::string, node_rule> const& rules() {
  static std::map<std::string, node_rule> const r{
      {"paragraph", {group::block, group::inline_, false}},
      {"heading", {group::block, group::inline_, false}},
      {"bulletList", {group::block, group::list_item, true}},
      {"orderedList", {group::block, group::list_item, true}},
      {"listItem", {group::list_item, group::block, true}},
      {"codeBlock", {group::block, group::text_only, false}},
      {"blockquote", {group::block, group::block, true}},
      {"panel", {group::block, group::block, true}},
      {"rule", {group::block, group::none, false}},
      {"table", {group::block, group::table_row, true}},
      {"tableRow", {group::table_row, group::table_cell, true}},
      {"tableHeader", {group::table_cell, group::block, true}},
      {"tableCell", {group::table_cell, group::block, true}},
      {"mediaSingle", {group::block, group::media, true}},
      {"media", {group::media, group::none, false}},
      {"text", {group::inline_, group::none, false}},
      {"hardBreak", {group::inline_, group::none, false}},
      {"mention", {group::inline_, group::none, false}},
      {"emoji", {group::inline_, group::none, false}},
      {"inlineCard", {group::inline_, group::none, false}},
      {"date", {group::inline_, group::none, false}},
      {"status", {group::inline_, group::none, false}},
  };
  return r;
}

std::set<std::string> const k_marks{"strong", "em", "code", "strike", "underline", "link", "textColor", "subsup",
                                    "backgroundColor"};

std::optional<std::string> check_node(json::value const& v, std::string const& where, group expected) {
  if (!v.is_object()) return where + ": a node must be an object";
  auto const& o = v.get_object();
  auto const* type = o.if_contains("type");
  if (!type || !type->is_string()) return where + ": node without a \"type\"";
  std::string t{type->get_string()};
  auto it = rules().find(t);
  if (it == rules().end()) return where + ": unknown node type \"" + t + "\"";
  auto const& rule = it->second;
  if (rule.self != expected && !(expected == group::text_only && t == "text"))
    return where + ": \"" + t + "\" is not allowed here";
  if (t == "text") {
    auto const* text = o.if_contains("text");
    if (!text || !text->is_string() || text->get_string().empty()) return where + ": text node needs a non-empty \"text\"";
    if (auto const* marks = o.if_contains("marks")) {
      if (!marks->is_array()) return where + ".marks must be an array";
      if (expected == group::text_only && !marks->get_array().empty()) return where + ": code block text cannot have marks";
      for (std::size_t i = 0; i < marks->get_array().size(); ++i) {
        auto const& m = marks->get_array()[i];
        auto const* mt = m.is_object() ? m.get_object().if_contains("type") : nullptr;
        if (!mt || !mt->is_string() || !k_marks.count(std::string(mt->get_string())))
          return where + ".marks[" + std::to_string(i) + "]: unknown mark";
        if (mt->get_string() == "link") {
          auto const* attrs = m.get_object().if_contains("attrs");
          auto const* href = attrs && attrs->is_object() ? attrs->get_object().if_contains("href") : nullptr;
          if (!href || !href->is_string()) return where + ".marks[" + std::to_string(i) + "]: link needs attrs.href";
        }
      }
    }
    return std::nullopt;
  }
  if (t == "heading") {
    auto const* attrs = o.if_contains("attrs");
    auto const* level = attrs && attrs->is_object() ? attrs->get_object().if_contains("level") : nullptr;
    if (!level || !level->is_int64() || level->get_int64() < 1 || level->get_int64() > 6)
      return where + ": heading needs attrs.level 1..6";
  }
  auto const* content = o.if_contains("content");
  if (rule.children == group::none) {
    if (content && !(content->is_array() && content->get_array().empty()))
      return where + ": \"" + t + "\" cannot have content";
    return std::nullopt;
  }
  if (!content) {
    if (rule.needs_content) return where + ": \"" + t + "\" needs content";
    return std::nullopt;
  }
  if (!content->is_array()) return where + ".content must be an array";
  if (rule.needs_content && content->get_array().empty()) return where + ": \"" + t + "\" needs content";
  for (std::size_t i = 0; i < content->get_array().size(); ++i)
    if (auto err = check_node(content->get_array()[i], where + ".content[" + std::to_string(i) + "]", rule.children))
      return err;
  return std::nullopt;
}

void collect_text(json::value const& v, std::string& out) {
  if (!v.is_object()) return;
  auto const& o = v.get_object();
  auto const* type = o.if_contains("type");
  if (type && type->is_string() && type->get_string() == "text") {
    if (auto const* t = o.if_contains("text"); t && t->is_string()) out += t->get_string();
    return;
  }
  if (type && type->is_string() && type->get_string() == "hardBreak") {
    out += '\n';
    return;
  }
  if (auto const* c = o.if_contains("content"); c && c->is_array())
    for (auto const& child : c->get_array()) collect_text(child, out);
  if (type && type->is_string() && (type->get_string() == "paragraph" || type->get_string() == "heading")) out += '\n';
}

}  // namespace

std::optional<std::string> validate_adf(json::value const& doc) {
  if (!doc.is_object()) return std::string("the document must be an object {\"type\":\"doc\",\"version\":1,...}");
  auto const& o = doc.get_object();
  auto const* type = o.if_contains("type");
  if (!type || !type->is_string() || type->get_string() != "doc") return std::string("the root node must have type \"doc\"");
  auto const* version = o.if_contains("version");
  if (!version || !version->is_int64() || version->get_int64() != 1) return std::string("the root node needs \"version\": 1");
  auto const* content = o.if_contains("content");
  if (!content || !content->is_array()) return std::string("the root node needs a \"content\" array");
  for (std::size_t i = 0; i < content->get_array().size(); ++i)
    if (auto err = check_node(content->get_array()[i], "content[" + std::to_string(i) + "]", group::block)) return err;
  return std::nullopt;
}

std::string adf_plain_text(json::value const& doc) {
  std::string out;
  collect_text(doc, out);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

json::value adf_paragraph(std::string const& text) {
  json::object t;
  t["type"] = "text";
  t["text"] = text;
  json::object p;
  p["type"] = "paragraph";
  p["content"] = json::array{t};
  json::object d;
  d["type"] = "doc";
  d["version"] = 1;
  d["content"] = json::array{p};
  return d;
}

}  // namespace mlc::emu
