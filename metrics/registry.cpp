#include "metrics/registry.hpp"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

namespace mlc::metrics {

std::string serialize(prometheus::Registry const& registry) {
  return prometheus::TextSerializer{}.Serialize(registry.Collect());
}

}  // namespace mlc::metrics
