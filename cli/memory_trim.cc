#include "cli/memory_trim.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace aftersales {

MemoryTrimmer::MemoryTrimmer(std::chrono::seconds every) : every_(every) {}

MemoryTrimmer::~MemoryTrimmer() { Stop(); }

void MemoryTrimmer::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void MemoryTrimmer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void MemoryTrimmer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!wake_.wait_for(lock, every_, [this] { return stopping_; })) {
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
  }
}

}  // namespace aftersales
