#include "controller/triggers/repos_file.h"

#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace scanfleet {

namespace {

using Json = nlohmann::json;

constexpr size_t kMaxFileBytes = 1 << 20;
constexpr size_t kMaxSecretBytes = 4096;

class EntryContext {
 public:
  EntryContext(const std::string& file, std::string entry)
      : file_(file), entry_(std::move(entry)) {}
  Status Error(std::string_view field, const std::string& why) const {
    return Status::InvalidArgument(file_ + ": " + entry_ +
                                   (field.empty() ? "" : ": field '" + std::string(field) + "'") +
                                   ": " + why);
  }
  // A string field; `required` says whether absence is an error.
  StatusOr<std::string> String(const Json& object, std::string_view field, bool required) const {
    auto it = object.find(std::string(field));
    if (it == object.end()) {
      if (required) return Error(field, "is required");
      return std::string();
    }
    if (!it->is_string()) return Error(field, "must be a string");
    std::string value = it->get<std::string>();
    if (required && value.empty()) return Error(field, "must not be empty");
    if (value.size() > 4096) return Error(field, "is longer than 4096 bytes");
    for (unsigned char c : value) {
      if (c < 0x20 || c == 0x7f) return Error(field, "contains control characters");
    }
    return value;
  }
  Status OnlyKnownKeys(const Json& object, const std::set<std::string>& known) const {
    for (const auto& [key, value] : object.items()) {
      (void)value;
      if (!known.count(key)) return Error(key, "is not a known field");
    }
    return Status::Ok();
  }

 private:
  const std::string& file_;
  std::string entry_;
};

StatusOr<Forge> ParseForge(const EntryContext& context, const std::string& text) {
  if (text == "github") return Forge::kGitHub;
  if (text == "gitea") return Forge::kGitea;
  if (text == "gitlab") return Forge::kGitLab;
  return context.Error("forge", "'" + text + "' is not one of github, gitea, gitlab");
}

Status ParseRepo(const Json& object, const EntryContext& context, RepoEntry& repo) {
  if (!object.is_object()) return context.Error("", "must be an object");
  if (object.contains("secret")) {
    return context.Error("secret",
                         "a secret is never written in this file; use secret_env or "
                         "secret_file");
  }
  RETURN_IF_ERROR(
      context.OnlyKnownKeys(object, {"name", "forge", "repository", "clone_url", "profile",
                                     "branches", "secret_env", "secret_file"}));
  ASSIGN_OR_RETURN(repo.name, context.String(object, "name", true));
  ASSIGN_OR_RETURN(std::string forge, context.String(object, "forge", true));
  ASSIGN_OR_RETURN(repo.forge, ParseForge(context, forge));
  ASSIGN_OR_RETURN(repo.repository, context.String(object, "repository", true));
  ASSIGN_OR_RETURN(repo.clone_url, context.String(object, "clone_url", true));
  if (repo.clone_url.front() == '-') return context.Error("clone_url", "must not start with '-'");
  ASSIGN_OR_RETURN(repo.profile, context.String(object, "profile", false));
  ASSIGN_OR_RETURN(repo.secret_env, context.String(object, "secret_env", false));
  ASSIGN_OR_RETURN(repo.secret_file, context.String(object, "secret_file", false));
  if (repo.secret_env.empty() == repo.secret_file.empty()) {
    return context.Error("secret_env", "give exactly one of secret_env and secret_file");
  }
  if (auto it = object.find("branches"); it != object.end()) {
    if (!it->is_array()) return context.Error("branches", "must be a list of globs");
    for (const Json& glob : *it) {
      if (!glob.is_string() || glob.get<std::string>().empty()) {
        return context.Error("branches", "every entry must be a non-empty string");
      }
      repo.branches.push_back(glob.get<std::string>());
    }
  }
  return Status::Ok();
}

Status ParseSchedule(const Json& object, const EntryContext& context, const ReposFile& file,
                     ScheduleEntry& schedule) {
  if (!object.is_object()) return context.Error("", "must be an object");
  RETURN_IF_ERROR(context.OnlyKnownKeys(
      object, {"name", "repo", "branch", "dast_target", "profile", "cron", "overlap"}));
  ASSIGN_OR_RETURN(schedule.name, context.String(object, "name", true));
  ASSIGN_OR_RETURN(schedule.repo, context.String(object, "repo", false));
  ASSIGN_OR_RETURN(schedule.branch, context.String(object, "branch", false));
  ASSIGN_OR_RETURN(schedule.dast_target, context.String(object, "dast_target", false));
  ASSIGN_OR_RETURN(schedule.profile, context.String(object, "profile", false));
  if (schedule.repo.empty() == schedule.dast_target.empty()) {
    return context.Error("repo", "give either repo (with branch) or dast_target");
  }
  if (!schedule.repo.empty()) {
    if (!file.FindRepo(schedule.repo)) {
      return context.Error("repo", "'" + schedule.repo + "' is not a name in \"repos\"");
    }
    if (schedule.branch.empty()) return context.Error("branch", "is required with repo");
  } else if (!schedule.branch.empty()) {
    return context.Error("branch", "a DAST target takes no branch");
  }
  ASSIGN_OR_RETURN(std::string cron, context.String(object, "cron", true));
  auto parsed = CronExpression::Parse(cron);
  if (!parsed.ok()) return context.Error("cron", parsed.status().message());
  schedule.cron = std::move(parsed).value();
  ASSIGN_OR_RETURN(std::string overlap, context.String(object, "overlap", false));
  if (overlap.empty() || overlap == "skip") {
    schedule.overlap = OverlapPolicy::kSkip;
  } else if (overlap == "queue") {
    schedule.overlap = OverlapPolicy::kQueue;
  } else {
    return context.Error("overlap", "'" + overlap + "' is not skip or queue");
  }
  return Status::Ok();
}

}  // namespace

