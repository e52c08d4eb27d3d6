#include "web/request_head.h"

#include <string>

namespace aftersales {
namespace {

constexpr std::size_t kMaxContentLengthDigits = 19;  // fits std::uint64_t

bool EqualsLower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// A control character other than horizontal tab (RFC 9110 §5.5: field
// values are visible characters, spaces and tabs; obs-text is allowed).
bool HasControl(std::string_view s) {
  for (unsigned char c : s) {
    if ((c < 0x20 && c != '\t') || c == 0x7f) return true;
  }
  return false;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

Status BadHead(const std::string& message) { return Status::Invalid("headers", message); }

}  // namespace

bool IsTokenChar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

RequestHeadScanner::Verdict RequestHeadScanner::Refuse(int http_status, Status why) {
  refusal_status_ = http_status;
  refusal_ = std::move(why);
  verdict_ = Verdict::kRefused;
  return verdict_;
}

RequestHeadScanner::Verdict RequestHeadScanner::Feed(std::string_view bytes) {
  if (verdict_ != Verdict::kIncomplete) return verdict_;
  for (std::size_t i = scanned_; i < bytes.size(); ++i) {
    if (bytes[i] != '\n') {
      // The rest of the line that has come, up to its LF or the end of the
      // bytes: refused if the line is too long by its last byte, before
      // anything after it is looked at, so that the verdict does not depend
      // on how the bytes were split into reads. (TooLong only grows with
      // the line, so this is the verdict of asking it at each byte.)
      const std::size_t lf = bytes.find('\n', i);
      const std::size_t last = (lf == std::string_view::npos ? bytes.size() : lf) - 1;
      if (TooLong(last + 1 - line_start_)) return verdict_;
      i = last;
      continue;
    }
    if (i == line_start_ || bytes[i - 1] != '\r') {
      return Refuse(400, BadHead("header lines must end with CR LF, not a bare LF"));
    }
    const std::string_view line = bytes.substr(line_start_, i - 1 - line_start_);
    line_start_ = i + 1;
    if (line.empty()) {
      if (!request_line_seen_) {  // an empty line before the request line is skipped
        skipped_ = line_start_;
        continue;
      }
      head_end_ = line_start_;
      scanned_ = line_start_;
      verdict_ = Verdict::kComplete;
      return verdict_;
    }
    if (Line(line) == Verdict::kRefused) return verdict_;
  }
  scanned_ = bytes.size();
  return verdict_;
}

bool RequestHeadScanner::TooLong(std::size_t before_lf) {
  // `before_lf` bytes of a line whose LF has not come: even if the last of
  // them is its CR, the line is before_lf - 1 bytes long. A lone CR may be
  // the blank line that ends the head, which the 16 KiB do not count.
  if (!request_line_seen_ && before_lf > kMaxRequestLineBytes + 1) {
    Refuse(414, Status(Code::kUriTooLong, "the request line exceeds 8 KiB"));
    return true;
  }
  if (request_line_seen_ && before_lf > 1 && header_bytes_ + before_lf + 1 > kMaxHeaderSectionBytes) {
    Refuse(431, Status(Code::kHeadersTooLarge, "the request headers exceed 16 KiB"));
    return true;
  }
  return false;
}

RequestHeadScanner::Verdict RequestHeadScanner::Line(std::string_view line) {
  if (!request_line_seen_) {
    request_line_seen_ = true;
    return RequestLine(line);
  }
  header_bytes_ += line.size() + 2;
  if (header_bytes_ > kMaxHeaderSectionBytes) {
    return Refuse(431, Status(Code::kHeadersTooLarge, "the request headers exceed 16 KiB"));
  }
  return HeaderLine(line);
}

RequestHeadScanner::Verdict RequestHeadScanner::RequestLine(std::string_view line) {
  if (line.size() > kMaxRequestLineBytes) {
    return Refuse(414, Status(Code::kUriTooLong, "the request line exceeds 8 KiB"));
  }
  if (HasControl(line)) return Refuse(400, BadHead("the request line holds a control character"));
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos ||
      line.find(' ', sp2 + 1) != std::string_view::npos || line.find('\t') != std::string_view::npos) {
    return Refuse(400, BadHead("the request line must be: method, one space, target, one space, version"));
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (method.empty()) return Refuse(400, BadHead("the request has no method"));
  for (unsigned char c : method) {
    if (!IsTokenChar(c)) return Refuse(400, BadHead("the method is not a token"));
  }
  if (target.empty()) return Refuse(400, BadHead("the request has no target"));
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return Refuse(400, BadHead("only HTTP/1.1 and HTTP/1.0 are served"));
  }
  return verdict_;
}

RequestHeadScanner::Verdict RequestHeadScanner::HeaderLine(std::string_view line) {
  if (line.front() == ' ' || line.front() == '\t') {
    return Refuse(400, BadHead("folded header lines are refused (RFC 9112 §5.2)"));
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Refuse(400, BadHead("a header line must be name: value"));
  }
  const std::string_view name = line.substr(0, colon);
  for (unsigned char c : name) {
    if (!IsTokenChar(c)) {
      return Refuse(400, BadHead("header name \"" + std::string(TrimOws(name)).substr(0, 64) +
                                 "\" is not a token: no whitespace or other separators before the colon"));
    }
  }
  const std::string_view value = TrimOws(line.substr(colon + 1));
  if (HasControl(value)) return Refuse(400, BadHead("header " + std::string(name) + " holds a control character"));
  if (EqualsLower(name, "transfer-encoding")) {
    return Refuse(411, Status(Code::kLengthRequired,
                              "Transfer-Encoding is not accepted on requests; send Content-Length"));
  }
  if (EqualsLower(name, "content-length")) {
    if (content_length_seen_) return Refuse(400, Status::Invalid("Content-Length", "must be sent once"));
    content_length_seen_ = true;
    if (value.empty() || value.size() > kMaxContentLengthDigits) {
      return Refuse(400, Status::Invalid("Content-Length", "must be a number of bytes"));
    }
    std::uint64_t n = 0;
    for (char c : value) {
      if (c < '0' || c > '9') return Refuse(400, Status::Invalid("Content-Length", "must be a number of bytes"));
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    content_length_ = n;
  } else if (EqualsLower(name, "expect")) {
    expect_continue_ = EqualsLower(value, "100-continue");
  }
  return verdict_;
}

}  // namespace aftersales
