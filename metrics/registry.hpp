#pragma once
#include <string>

namespace prometheus { class Registry; }

namespace mlc::metrics {

// Text exposition (format 0.0.4) of everything in `registry`, children of each family
// sorted by their labels so the output is stable.
std::string serialize(prometheus::Registry const& registry);

}  // namespace mlc::metrics
