// Bounded; see text_fields.h.
#include "common/scanners/text_fields.h"

#include "common/text/utf8.h"

namespace scanfleet {

std::string Bounded(std::string_view text, size_t max_bytes) {
  return std::string(TruncateUtf8(text, max_bytes));
}

}  // namespace scanfleet
