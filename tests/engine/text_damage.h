// DamageText: one to three random edits of a text (a byte of `alphabet`
// inserted or put in place of one, or a byte erased), for the property
// tests that hold a strict reader of JSON to a reference on texts close to
// valid ones. Deterministic for a given generator state.
#pragma once

#include <random>
#include <string>

namespace aftersales::testing {

inline void DamageText(std::string& text, std::mt19937& random, const std::string& alphabet) {
  const int edits = 1 + static_cast<int>(random() % 3);
  for (int e = 0; e < edits; ++e) {
    const std::size_t at = text.empty() ? 0 : random() % (text.size() + 1);
    const char c = alphabet[random() % alphabet.size()];
    switch (random() % 3) {
      case 0:
        text.insert(at, 1, c);
        break;
      case 1:
        if (at < text.size()) text.erase(at, 1);
        break;
      default:
        if (at < text.size()) text[at] = c;
    }
  }
}

}  // namespace aftersales::testing
