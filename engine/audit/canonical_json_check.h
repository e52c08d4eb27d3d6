// IsCanonicalJson: whether a JSON text is already in the canonical form the
// audit log hashes (RFC 8785 as CanonicalJson in engine/audit/audit_log.h
// writes it: sorted keys by UTF-16 code units, no whitespace, integers only
// within ±(2^53 − 1), the shortest string escapes, valid UTF-8, nesting at
// most 256 deep). One pass over the bytes, no allocation, no parse tree:
// what `audit verify` runs on every stored `data` column, so that the text
// can be hashed as it is stored. Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace aftersales {

// True exactly when `text` parses as JSON and CanonicalJson of the parsed
// value succeeds and equals `text` byte for byte.
bool IsCanonicalJson(std::string_view text);

// Where the run of bytes from `pos` that a JSON string holds as they are
// ends: the first byte at or after `pos` below 0x20, at or above 0x80, '"'
// or '\\' (s.size() when there is none). 16 bytes at a time where SSE2 is
// there; shared by the checker and the canonical writer.
std::size_t PlainStringRunEnd(std::string_view s, std::size_t pos);

}  // namespace aftersales
