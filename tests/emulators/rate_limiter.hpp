#pragma once
// Token buckets keyed by name ("site:t0001", "client:<credential>", "issue:t0001:10042"),
// refilled from the emulator clock. Not thread-safe: one io_context thread.
#include <chrono>
#include <string>
#include <unordered_map>

#include "tests/emulators/time_text.hpp"

namespace mlc::emu {

struct bucket_verdict {
  bool allowed = true;
  double remaining = 0;                 // whole tokens left after this request
  std::chrono::milliseconds retry_after{0};  // when refused: until one token is back
};

class rate_limiter {
 public:
  // rate: tokens per second; burst: bucket size. rate <= 0 means unlimited.
  bucket_verdict take(std::string const& key, double rate, double burst, sys_ms now);
  std::size_t buckets() const { return buckets_.size(); }

 private:
  struct bucket {
    double tokens = 0;
    sys_ms last{};
  };
  void purge(sys_ms now);
  std::unordered_map<std::string, bucket> buckets_;
  std::size_t since_purge_ = 0;
};

}  // namespace mlc::emu
