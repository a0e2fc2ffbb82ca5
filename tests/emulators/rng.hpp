#pragma once
// Deterministic randomness: std::mt19937_64 is specified bit for bit by the standard, but
// std::uniform_*_distribution are not, so the distributions are written out here and a
// seed gives the same data on every standard library.
#include <cstdint>
#include <random>
#include <string_view>

namespace mlc::emu {

class rng {
 public:
  explicit rng(std::uint64_t seed) : engine_{seed} {}

  std::uint64_t next() { return engine_(); }
  // Uniform in [0, n); n > 0. Rejection sampling, no modulo bias.
  std::uint64_t below(std::uint64_t n) {
    std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t x;
    do x = engine_();
    while (x >= limit);
    return x % n;
  }
  // Uniform integer in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi) {
    return lo + std::int64_t(below(std::uint64_t(hi - lo) + 1));
  }
  // Uniform in [0, 1) with 53 random bits.
  double unit() { return double(engine_() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return p > 0 && unit() < p; }
  template <class Container>
  auto const& pick(Container const& c) {
    return c[below(c.size())];
  }

 private:
  std::mt19937_64 engine_;
};

// Stable 64-bit mix for deriving per-tenant seeds (splitmix64 finaliser).
inline std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t salt) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (salt + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline std::uint64_t hash_text(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (char c : text) h = (h ^ (unsigned char)c) * 0x100000001b3ULL;
  return h;
}

}  // namespace mlc::emu
