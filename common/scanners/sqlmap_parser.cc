// sqlmap console-output adapter; see sqlmap_parser.h. A line-by-line state
// machine over the text with terminal escape sequences removed; it only reads
// and copies bounded substrings, so no input can make it throw or crash.
#include "common/scanners/sqlmap_parser.h"

#include <cctype>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/scanners/text_fields.h"

namespace scanfleet {
namespace {

constexpr std::string_view kSqlmapTool = "sqlmap";
constexpr size_t kMaxSqlmapOutputBytes = size_t{64} << 20;
// Parts of a finding keep less than kMaxFieldBytes (text_fields.h): the
// evidence joins several.
constexpr size_t kMaxPartBytes = 1024;                // one Title/Payload/URL
constexpr size_t kMaxEvidenceBytes = kMaxFieldBytes;  // all techniques of a point
constexpr size_t kMaxMessageBytes = 1024;             // a quoted [CRITICAL] message

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// Splits into lines; CR ends a line too (sqlmap rewrites the console line
// with "\r"), and ANSI/VT escape sequences (printed when TERM is set) vanish.
std::vector<std::string> CleanLines(std::string_view output) {
  std::vector<std::string> lines(1);
  for (size_t i = 0; i < output.size(); ++i) {
    const char c = output[i];
    if (c == '\n' || c == '\r') {
      lines.emplace_back();
    } else if (c == '\x1b' && i + 1 < output.size()) {
      const char kind = output[++i];
      if (kind == '[') {  // CSI: parameters, then one final byte in @..~
        while (i + 1 < output.size() && (output[i + 1] < '@' || output[i + 1] > '~')) ++i;
        ++i;
      } else if (kind == ']') {  // OSC: up to BEL or ST
        while (i + 1 < output.size() && output[i + 1] != '\a' && output[i + 1] != '\x1b') ++i;
        ++i;
      } else if (kind == '(' || kind == ')') {  // charset designation: one more byte
        ++i;
      }
    } else {
      lines.back().push_back(c);
    }
  }
  return lines;
}

struct Technique {
  std::string type;
  std::string title;
  std::string payload;
};

struct InjectionPoint {
  std::string url;
  std::string target_method;  // method of the request sqlmap tested, if known
  std::string parameter;
  std::string place;
  std::string dbms;
  std::vector<Technique> techniques;
  bool malformed = false;
};

// "[hh:mm:ss] [LEVEL] message" -> (LEVEL, message).
std::optional<std::pair<std::string_view, std::string_view>> LogLine(std::string_view line) {
  if (line.size() < 13 || line[0] != '[' || line[3] != ':' || line[6] != ':' || line[9] != ']' ||
      line[10] != ' ' || line[11] != '[') {
    return std::nullopt;
  }
  const size_t close = line.find("] ", 12);
  if (close == std::string_view::npos) return std::nullopt;
  return std::make_pair(line.substr(12, close - 12), line.substr(close + 2));
}

// "METHOD http://..." as printed under "[i/N] URL:" / "[i/N] Form:".
std::optional<std::pair<std::string, std::string>> MethodAndUrl(std::string_view line) {
  const size_t space = line.find(' ');
  if (space == std::string_view::npos || space == 0) return std::nullopt;
  for (char c : line.substr(0, space)) {
    if (!std::isupper(static_cast<unsigned char>(c))) return std::nullopt;
  }
  std::string_view url = Trim(line.substr(space + 1));
  if (!StartsWith(url, "http://") && !StartsWith(url, "https://")) return std::nullopt;
  return std::make_pair(std::string(line.substr(0, space)), Bounded(url, kMaxPartBytes));
}

// target.txt's first line: "URL (METHOD)  # command line".
std::optional<std::pair<std::string, std::string>> TargetFileLine(std::string_view line) {
  if (!StartsWith(line, "http://") && !StartsWith(line, "https://")) return std::nullopt;
  const size_t open = line.find(" (");
  if (open == std::string_view::npos) return std::nullopt;
  const size_t close = line.find(')', open);
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view rest = line.substr(close + 1);
  if (!rest.empty() && !StartsWith(rest, "  #")) return std::nullopt;
  return std::make_pair(std::string(line.substr(open + 2, close - open - 2)),
                        Bounded(line.substr(0, open), kMaxPartBytes));
}

// The scan of one output: everything learned so far.
class SqlmapScan {
 public:
  void Feed(std::string_view raw_line);
  void Finish();

  std::string version;
  std::vector<InjectionPoint> points;  // committed, in order of appearance
  uint32_t skipped = 0;
  bool recognized = false;  // saw at least one line only sqlmap writes
  bool tested = false;      // saw sqlmap test a parameter
  std::string critical;     // first [CRITICAL] message that is a failure

 private:
  enum class State { kOutside, kAfterHeader, kInBlock };
  void FeedOutside(std::string_view line);
  void FeedBlock(std::string_view line);
  void CloseBlock();

