// MemoryTrimmer: keeps the server's resident memory near what it uses.
//
// glibc's malloc gives each thread one of up to 8 arenas per core and hands
// freed memory back to the system only from the top of each heap, so a
// server whose many threads allocate and free per request keeps the peak of
// every arena: after a 90 s load of 32 clients, 172 MB held against 25 MB in
// use (docs/BENCHMARKS.md, "Memory under a long load"). The trimmer's thread
// calls malloc_trim(0) every period, which returns the free pages of every
// arena (a no-op without glibc). Thread-safe; Stop() (also the destructor)
// joins the thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace aftersales {

class MemoryTrimmer {
 public:
  explicit MemoryTrimmer(std::chrono::seconds every);
  ~MemoryTrimmer();
  MemoryTrimmer(const MemoryTrimmer&) = delete;
  MemoryTrimmer& operator=(const MemoryTrimmer&) = delete;

  void Start();  // idempotent
  void Stop();

 private:
  void Run();

  const std::chrono::seconds every_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace aftersales