std::string_view ForgeName(Forge forge) {
  switch (forge) {
    case Forge::kGitHub:
      return "github";
    case Forge::kGitea:
      return "gitea";
    case Forge::kGitLab:
      return "gitlab";
  }
  return "unknown";
}

const RepoEntry* ReposFile::FindRepo(std::string_view name) const {
  for (const RepoEntry& repo : repos) {
    if (repo.name == name) return &repo;
  }
  return nullptr;
}

const RepoEntry* ReposFile::FindByIdentity(Forge forge, std::string_view repository) const {
  for (const RepoEntry& repo : repos) {
    if (repo.forge == forge && repo.repository == repository) return &repo;
  }
  return nullptr;
}

StatusOr<ReposFile> ParseReposFile(std::string_view text, const std::string& file_name) {
  if (text.size() > kMaxFileBytes) {
    return Status::InvalidArgument(file_name + ": larger than " + std::to_string(kMaxFileBytes) +
                                   " bytes");
  }
  Json doc = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::InvalidArgument(file_name + ": not valid JSON");
  EntryContext top(file_name, "top level");
  if (!doc.is_object()) return top.Error("", "must be a JSON object");
  RETURN_IF_ERROR(top.OnlyKnownKeys(doc, {"repos", "schedules"}));
  ReposFile file;
  std::set<std::string> names;
  if (auto it = doc.find("repos"); it != doc.end()) {
    if (!it->is_array()) return top.Error("repos", "must be a list");
    for (size_t i = 0; i < it->size(); ++i) {
      EntryContext context(file_name, "repos[" + std::to_string(i) + "]");
      RepoEntry repo;
      RETURN_IF_ERROR(ParseRepo((*it)[i], context, repo));
      if (!names.insert(repo.name).second) {
        return context.Error("name", "'" + repo.name + "' is used twice");
      }
      if (file.FindByIdentity(repo.forge, repo.repository)) {
        return context.Error("repository", "'" + repo.repository + "' is listed twice for " +
                                               std::string(ForgeName(repo.forge)));
      }
      file.repos.push_back(std::move(repo));
    }
  }
  names.clear();
  if (auto it = doc.find("schedules"); it != doc.end()) {
    if (!it->is_array()) return top.Error("schedules", "must be a list");
    for (size_t i = 0; i < it->size(); ++i) {
      EntryContext context(file_name, "schedules[" + std::to_string(i) + "]");
      ScheduleEntry schedule;
      RETURN_IF_ERROR(ParseSchedule((*it)[i], context, file, schedule));
      if (!names.insert(schedule.name).second) {
        return context.Error("name", "'" + schedule.name + "' is used twice");
      }
      file.schedules.push_back(std::move(schedule));
    }
  }
  return file;
}

Status ResolveSecrets(ReposFile& file, const std::string& file_name,
                      const std::function<std::optional<std::string>(const std::string&)>& getenv) {
  for (size_t i = 0; i < file.repos.size(); ++i) {
    RepoEntry& repo = file.repos[i];
    EntryContext context(file_name, "repos[" + std::to_string(i) + "] (" + repo.name + ")");
    if (!repo.secret_env.empty()) {
      std::optional<std::string> value = getenv(repo.secret_env);
      if (!value || value->empty()) {
        return context.Error("secret_env",
                             "environment variable " + repo.secret_env + " is not set or empty");
      }
      repo.secret = *value;
    } else {
      struct stat info {};
      if (stat(repo.secret_file.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
        return context.Error("secret_file", repo.secret_file + " is not a readable file");
      }
      if (info.st_uid != geteuid() || (info.st_mode & 077) != 0) {
        return context.Error("secret_file", repo.secret_file +
                                                " must be owned by this user and readable only "
                                                "by it (chmod 600)");
      }
      std::ifstream in(repo.secret_file, std::ios::binary);
      std::string secret((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
      if (!in.good() && !in.eof()) {
        return context.Error("secret_file", "cannot read " + repo.secret_file);
      }
      if (secret.empty() || secret.size() > kMaxSecretBytes) {
        return context.Error("secret_file", repo.secret_file + " is empty or larger than " +
                                                std::to_string(kMaxSecretBytes) + " bytes");
      }
      repo.secret = std::move(secret);
    }
  }
  return Status::Ok();
}

StatusOr<ReposFile> LoadReposFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("--repos " + path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  ASSIGN_OR_RETURN(ReposFile file, ParseReposFile(text.str(), path));
  RETURN_IF_ERROR(ResolveSecrets(file, path, [](const std::string& name) {
    const char* value = std::getenv(name.c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
  }));
  return file;
}

bool BranchAllowed(const RepoEntry& repo, const std::string& branch) {
  if (repo.branches.empty()) return true;
  for (const std::string& glob : repo.branches) {
    if (fnmatch(glob.c_str(), branch.c_str(), 0) == 0) return true;
  }
  return false;
}

}  // namespace scanfleet
