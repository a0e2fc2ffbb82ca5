#include "tests/emulators/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace mlc::emu {

bucket_verdict rate_limiter::take(std::string const& key, double rate, double burst, sys_ms now) {
  bucket_verdict v;
  if (rate <= 0) return v;
  burst = std::max(burst, 1.0);
  if (++since_purge_ >= 4096) purge(now);
  auto [it, fresh] = buckets_.try_emplace(key, bucket{burst, now});
  auto& b = it->second;
  if (!fresh) {
    double elapsed = std::max(0.0, double((now - b.last).count()) / 1000.0);
    b.tokens = std::min(burst, b.tokens + elapsed * rate);
    b.last = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    v.remaining = std::floor(b.tokens);
    return v;
  }
  v.allowed = false;
  v.remaining = 0;
  v.retry_after = std::chrono::milliseconds{std::int64_t(std::ceil((1.0 - b.tokens) / rate * 1000.0))};
  return v;
}

void rate_limiter::purge(sys_ms now) {
  since_purge_ = 0;
  // A bucket idle for a minute is full again for any rate >= burst/60: forget it.
  std::erase_if(buckets_, [&](auto const& kv) { return now - kv.second.last > std::chrono::minutes{1}; });
}

}  // namespace mlc::emu
