// DecodeMemo: what a stored text decoded to, remembered so that the same
// text read again is not parsed again (a case's document, an order's
// shipments). An entry is found only by its key (the row's id) and the
// whole text it was decoded from, so it never answers for another text: no
// version, transaction or store can make it stale. Bounded: kSlots
// entries. A key may sit in either of two slots chosen by its hash, so that
// two keys of one slot both stay; a newer text of a key takes its slot,
// another key takes the one of the two used longer ago. (Two threads
// remembering one key at once may leave it in both slots, each entry still
// answering only for its own text, until one is evicted.)
//
// Thread-safe: slots are guarded by a fixed set of mutexes, shared by hash.
// A memo is meant to live as long as the process (never destroyed).
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
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
    for (const std::size_t i : SlotsOf(key)) {
      Slot& slot = slots_[i];
      std::lock_guard<std::mutex> lock(locks_[i % kLocks]);
      if (slot.key == key && slot.text == text) {
        slot.used = ++tick_;
        return slot.decoded;
      }
    }
    return nullptr;
  }

  // Remembers that `text` of `key` decodes to `decoded`.
  void Remember(std::string_view key, std::string_view text, std::shared_ptr<const Value> decoded) {
    const std::array<std::size_t, 2> slots = SlotsOf(key);
    // The slot that holds the key, else the one used longer ago. Each slot
    // is read under its own lock, never two at once: a slot chosen by two
    // threads at the same time just keeps the later entry.
    std::size_t target = slots[0];
    {
      bool first_holds_key = false;
      std::uint64_t first_used = 0;
      {
        std::lock_guard<std::mutex> lock(locks_[slots[0] % kLocks]);
        first_holds_key = slots_[slots[0]].key == key;
        first_used = slots_[slots[0]].used;
      }
      if (!first_holds_key) {
        std::lock_guard<std::mutex> lock(locks_[slots[1] % kLocks]);
        if (slots_[slots[1]].key == key || slots_[slots[1]].used < first_used) target = slots[1];
      }
    }
    Slot& slot = slots_[target];
    std::lock_guard<std::mutex> lock(locks_[target % kLocks]);
    slot.key.assign(key);
    slot.text.assign(text);
    slot.decoded = std::move(decoded);
    slot.used = ++tick_;
  }

  // The two slots `key` may sit in, distinct (exposed for tests).
  static std::array<std::size_t, 2> SlotsOf(std::string_view key) {
    const std::size_t h = std::hash<std::string_view>()(key);
    const std::size_t first = h % kSlots;
    std::size_t second = (h / kSlots) % kSlots;
    if (second == first) second = (first + 1) % kSlots;
    return {first, second};
  }

 private:
  static constexpr std::size_t kLocks = 32;
  static_assert(kSlots % kLocks == 0, "slots that share a lock share it by the same hash");

  static_assert(kSlots >= 2, "a key has two slots");

  struct Slot {
    std::string key;
    std::string text;
    std::shared_ptr<const Value> decoded;
    std::uint64_t used = 0;  // tick_ when last found or written
  };

  std::array<Slot, kSlots> slots_;
  std::array<std::mutex, kLocks> locks_;
  std::atomic<std::uint64_t> tick_{0};
};

}  // namespace aftersales
