#pragma once
#include <memory>
#include <string>

namespace prometheus { class Registry; }

namespace mlc::metrics {

// Text exposition (format 0.0.4) of everything in `registry`.
std::string serialize(prometheus::Registry const& registry);

}  // namespace mlc::metrics
