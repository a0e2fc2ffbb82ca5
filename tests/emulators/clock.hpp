#pragma once
// The emulators' notion of "now": wall clock in production runs, a hand-driven clock in
// tests (token expiry, search lag and rate-limit refill are all read from here, so a test
// advances time instead of sleeping). Not thread-safe: one io_context thread.
#include <chrono>
#include <memory>

#include "tests/emulators/time_text.hpp"

namespace mlc::emu {

class clock {
 public:
  virtual ~clock() = default;
  virtual sys_ms now() const = 0;
};

class wall_clock final : public clock {
 public:
  sys_ms now() const override {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  }
};

class manual_clock final : public clock {
 public:
  explicit manual_clock(sys_ms start) : now_{start} {}
  sys_ms now() const override { return now_; }
  void advance(std::chrono::milliseconds d) { now_ += d; }
  void set(sys_ms t) { now_ = t; }

 private:
  sys_ms now_;
};

}  // namespace mlc::emu
