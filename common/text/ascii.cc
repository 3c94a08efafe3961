// ASCII case mapping; see ascii.h.
#include "common/text/ascii.h"

namespace scanfleet {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

int HexValue(std::string_view text, size_t at, size_t digits) {
  if (digits == 0 || digits > 7 || at > text.size() || text.size() - at < digits) return -1;
  int value = 0;
  for (size_t k = 0; k < digits; ++k) {
    char c = text[at + k];
    int digit = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

}  // namespace scanfleet
