// Reading a tool's JSON report without trusting its shape: the one set of
// field getters every JSON adapter uses (bandit, nuclei, SARIF, semgrep,
// shellcheck, wapiti, ZAP).
//
// A document is parsed without exceptions (ParseJson); every getter accepts
// any value and returns its default for a missing key or a wrong type, so no
// report can make an adapter throw. Every text a getter returns is bounded by
// kMaxFieldBytes and cut only between two UTF-8 characters (Bounded,
// text_fields.h); bytes that are not UTF-8 are kept for ValidUtf8 to replace
// on the wire.
// Thread-safety: pure functions; reentrant.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/scanners/text_fields.h"

namespace scanfleet {

using Json = nlohmann::json;

// The document in `text`, or a discarded value (is_discarded()) when it is
// not JSON.
Json ParseJson(std::string_view text);

// object[key]; a null value when `object` is not an object or has no `key`.
const Json& Field(const Json& object, const char* key);
// `value` when it is an array, else an empty array (for range-for).
const Json& Items(const Json& value);

// A string value, bounded; "" for any other type.
std::string Text(const Json& value);
// A string value, bounded; nullopt for any other type.
std::optional<std::string> OptionalText(const Json& value);
// A string, or an integer written in decimal (tools write ids both ways),
// bounded; "" for any other type.
std::string TextOrInteger(const Json& value);
// A string value unbounded, for an adapter that only searches it (and bounds
// what it keeps); empty for any other type.
std::string_view RawText(const Json& value);

// A JSON integer that fits an int; nullopt otherwise (floats included).
std::optional<int> IntValue(const Json& value);
// IntValue when it is >= 0.
std::optional<int> NonNegativeInt(const Json& value);
// IntValue when it is > 0, else 0 (a line or column that is unknown).
int PositiveInt(const Json& value);

// `text` with bytes that are not well-formed UTF-8, and \u escapes of unpaired
// UTF-16 surrogates, replaced by U+FFFD, so that one odd file name does not
// make a whole JSON report unreadable (Python-based tools write such escapes
// for undecodable file names). Well-formed JSON text is unchanged.
std::string SanitizeJsonText(std::string_view text);

}  // namespace scanfleet
