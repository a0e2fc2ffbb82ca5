#pragma once
// CPU time of the calling thread, for the in-process benchmarks: a figure another process
// on the machine does not add to (only takes from, by running on the same core).
#include <ctime>

namespace mlc::test {

inline double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace mlc::test
