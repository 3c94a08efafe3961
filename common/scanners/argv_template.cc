// Argv template validation and expansion; see argv_template.h.
#include "common/scanners/argv_template.h"

#include <set>

namespace scanfleet {
namespace {

const std::set<std::string>& SastPlaceholders() {
  static const std::set<std::string> kSet = {"workspace", "files"};
  return kSet;
}
const std::set<std::string>& DastPlaceholders() {
  static const std::set<std::string> kSet = {"target_url", "target_host", "target_port"};
  return kSet;
}
const std::set<std::string>& CommonPlaceholders() {
  static const std::set<std::string> kSet = {"output_dir", "output_file"};
  return kSet;
}

// Splits a word into literal text and {placeholder} names, in order.
struct Piece {
  bool placeholder;
  std::string text;
};

StatusOr<std::vector<Piece>> Split(const std::string& word) {
  std::vector<Piece> pieces;
  size_t at = 0;
  while (at < word.size()) {
    size_t open = word.find('{', at);
    size_t close_stray = word.find('}', at);
    if (close_stray < open) return Status::InvalidArgument("stray '}' in '" + word + "'");
    if (open == std::string::npos) {
      pieces.push_back({false, word.substr(at)});
      break;
    }
    if (open > at) pieces.push_back({false, word.substr(at, open - at)});
    size_t close = word.find('}', open);
    if (close == std::string::npos)
      return Status::InvalidArgument("unclosed '{' in '" + word + "'");
    pieces.push_back({true, word.substr(open + 1, close - open - 1)});
    at = close + 1;
  }
  return pieces;
}

bool IsSafeValue(const std::string& value) {
  if (value.empty() || value.front() == '-') return false;
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

bool IsSafeRelativePath(const std::string& path) {
  if (path.empty() || path.front() == '/' || !IsSafeValue("./" + path)) return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = std::min(path.find('/', start), path.size());
    if (path.compare(start, slash - start, "..") == 0 && slash - start == 2) return false;
    start = slash + 1;
  }
  return true;
}

}  // namespace

Status ValidateArgvTemplate(const std::vector<std::string>& argv, bool dast, bool has_files) {
  if (argv.empty()) return Status::InvalidArgument("is empty");
  for (size_t i = 0; i < argv.size(); ++i) {
    ASSIGN_OR_RETURN(auto pieces, Split(argv[i]));
    for (const Piece& piece : pieces) {
      if (!piece.placeholder) continue;
      if (i == 0) return Status::InvalidArgument("the program name must be literal");
      const std::string& name = piece.text;
      bool sast_only = SastPlaceholders().count(name) > 0;
      bool dast_only = DastPlaceholders().count(name) > 0;
      if (!sast_only && !dast_only && !CommonPlaceholders().count(name)) {
        return Status::InvalidArgument("unknown placeholder {" + name + "}");
      }
      if (sast_only && dast) {
        return Status::InvalidArgument("{" + name + "} is for SAST scanners only");
      }
      if (dast_only && !dast) {
        return Status::InvalidArgument("{" + name + "} is for DAST scanners only");
      }
      if (name == "files" && (pieces.size() != 1 || !has_files)) {
        return Status::InvalidArgument("{files} must be a whole word and needs \"files\" patterns");
      }
    }
  }
  return Status::Ok();
}

StatusOr<std::vector<std::string>> ExpandArgv(const std::vector<std::string>& argv,
                                              const ArgvValues& values) {
  std::vector<std::string> out;
  for (const std::string& word : argv) {
    ASSIGN_OR_RETURN(auto pieces, Split(word));
    if (pieces.size() == 1 && pieces[0].placeholder && pieces[0].text == "files") {
      for (const std::string& file : values.files) {
        if (!IsSafeRelativePath(file)) {
          return Status::InvalidArgument("unsafe file name in the checkout: '" +
                                         file.substr(0, 128) + "'");
        }
        out.push_back("./" + file);
      }
      continue;
    }
    std::string expanded;
    for (const Piece& piece : pieces) {
      if (!piece.placeholder) {
        expanded += piece.text;
        continue;
      }
      std::string value;
      if (piece.text == "workspace") {
        value = values.workspace;
      } else if (piece.text == "output_dir") {
        value = values.output_dir;
      } else if (piece.text == "output_file") {
        value = values.output_file;
      } else if (values.target && piece.text == "target_url") {
        value = values.target->url;
      } else if (values.target && piece.text == "target_host") {
        value = values.target->host;
      } else if (values.target && piece.text == "target_port") {
        value = std::to_string(values.target->port);
      }
      if (!IsSafeValue(value)) {
        return Status::InvalidArgument("no safe value for {" + piece.text + "}");
      }
      expanded += value;
    }
    out.push_back(std::move(expanded));
  }
  return out;
}

}  // namespace scanfleet
