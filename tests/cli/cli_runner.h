// RunCli: runs the built `aftersales` program as a child process, with the
// given arguments and standard input, and returns its exit code and output.
// The program's path comes from the environment variable AFTERSALES_BIN,
// which CTest sets; without it the calling test fails. Failures to start
// are recorded as test failures without throwing, so RunCli may be called
// inside CHECK expressions.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/temp_dir.h"

extern char** environ;

namespace aftersales::testing {

struct CliResult {
  int exit_code = -1;  // -1: killed by a signal or never started
  std::string out;
  std::string err;
};

inline std::string ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline bool WriteFileText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.flush();
  if (!out.good()) FAIL_CHECK("cannot write " << path);
  return out.good();
}

// Runs `aftersales args...` with `stdin_text` on its standard input.
inline CliResult RunCli(const std::vector<std::string>& args, const std::string& stdin_text = "") {
  CliResult result;
  const char* env = std::getenv("AFTERSALES_BIN");
  if (env == nullptr || *env == '\0') {
    FAIL_CHECK("AFTERSALES_BIN is not set: run these tests through ctest");
    return result;
  }
  const std::string bin = env;
  TempDir io;
  const std::string in_path = io.File("stdin");
  const std::string out_path = io.File("stdout");
  const std::string err_path = io.File("stderr");
  if (!WriteFileText(in_path, stdin_text)) return result;

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);

  std::vector<std::string> argv_strings{bin};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);

  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, bin.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    FAIL_CHECK("cannot start " << bin << ": error " << spawned);
    return result;
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) {
    FAIL_CHECK("waitpid failed for " << bin);
    return result;
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFileText(out_path);
  result.err = ReadFileText(err_path);
  return result;
}

}  // namespace aftersales::testing
