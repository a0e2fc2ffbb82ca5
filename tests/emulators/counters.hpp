#pragma once
// Requests served, by system ("x3", "jira", "gateway", "control"), endpoint template
// ("POST /rest/api/3/issue") and status. Not thread-safe: one io_context thread.
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include <boost/json/object.hpp>

namespace mlc::emu {

class counters {
 public:
  void count(std::string const& system, std::string const& endpoint, int status) {
    ++counts_[std::make_tuple(system, endpoint, status)];
    ++total_;
  }
  std::uint64_t total() const { return total_; }
  std::uint64_t get(std::string const& system, std::string const& endpoint, int status) const {
    auto it = counts_.find(std::make_tuple(system, endpoint, status));
    return it == counts_.end() ? 0 : it->second;
  }
  // {"total": N, "requests": {"jira": {"POST /rest/api/3/issue": {"201": 12}}}}
  boost::json::object to_json() const {
    boost::json::object by_system;
    for (auto const& [key, n] : counts_) {
      auto const& [system, endpoint, status] = key;
      auto& sys = by_system[system];
      if (!sys.is_object()) sys = boost::json::object{};
      auto& ep = sys.get_object()[endpoint];
      if (!ep.is_object()) ep = boost::json::object{};
      ep.get_object()[std::to_string(status)] = n;
    }
    boost::json::object o;
    o["total"] = total_;
    o["requests"] = std::move(by_system);
    return o;
  }

 private:
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> counts_;
  std::uint64_t total_ = 0;
};

}  // namespace mlc::emu
