// ArcSight CEF (Common Event Format, rev. 25) and IBM QRadar LEEF 2.0
// renderings of one scanfleet event, as the MSG of a syslog message.
//
// CEF: CEF:0|scanfleet|scanfleet|<version>|<signature id>|<name>|<0-10>|<ext>
//   header fields escape '\' and '|' (newlines become spaces: a header is one
//   line); extension values escape '\', '=' and encode CR/LF as "\r"/"\n".
// LEEF: LEEF:2.0|scanfleet|scanfleet|<version>|<event id>|x09|<attrs>
//   tab-separated key=value attributes; values escape '\', tab, CR and LF.
// The key mapping of both is in docs/SIEM.md. Output is always one line.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "proto/scanfleet.pb.h"

namespace scanfleet::siem {

std::string EscapeCefHeader(std::string_view value);
std::string EscapeCefExtension(std::string_view value);
std::string EscapeLeefValue(std::string_view value);

// product_version is scanfleet's version (header field 4). space_before_extension
// puts one space between the header and the first key: CEF parsers skip it, and
// liblognorm <= 2.0.6 (Debian 12's rsyslog mmnormalize) needs it, as it drops
// the first character of the first key otherwise (rsyslog/liblognorm#363).
std::string FormatCef(const v1::Event& event, std::string_view product_version,
                      bool space_before_extension = false);
std::string FormatLeef(const v1::Event& event, std::string_view product_version);

}  // namespace scanfleet::siem
