#include "tests/emulators/knobs.hpp"

#include <cmath>

namespace mlc::emu {
namespace json = boost::json;

knobs::knobs() {
  x3.token_lifetime = std::chrono::seconds{300};
  jira.token_lifetime = std::chrono::seconds{3600};
}

namespace {

std::optional<double> number(json::value const& v) {
  if (v.is_int64()) return double(v.get_int64());
  if (v.is_uint64()) return double(v.get_uint64());
  if (v.is_double() && std::isfinite(v.get_double())) return v.get_double();
  return std::nullopt;
}

std::optional<std::string> apply_system(system_knobs& s, json::object const& patch, std::string const& where) {
  for (auto const& kv : patch) {
    std::string key{kv.key()};
    auto const& v = kv.value();
    auto bad = [&](char const* expected) { return where + "." + key + " must be " + expected; };
    if (key == "error_rates") {
      if (!v.is_object()) return bad("an object like {\"503\": 0.1}");
      std::map<int, double> rates;
      for (auto const& e : v.get_object()) {
        int status = 0;
        try {
          status = std::stoi(std::string(e.key()));
        } catch (std::exception const&) {
        }
        auto p = number(e.value());
        if (status < 400 || status > 599 || !p || *p < 0 || *p > 1)
          return where + ".error_rates: \"" + std::string(e.key()) + "\" must be a 4xx/5xx status with a probability 0..1";
        if (*p > 0) rates[status] = *p;
      }
      s.error_rates = std::move(rates);
      continue;
    }
    if (key == "bulk_create") {
      if (!v.is_bool()) return bad("true or false");
      s.bulk_create = v.get_bool();
      continue;
    }
    auto n = number(v);
    if (!n || *n < 0) return bad("a non-negative number");
    auto ms = std::chrono::milliseconds{std::int64_t(std::llround(*n))};
    auto secs = std::chrono::seconds{std::int64_t(std::llround(*n))};
    if (key == "latency_ms") s.latency = ms;
    else if (key == "latency_jitter_ms") s.latency_jitter = ms;
    else if (key == "drop_rate") {
      if (*n > 1) return bad("a probability 0..1");
      s.drop_rate = *n;
    } else if (key == "hang_rate") {
      if (*n > 1) return bad("a probability 0..1");
      s.hang_rate = *n;
    } else if (key == "lost_answer_rate") {
      if (*n > 1) return bad("a probability 0..1");
      s.lost_answer_rate = *n;
    } else if (key == "rate_429") {
      if (*n > 1) return bad("a probability 0..1");
      if (*n > 0) s.error_rates[429] = *n;
      else s.error_rates.erase(429);
    } else if (key == "rate_503") {
      if (*n > 1) return bad("a probability 0..1");
      if (*n > 0) s.error_rates[503] = *n;
      else s.error_rates.erase(503);
    } else if (key == "retry_after_s") s.retry_after = secs;
    else if (key == "token_lifetime_s") s.token_lifetime = secs;
    else if (key == "refresh_grace_ms") s.refresh_grace = ms;
    else if (key == "jwt_max_lifetime_s") s.jwt_max_lifetime = secs;
    else if (key == "clock_lag_s") s.clock_lag = secs;
    else if (key == "churn_per_page") s.churn_per_page = int(*n);
    else if (key == "late_commit_rate") {
      if (*n > 1) return bad("a probability 0..1");
      s.late_commit_rate = *n;
    } else if (key == "late_commit_s") s.late_commit_age = secs;
    else if (key == "search_lag_ms") s.search_lag = ms;
    else if (key == "site_rate") s.site_rate = *n;
    else if (key == "site_burst") s.site_burst = *n;
    else if (key == "client_rate") s.client_rate = *n;
    else if (key == "client_burst") s.client_burst = *n;
    else if (key == "issue_write_limit") s.issue_write_limit = int(*n);
    else if (key == "issue_write_window_ms") s.issue_write_window = ms;
    else return where + ": unknown knob \"" + key + "\"";
  }
  return std::nullopt;
}

json::object system_json(system_knobs const& s) {
  json::object o;
  json::object rates;
  for (auto const& [status, p] : s.error_rates) rates[std::to_string(status)] = p;
  o["error_rates"] = std::move(rates);
  o["latency_ms"] = s.latency.count();
  o["latency_jitter_ms"] = s.latency_jitter.count();
  o["drop_rate"] = s.drop_rate;
  o["hang_rate"] = s.hang_rate;
  o["lost_answer_rate"] = s.lost_answer_rate;
  o["bulk_create"] = s.bulk_create;
  o["retry_after_s"] = s.retry_after.count();
  o["token_lifetime_s"] = s.token_lifetime.count();
  o["refresh_grace_ms"] = s.refresh_grace.count();
  o["jwt_max_lifetime_s"] = s.jwt_max_lifetime.count();
  o["clock_lag_s"] = s.clock_lag.count();
  o["churn_per_page"] = s.churn_per_page;
  o["late_commit_rate"] = s.late_commit_rate;
  o["late_commit_s"] = s.late_commit_age.count();
  o["search_lag_ms"] = s.search_lag.count();
  o["site_rate"] = s.site_rate;
  o["site_burst"] = s.site_burst;
  o["client_rate"] = s.client_rate;
  o["client_burst"] = s.client_burst;
  o["issue_write_limit"] = s.issue_write_limit;
  o["issue_write_window_ms"] = s.issue_write_window.count();
  return o;
}

}  // namespace

std::optional<std::string> apply_knobs(knobs& k, json::object const& patch) {
  knobs next = k;
  for (auto const& kv : patch) {
    if (kv.key() != "x3" && kv.key() != "jira")
      return "unknown section \"" + std::string(kv.key()) + "\" (expected \"x3\" or \"jira\")";
    if (!kv.value().is_object()) return std::string(kv.key()) + " must be an object";
    auto& target = kv.key() == "x3" ? next.x3 : next.jira;
    if (auto err = apply_system(target, kv.value().get_object(), std::string(kv.key()))) return err;
  }
  k = std::move(next);
  return std::nullopt;
}

json::object to_json(knobs const& k) {
  json::object o;
  o["x3"] = system_json(k.x3);
  o["jira"] = system_json(k.jira);
  return o;
}

}  // namespace mlc::emu
