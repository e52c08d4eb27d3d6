// `aftersales demo`: fills a database with realistic orders, users and cases
// in every state (SPEC §8) and prints the logins it created.
#pragma once

#include <string>

namespace aftersales {

// Returns the process exit code: 0 on success, 2 when the database cannot
// be used, with the reason written to stderr.
int RunDemo(const std::string& db_path);

}  // namespace aftersales
