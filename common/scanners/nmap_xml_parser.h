// Adapter for nmap's XML report (`-oX -`, read from stdout), service detection
// on given ports, optionally with NSE scripts.
//
// Open ports: every port whose state is "open" is one finding, rule
// "open-port", severity info (an exposed service is an inventory fact, not a
// weakness by itself), title "open port 8080/tcp: http (BaseHTTPServer 0.6)"
// ("ssl/http" when nmap saw TLS), evidence = product, version, extra info and
// CPEs, confidence from nmap's detection confidence (conf >= 8 high, >= 5
// medium, else low). URL: tcp://host:port (udp:// for UDP; IPv6 in brackets).
// Closed, filtered and "open|filtered" ports are not findings.
//
// NSE scripts (port scripts and host scripts, rule "nse:<script id>"):
// - a script that reports through nmap's vulns library carries one structured
//   <table> per vulnerability with <elem key="state">; each becomes a finding:
//     "VULNERABLE", "VULNERABLE (DoS)", "VULNERABLE (Exploitable)"
//         -> high, confidence high
//     "LIKELY VULNERABLE"          -> medium, confidence medium
//     "UNKNOWN (unable to test)" or any other state -> info, confidence low
//     "NOT VULNERABLE" (printed with --script-args vulns.showall) -> no finding
//   A CVSS score in the table's "scores" overrides the state's severity
//   (>= 9 critical, >= 7 high, >= 4 medium, > 0 low). IDs (CVE:...) and the
//   state go into the evidence, the description into the message.
// - a script without such tables (http-title, http-methods, ...) is one info
//   finding with its trimmed text output as message and evidence; a plain-text
//   "State: VULNERABLE" / "State: LIKELY VULNERABLE" line is honoured as above.
// - "ERROR: Script execution failed" is no finding but counts as skipped.
//
// Errors: output that is not an <nmaprun> XML document, or a run that did not
// finish (truncated, or <finished exit="error">, e.g. a bad port range) is
// DataLoss. A finished run that scanned no host at all (<hosts total="0">:
// the target name did not resolve; nmap still exits 0) is Unavailable, so an
// unreachable target is never mistaken for a clean one.
// Thread-safety: pure and reentrant.
#pragma once

#include <string_view>

#include "common/scanners/parse_result.h"

namespace scanfleet {

StatusOr<ParseResult> ParseNmapServicesXml(std::string_view output, std::string_view tool_version);

}  // namespace scanfleet