  State state_ = State::kOutside;
  bool expect_target_ = false;  // previous line was "[i/N] URL:" or "Form:"
  bool started_ = false;        // banner or "[*] starting @" seen
  bool ended_ = false;          // "[*] ending @" seen
  std::string url_;
  std::string method_;
  std::vector<InjectionPoint> block_;  // entries of the open block
  std::string* last_field_ = nullptr;  // for continuation lines
};

void SqlmapScan::Feed(std::string_view raw_line) {
  if (state_ == State::kInBlock) {
    FeedBlock(raw_line);
    return;
  }
  const std::string_view line = Trim(raw_line);
  if (state_ == State::kAfterHeader) {
    state_ = line == "---" ? State::kInBlock : State::kOutside;
    if (state_ == State::kInBlock) return;
    ++skipped;  // a header without its block
  }
  FeedOutside(line);
}

void SqlmapScan::FeedOutside(std::string_view line) {
  const bool expect_target = std::exchange(expect_target_, false);
  if (line.empty()) return;
  if (auto log = LogLine(line)) {
    recognized = true;
    auto [level, message] = *log;
    if (message.find("testing for SQL injection on") != std::string_view::npos ||
        message.find("seem to be injectable") != std::string_view::npos ||
        message.find("appear to be injectable") != std::string_view::npos) {
      tested = true;
    }
    if (level == "CRITICAL" && critical.empty() &&
        message.find("do not appear to be injectable") == std::string_view::npos) {
      critical = Bounded(message, kMaxMessageBytes);
    }
    if (StartsWith(message, "testing URL '") && message.back() == '\'') {
      url_ = Bounded(message.substr(13, message.size() - 14), kMaxPartBytes);
    }
    return;
  }
  if (expect_target) {
    if (auto target = MethodAndUrl(line)) {
      std::tie(method_, url_) = std::move(*target);
      return;
    }
  }
  if (line.front() == '[' && (line.ends_with("] URL:") || line.ends_with("] Form:"))) {
    expect_target_ = true;
    recognized = true;
  } else if (StartsWith(line, "[*] starting @")) {
    started_ = recognized = true;
  } else if (StartsWith(line, "[*] ending @")) {
    ended_ = recognized = true;
  } else if (line.find("the following injection point(s)") != std::string_view::npos &&
             line.back() == ':') {
    state_ = State::kAfterHeader;
    recognized = tested = true;
  } else if (StartsWith(line, "back-end DBMS: ")) {
    recognized = true;
    for (InjectionPoint& point : points) {
      if (point.url == url_ && point.dbms.empty()) {
        point.dbms = Bounded(line.substr(15), kMaxPartBytes);
      }
    }
  } else if (auto target = TargetFileLine(line)) {
    std::tie(method_, url_) = std::move(*target);
    recognized = true;
  } else if (line.find("sqlmap.org") != std::string_view::npos) {
    started_ = recognized = true;  // the banner: this is a run's stdout
  } else if (size_t brace = line.find('{');
             version.empty() && brace != std::string_view::npos && line.ends_with('}') &&
             brace + 1 < line.size() && std::isdigit(static_cast<unsigned char>(line[brace + 1]))) {
    version = Bounded(line.substr(brace + 1, line.size() - brace - 2), 64);  // "{1.7.2#stable}"
  }
}

void SqlmapScan::FeedBlock(std::string_view raw_line) {
  const std::string_view line = Trim(raw_line);
  if (line == "---") {
    CloseBlock();
    return;
  }
  if (line.empty()) return;
  if (StartsWith(line, "Parameter: ")) {
    InjectionPoint& point = block_.emplace_back();
    point.url = url_;
    point.target_method = method_;
    last_field_ = nullptr;
    // "NAME (PLACE)"; PLACE may hold parentheses itself: "(custom) POST".
    std::string_view rest = line.substr(11);
    size_t open = std::string_view::npos;
    if (rest.ends_with(')')) {
      int depth = 0;
      for (size_t i = rest.size(); i-- > 0;) {
        if (rest[i] == ')') ++depth;
        if (rest[i] == '(' && --depth == 0) {
          open = i;
          break;
        }
      }
    }
    if (open == std::string_view::npos || open == 0 || rest[open - 1] != ' ') {
      point.malformed = true;
      return;
    }
    point.parameter = Bounded(Trim(rest.substr(0, open - 1)), kMaxPartBytes);
    point.place = Bounded(rest.substr(open + 1, rest.size() - open - 2), kMaxPartBytes);
    point.malformed = point.parameter.empty() || point.place.empty();
    return;
  }
  if (block_.empty()) return;  // text before the first entry: not ours
  InjectionPoint& point = block_.back();
  const size_t colon = line.find(": ");
  const std::string_view key = colon == std::string_view::npos ? "" : line.substr(0, colon);
  const std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 2);
  if (key == "Type") {
    point.techniques.push_back({Bounded(value, kMaxPartBytes), "", ""});
    last_field_ = &point.techniques.back().type;
  } else if (!point.techniques.empty() && key == "Title") {
    point.techniques.back().title = Bounded(value, kMaxPartBytes);
    last_field_ = &point.techniques.back().title;
  } else if (!point.techniques.empty() && key == "Payload") {
    point.techniques.back().payload = Bounded(value, kMaxPartBytes);
    last_field_ = &point.techniques.back().payload;
  } else if (!point.techniques.empty() && key == "Vector") {
    last_field_ = nullptr;  // the query template adds nothing a reader needs
  } else if (last_field_ != nullptr) {
    // A payload sqlmap URL-decoded may itself contain a line break.
    if (last_field_->size() < kMaxPartBytes) {
      *last_field_ += "\n" + Bounded(raw_line, kMaxPartBytes - last_field_->size());
    }
  } else {
    point.malformed = true;
  }
}

void SqlmapScan::CloseBlock() {
  state_ = State::kOutside;
  last_field_ = nullptr;
  for (InjectionPoint& point : block_) {
    bool valid = !point.malformed && !point.techniques.empty();
    for (const Technique& technique : point.techniques) valid = valid && !technique.type.empty();
    if (!valid) {
      ++skipped;
      continue;
    }
    InjectionPoint* same = nullptr;
    for (InjectionPoint& seen : points) {
      if (UrlIdentity(seen.url) == UrlIdentity(point.url) && seen.place == point.place &&
          seen.parameter == point.parameter) {
        same = &seen;
      }
    }
    if (same == nullptr) {
      points.push_back(std::move(point));
      continue;
    }
    for (Technique& technique : point.techniques) {
      bool known = false;
      for (const Technique& had : same->techniques) known = known || had.type == technique.type;
      if (!known) same->techniques.push_back(std::move(technique));
    }
  }
  block_.clear();
}

void SqlmapScan::Finish() {
  if (state_ == State::kAfterHeader) ++skipped;
  if (state_ == State::kInBlock) skipped += static_cast<uint32_t>(block_.size());
  if (state_ == State::kInBlock && block_.empty()) ++skipped;
  if (started_ && !ended_) ++skipped;  // the run's tail is missing
}

std::string MethodOf(const InjectionPoint& point) {
  if (point.place == "GET") return "GET";
  if (point.place == "POST" || point.place == "(custom) POST") return "POST";
  bool is_verb = !point.place.empty();
  for (char c : point.place) is_verb = is_verb && std::isupper(static_cast<unsigned char>(c));
  if (is_verb && point.place != "URI") return point.place;  // sqlmap prints a custom --method
  return point.target_method;
}

Finding ToFinding(const InjectionPoint& point, const std::string& version) {
  Finding f;
  f.tool = std::string(kSqlmapTool);
  f.tool_version = version;
  f.rule_id = "sql-injection";
  f.title = "SQL injection";
  f.severity = Severity::kHigh;
  f.confidence = "high";
  f.cwes = {89};
  f.url = point.url;
  f.http_method = MethodOf(point);
  f.parameter = point.parameter;
  std::string types;
  for (const Technique& technique : point.techniques) {
    if (!types.empty()) types += ", ";
    types += technique.type;
    std::string row = "Type: " + technique.type;
    if (!technique.title.empty()) row += " | Title: " + technique.title;
    if (!technique.payload.empty()) row += " | Payload: " + technique.payload;
    if (!f.evidence.empty()) f.evidence += "\n";
    f.evidence += row;
  }
  f.evidence = Bounded(f.evidence, kMaxEvidenceBytes);
  f.message = "sqlmap confirmed SQL injection in " + point.place + " parameter '" +
              point.parameter + "'" + (point.url.empty() ? "" : " of " + point.url) + ": " + types +
              (point.dbms.empty() ? "" : " (back-end DBMS: " + point.dbms + ")");
  return f;
}

}  // namespace

StatusOr<ParseResult> ParseSqlmapLog(std::string_view output, std::string_view tool_version) {
  if (output.size() > kMaxSqlmapOutputBytes) {
    return Status::ResourceExhausted("sqlmap output of " + std::to_string(output.size()) +
                                     " bytes exceeds the limit of " +
                                     std::to_string(kMaxSqlmapOutputBytes));
  }
  SqlmapScan scan;
  for (const std::string& line : CleanLines(output)) scan.Feed(line);
  scan.Finish();
  if (!scan.recognized && !Trim(output).empty()) {
    return Status::DataLoss("not sqlmap output: no banner, log line or injection block in " +
                            std::to_string(output.size()) + " bytes");
  }
  if (scan.points.empty() && !scan.tested && !scan.critical.empty()) {
    return Status::Unavailable("sqlmap tested no parameter: " + scan.critical);
  }
  const std::string version = scan.version.empty() ? std::string(tool_version) : scan.version;
  ParseResult result;
  result.skipped_records = scan.skipped;
  for (const InjectionPoint& point : scan.points) {
    result.findings.push_back(ToFinding(point, version));
  }
  AssignFingerprints(result.findings);
  return result;
}

}  // namespace scanfleet
