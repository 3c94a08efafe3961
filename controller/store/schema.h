// The controller's SQLite schema, as an ordered list of migrations.
// migrations[i] takes the schema from version i to i+1; never edit a shipped
// migration, append a new one.
#pragma once

#include <string>
#include <vector>

namespace scanfleet {

const std::vector<std::string>& ControllerMigrations();

}  // namespace scanfleet
