// CompleteControllerConfig: the parsed flags that need more than CLI11, each
// turned into ControllerConfig fields in the order the checks always ran, so
// the first bad flag is the one reported.
#include <algorithm>
#include <fstream>
#include <iterator>

#include "common/scanners/registry.h"
#include "controller/flags/controller_flags.h"

namespace scanfleet {

namespace {

// "name=value" pairs for repeated flags such as --pool sast=7710.
bool SplitPair(const std::string& text, std::string& name, std::string& value) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  name = text.substr(0, eq);
  value = text.substr(eq + 1);
  return true;
}

// NAME=N with N >= 1; 0 when the text is not that.
uint32_t PositiveCount(const std::string& text, std::string& name) {
  std::string value;
  try {
    if (SplitPair(text, name, value)) return static_cast<uint32_t>(std::stoul(value));
  } catch (...) {
  }
  return 0;
}

// --pool NAME: given at all, it replaces the default pools.
Status ApplyPools(const std::vector<std::string>& pools, ControllerConfig& config) {
  if (!pools.empty()) config.pools.clear();
  for (const auto& pool : pools) {
    if (pool.find('=') != std::string::npos) {
      return Status::InvalidArgument(
          "--pool takes a pool name, got '" + pool +
          "': since protocol version 2 every pool's jobs travel on --jobs-port");
    }
    if (pool.empty() || pool.size() > 64) {
      return Status::InvalidArgument("--pool wants a name of 1-64 characters, got '" + pool + "'");
    }
    config.pools.insert(pool);
  }
  return Status::Ok();
}

Status LoadSuppressions(ControllerConfig& config) {
  if (config.suppressions_file.empty()) return Status::Ok();
  std::ifstream file(config.suppressions_file, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  auto suppressions = file ? ParseSuppressions(text, "controller:" + config.suppressions_file)
                           : StatusOr<std::vector<Suppression>>(
                                 Status::NotFound("cannot read " + config.suppressions_file));
  if (!suppressions.ok()) {
    return Status::InvalidArgument("--suppressions: " + suppressions.status().message());
  }
  config.suppressions = std::move(suppressions).value();
  return Status::Ok();
}

// The registry's profiles, and the kinds, pools and parsers of its scanners.
Status ApplyRegistry(ControllerConfig& config) {
  ASSIGN_OR_RETURN(ScannerRegistry registry, LoadRegistry(config.scanner_registry));
  config.profiles = registry.profiles;
  config.scanner_pools.clear();
  for (const auto& [scanner, spec] : registry.scanners) {
    // A scanner of a pool this controller does not serve is simply not
    // offered; a profile naming it is refused at submit with that reason.
    if (!config.pools.count(spec.pool)) continue;
    config.scanner_pools[scanner] = spec.pool;
    config.scanner_kinds[scanner] = spec.kind == ScannerKind::kDast ? "dast" : "sast";
    config.scanner_parsers[scanner] = spec.parser;
    if (!spec.file_patterns.empty()) config.per_file_scanners.insert(scanner);
  }
  return Status::Ok();
}

// --profile NAME=SCANNER[,SCANNER...]: given at all, it replaces the registry's.
Status ApplyProfiles(const std::vector<std::string>& profiles, ControllerConfig& config) {
  std::string name, value;
  if (!profiles.empty()) config.profiles.clear();
  for (const auto& profile : profiles) {
    if (!SplitPair(profile, name, value) || value.empty()) {
      return Status::InvalidArgument("--profile wants NAME=SCANNER[,SCANNER...], got '" + profile +
                                     "'");
    }
    auto& scanners = config.profiles[name];
    for (size_t start = 0; start <= value.size();) {
      size_t comma = std::min(value.find(',', start), value.size());
      if (comma > start) scanners.push_back(value.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return Status::Ok();
}

Status ApplyScannerPools(const std::vector<std::string>& mappings, ControllerConfig& config) {
  std::string name, value;
  for (const auto& mapping : mappings) {
    if (!SplitPair(mapping, name, value)) {
      return Status::InvalidArgument("--scanner-pool wants SCANNER=POOL, got '" + mapping + "'");
    }
    config.scanner_pools[name] = value;
  }
  return Status::Ok();
}

Status ApplyPoolCaps(const std::vector<std::string>& caps, ControllerConfig& config) {
  for (const auto& cap : caps) {
    std::string name;
    uint32_t count = PositiveCount(cap, name);
    if (count == 0) {
      return Status::InvalidArgument("--pool-max-running wants POOL=N with N >= 1, got '" + cap +
                                     "'");
    }
    config.scheduler.limits.pool_max_running[name] = count;
  }
  return Status::Ok();
}

Status ApplyProfileBudgets(const std::vector<std::string>& budgets, ControllerConfig& config) {
  for (const auto& budget : budgets) {
    std::string name;
    uint32_t count = PositiveCount(budget, name);
    if (count == 0) {
      return Status::InvalidArgument("--profile-max-failures wants PROFILE=N with N >= 1, got '" +
                                     budget + "'");
    }
    config.profile_max_failures[name] = count;
  }
  return Status::Ok();
}

}  // namespace

Status CompleteControllerConfig(ControllerFlags& flags) {
  ControllerConfig& config = flags.config;
  RETURN_IF_ERROR(ApplyPools(flags.pools, config));
  RETURN_IF_ERROR(LoadSuppressions(config));
  RETURN_IF_ERROR(ApplyRegistry(config));  // after the pools: it offers only theirs
  RETURN_IF_ERROR(ApplyProfiles(flags.profiles, config));
  RETURN_IF_ERROR(ApplyScannerPools(flags.scanner_pools, config));
  RETURN_IF_ERROR(ApplyPoolCaps(flags.pool_caps, config));
  return ApplyProfileBudgets(flags.profile_max_failures, config);
}

}  // namespace scanfleet
