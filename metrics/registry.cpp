#include "metrics/registry.hpp"

#include <algorithm>

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace mlc::metrics {

std::string serialize(prometheus::Registry const& registry) {
  auto families = registry.Collect();
  // prometheus-cpp keeps children in a hash map; sort them by labels so the exposition
  // is stable (tests and humans diff it).
  for (auto& family : families) {
    std::stable_sort(family.metric.begin(), family.metric.end(), [](auto const& a, auto const& b) {
      return std::lexicographical_compare(
          a.label.begin(), a.label.end(), b.label.begin(), b.label.end(),
          [](auto const& x, auto const& y) { return std::tie(x.name, x.value) < std::tie(y.name, y.value); });
    });
  }
  return prometheus::TextSerializer{}.Serialize(families);
}

}  // namespace mlc::metrics
