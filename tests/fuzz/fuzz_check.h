// FUZZ_CHECK: the fuzz targets' assertion. When an invariant breaks it
// prints the condition, where, and a message, then aborts, so that libFuzzer
// records the input as a crash. The message is built only on failure.
// Thread-safe (it only writes to stderr and aborts).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

namespace aftersales::fuzz {

[[noreturn]] inline void FailInvariant(const char* file, int line, const char* condition, const std::string& message) {
  std::fprintf(stderr, "\nfuzz invariant broken at %s:%d: %s\n  %s\n", file, line, condition, message.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace aftersales::fuzz

#define FUZZ_CHECK(condition, message)                                                              \
  do {                                                                                              \
    if (!(condition)) ::aftersales::fuzz::FailInvariant(__FILE__, __LINE__, #condition, (message)); \
  } while (false)
