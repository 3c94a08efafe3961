// zlib compression of scanner reports kept for re-parsing.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status/status.h"

namespace scanfleet {

std::string Compress(std::string_view data);
// DataLoss on corrupt input; ResourceExhausted when the output would exceed
// max_bytes (a decompression bomb).
StatusOr<std::string> Decompress(std::string_view data, size_t max_bytes);

}  // namespace scanfleet
