// TempDir: a fresh, uniquely named directory under the system's temporary
// directory, removed with everything in it when the object goes away. For
// tests that need real files (one per test, so tests never share state).
// Not thread-safe to construct concurrently with removal of the same path;
// distinct objects are independent.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace aftersales::testing {

class TempDir {
 public:
  // Creates the directory. Throws std::runtime_error when it cannot (tests
  // cannot run without it).
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "aftersales-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a directory from " + pattern);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // The path of `name` inside the directory (the file is not created).
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace aftersales::testing
