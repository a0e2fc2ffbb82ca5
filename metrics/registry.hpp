#pragma once
#include <string>
#include <vector>

#include <prometheus/metric_family.h>

namespace prometheus { class Registry; }

namespace mlc::metrics {

// Text exposition (format 0.0.4) of `families`, children of each family sorted by their
// labels so the output is stable.
std::string serialize(std::vector<prometheus::MetricFamily> families);
// The same for everything in `registry`.
std::string serialize(prometheus::Registry const& registry);

}  // namespace mlc::metrics
