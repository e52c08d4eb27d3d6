// DecodeMemo: what a stored text decoded to, remembered so that the same
// text read again is not parsed again (a case's document, an order's
// shipments). An entry is found only by its key (the row's id) and the
// whole text it was decoded from, so it never answers for another text: no
// version, transaction or store can make it stale. Bounded: one entry per
// slot, the slot chosen by the key; a newer text takes the slot.
//
// Thread-safe: slots are guarded by a fixed set of mutexes, shared by hash.
// A memo is meant to live as long as the process (never destroyed).
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace aftersales {

template <class Value, std::size_t kSlots = 1024>
class DecodeMemo {
 public:
  // What `text` of `key` decoded to, or nullptr when not remembered.
  std::shared_ptr<const Value> Find(std::string_view key, std::string_view text) {
    const std::size_t h = HashOf(key);
    Slot& slot = slots_[h % kSlots];
    std::lock_guard<std::mutex> lock(locks_[h % kSlots % kLocks]);
    if (slot.key != key || slot.text != text) return nullptr;
    return slot.decoded;
  }

  // Remembers that `text` of `key` decodes to `decoded`.
  void Remember(std::string_view key, std::string_view text, std::shared_ptr<const Value> decoded) {
    const std::size_t h = HashOf(key);
    Slot& slot = slots_[h % kSlots];
    std::lock_guard<std::mutex> lock(locks_[h % kSlots % kLocks]);
    slot.key.assign(key);
    slot.text.assign(text);
    slot.decoded = std::move(decoded);
  }

 private:
  static constexpr std::size_t kLocks = 32;
  static_assert(kSlots % kLocks == 0, "slots that share a lock share it by the same hash");

  struct Slot {
    std::string key;
    std::string text;
    std::shared_ptr<const Value> decoded;
  };

  static std::size_t HashOf(std::string_view key) { return std::hash<std::string_view>()(key); }

  std::array<Slot, kSlots> slots_;
  std::array<std::mutex, kLocks> locks_;
};

}  // namespace aftersales
