// Request limits of SPEC §6.13, checked on the parsed request line and
// headers before any body byte is read (cpp-httplib's pre-routing stage).
// They also close holes of cpp-httplib 0.11.4: a chunked body bypasses its
// payload limit, header values are percent-decoded (so %0D%0A arrives as a
// real CR LF), and header size is unbounded. Pure functions over the
// request; thread-safe.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <optional>

#include "domain/status.h"

namespace aftersales {

constexpr std::size_t kMaxBodyBytes = 1024 * 1024;  // 413 above
constexpr std::size_t kMaxHeaderBytes = 16 * 1024;  // 431 above

// Framing and header checks, in this order: any Transfer-Encoding →
// length_required (411); a header value holding CR, LF or NUL, or the text
// "%0D"/"%0A" in any case (a value encoded twice) → validation_failed
// (400); headers over kMaxHeaderBytes → headers_too_large (431); more than
// one or a malformed Content-Length → validation_failed (400).
Status CheckFraming(const httplib::Request& req);

// The first value of header `name` (any case), or nullptr when it is
// absent: one search of the headers, where has_header and then
// get_header_value are two.
const std::string* FirstHeaderValue(const httplib::Request& req, const std::string& name);

// The declared body length (0 when absent). Call after CheckFraming.
std::size_t DeclaredBodyBytes(const httplib::Request& req);

// payload_too_large (413) when the declared body exceeds kMaxBodyBytes.
Status CheckBodySize(const httplib::Request& req);

// POST, PATCH and PUT requests with a body must declare
// `Content-Type: application/json` (parameters such as charset allowed);
// else unsupported_media_type (415). A request without a body passes. A
// Content-Encoding other than identity is refused the same way (cpp-httplib
// would inflate a compressed body without bound).
Status CheckContentType(const httplib::Request& req);

// Whether the media type of a Content-Type value is application/json.
bool IsJsonMediaType(const std::string& content_type);

}  // namespace aftersales
