// RequestHeadScanner: a strict, incremental reading of one HTTP/1.1 request
// head (RFC 9112 §2-§6), done by the connection loop before a request is
// handed to a worker. It decides three things from raw bytes, as they
// arrive, looking at each byte once:
//  - whether the head is complete, and how long the body that follows is;
//  - whether the head must be refused, and with which answer: a bare LF
//    (400), a header name that is not an RFC 9110 token, whitespace before
//    the colon or a folded line (400), a control character in a line (400),
//    a request line over the URI limit (414), header lines over 16 KiB
//    (431), any Transfer-Encoding (411), a Content-Length that is repeated
//    or not digits (400);
//  - whether the client waits for "100 Continue".
// cpp-httplib parses the same bytes again afterwards; this reading exists so
// that nothing it would silently ignore (a spaced "Content-Length :") can
// frame a request differently from how this server frames it.
// Plain value type; not thread-safe (one per connection).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "domain/status.h"

namespace aftersales {

// A request line of 8 KiB with its CR LF (cpp-httplib's own bound on it);
// longer answers 414.
constexpr std::size_t kMaxRequestLineBytes = 8 * 1024 - 2;
constexpr std::size_t kMaxHeaderSectionBytes = 16 * 1024;          // 431 above (SPEC §6.13)

class RequestHeadScanner {
 public:
  enum class Verdict { kIncomplete, kComplete, kRefused };

  // Reads `bytes`, which holds everything received for this request so far
  // (the same prefix again plus what is new); only the new part is scanned.
  // Leading empty lines before the request line are skipped (RFC 9112
  // §2.2); skipped() says how many bytes they took.
  Verdict Feed(std::string_view bytes);

  Verdict verdict() const { return verdict_; }
  // Once complete: the bytes of the head, blank line included (counted from
  // the start of `bytes`, skipped empty lines included).
  std::size_t head_bytes() const { return head_end_; }
  std::size_t skipped() const { return skipped_; }
  // Once complete: the declared body length (0 without Content-Length).
  std::uint64_t content_length() const { return content_length_; }
  bool expects_continue() const { return expect_continue_; }
  // Once refused: the HTTP status (400, 411, 414, 431) and the problem.
  int refusal_status() const { return refusal_status_; }
  const Status& refusal() const { return refusal_; }

 private:
  Verdict Refuse(int http_status, Status why);
  // Whether a line with `before_lf` bytes so far and no LF yet can no
  // longer be accepted; if so, refuses it (414 or 431).
  bool TooLong(std::size_t before_lf);
  Verdict Line(std::string_view line);
  Verdict RequestLine(std::string_view line);
  Verdict HeaderLine(std::string_view line);

  Verdict verdict_ = Verdict::kIncomplete;
  std::size_t scanned_ = 0;     // bytes looked at
  std::size_t line_start_ = 0;  // where the current line begins
  std::size_t skipped_ = 0;
  std::size_t head_end_ = 0;
  std::size_t header_bytes_ = 0;
  bool request_line_seen_ = false;
  bool content_length_seen_ = false;
  std::uint64_t content_length_ = 0;
  bool expect_continue_ = false;
  int refusal_status_ = 0;
  Status refusal_;
};

// Whether `c` may appear in an RFC 9110 token (a header name, a method).
bool IsTokenChar(unsigned char c);

}  // namespace aftersales
