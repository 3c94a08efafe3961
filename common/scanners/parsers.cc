// The parser table; see parsers.h.
#include "common/scanners/parsers.h"

#include <map>

#include "common/scanners/bandit_parser.h"
#include "common/scanners/cppcheck_xml_parser.h"
#include "common/scanners/flawfinder_parser.h"
#include "common/scanners/nmap_xml_parser.h"
#include "common/scanners/nuclei_zap_parsers.h"
#include "common/scanners/sarif_parser.h"
#include "common/scanners/semgrep_json_parser.h"
#include "common/scanners/shellcheck_json1_parser.h"
#include "common/scanners/sqlmap_parser.h"
#include "common/scanners/wapiti_json_parser.h"

namespace scanfleet {
namespace {

const std::map<std::string, ParseFn, std::less<>>& Table() {
  // clang-format off
  static const auto* const kTable = new std::map<std::string, ParseFn, std::less<>>{
      {"bandit-json", &ParseBanditJson},
      {"cppcheck-xml", &ParseCppcheckXmlV2},
      {"flawfinder-csv", &ParseFlawfinderCsv},
      {"nmap-xml", &ParseNmapServicesXml},
      {"nuclei-jsonl", &ParseNucleiJsonl},
      {"sarif", &ParseSarif},
      {"semgrep-json", &ParseSemgrepJson},
      {"shellcheck-json1", &ParseShellcheckJson1},
      {"sqlmap-log", &ParseSqlmapLog},
      {"wapiti-json", &ParseWapitiJson},
      {"zap-json", &ParseZapJson},
  };
  // clang-format on
  return *kTable;
}

}  // namespace

ParseFn FindParser(std::string_view name) {
  auto it = Table().find(name);
  return it == Table().end() ? nullptr : it->second;
}

std::vector<std::string> ParserNames() {
  std::vector<std::string> names;
  for (const auto& [name, parse] : Table()) names.push_back(name);
  return names;
}

}  // namespace scanfleet
