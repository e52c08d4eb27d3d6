// UTF-8 checks (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF), shared by the request parser, the order importer and the
// audit log's canonical JSON. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace aftersales {

// Decodes one code point at s[*pos] and advances *pos past it. False on
// malformed input (then *pos and *cp are unspecified).
bool DecodeUtf8(std::string_view s, std::size_t* pos, char32_t* cp);
// Appends code point `cp` (at most U+10FFFF, not a surrogate) as UTF-8.
void AppendUtf8(std::string& out, char32_t cp);
// Whether `s` is well-formed UTF-8.
bool IsValidUtf8(std::string_view s);
// Well-formed UTF-8 without control characters (C0, DEL, C1).
bool IsCleanUtf8(std::string_view s);

}  // namespace aftersales
