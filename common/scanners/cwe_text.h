// CWE ids in the tags and texts tools write ("CWE-79", "external/cwe/cwe-079",
// "CWE-89: Improper Neutralization...").
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace scanfleet {

// A finding keeps at most this many CWE ids.
inline constexpr size_t kMaxCwes = 16;

// The number after the first "CWE-" (any case) when it has 1-6 digits and is
// > 0; nullopt otherwise.
std::optional<int> CweInText(std::string_view text);

// Appends CweInText(text) to `cwes` unless it is there already or `cwes`
// holds kMaxCwes.
void AddCweOf(std::string_view text, std::vector<int>& cwes);

}  // namespace scanfleet
