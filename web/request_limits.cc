#include "web/request_limits.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iterator>
#include <string>
#include <string_view>

namespace aftersales {
namespace {

// Entries cpp-httplib adds to the headers itself; they are not the client's.
constexpr const char* kServerAddedHeaders[] = {"REMOTE_ADDR", "REMOTE_PORT", "LOCAL_ADDR", "LOCAL_PORT"};

bool HasEncodedCrOrLf(const std::string& v) {
  for (std::size_t i = 0; i + 2 < v.size(); ++i) {
    if (v[i] != '%' || v[i + 1] != '0') continue;
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(v[i + 2])));
    if (c == 'd' || c == 'a') return true;
  }
  return false;
}

// Header names compare as cpp-httplib's map compares them: ASCII letters
// without regard to case, every other byte as it is.
bool EqualsIgnoringCase(const std::string& a, std::string_view b) {
  auto fold = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return fold(x) == fold(y); });
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string Trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

}  // namespace

// One pass over the headers (each lookup by name is a search of the
// case-insensitive map, and this runs on every request); the verdicts keep
// the order the contract gives them.
Status CheckFraming(const httplib::Request& req) {
  bool chunked = false;
  Status bad_value;
  std::size_t bytes = 0;
  // The entry cpp-httplib added under each of kServerAddedHeaders is the
  // last one with that name: entries of one name keep their insertion order.
  std::size_t added_bytes[std::size(kServerAddedHeaders)] = {};
  std::size_t lengths = 0;
  const std::string* length = nullptr;
  for (const auto& [name, value] : req.headers) {
    if (EqualsIgnoringCase(name, "Transfer-Encoding")) chunked = true;
    if (EqualsIgnoringCase(name, "Content-Length")) {
      ++lengths;
      length = &value;
    }
    for (std::size_t i = 0; i < std::size(kServerAddedHeaders); ++i) {
      if (EqualsIgnoringCase(name, kServerAddedHeaders[i])) added_bytes[i] = name.size() + value.size() + 4;
    }
    if (bad_value.ok()) {
      if (std::any_of(value.begin(), value.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; })) {
        bad_value = Status::Invalid(name, "header values must not contain CR, LF or NUL");
      } else if (HasEncodedCrOrLf(value)) {
        bad_value = Status::Invalid(name, "header values must not contain encoded CR or LF");
      }
    }
    bytes += name.size() + value.size() + 4;  // "name: value\r\n"
  }
  if (chunked) {
    return Status(Code::kLengthRequired, "Transfer-Encoding is not accepted; send the body with a Content-Length");
  }
  if (!bad_value.ok()) return bad_value;
  for (const std::size_t added : added_bytes) bytes -= std::min(bytes, added);
  if (bytes > kMaxHeaderBytes) return Status(Code::kHeadersTooLarge, "the request headers exceed 16 KiB");
  if (lengths > 1) return Status::Invalid("Content-Length", "Content-Length must appear once");
  if (length != nullptr) {
    const std::string& v = *length;
    if (v.empty() || v.size() > 18 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return Status::Invalid("Content-Length", "Content-Length must be a decimal number");
    }
  }
  return Status::Ok();
}

const std::string* FirstHeaderValue(const httplib::Request& req, const std::string& name) {
  const auto it = req.headers.lower_bound(name);
  if (it == req.headers.end() || req.headers.key_comp()(name, it->first)) return nullptr;
  return &it->second;
}

std::size_t DeclaredBodyBytes(const httplib::Request& req) {
  static const std::string kContentLength = "Content-Length";
  const std::string* value = FirstHeaderValue(req, kContentLength);
  if (value == nullptr) return 0;
  const std::string& v = *value;
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  // Unreadable values were refused by CheckFraming; count them as too large.
  if (ec != std::errc() || end != v.data() + v.size()) return static_cast<std::size_t>(-1);
  return n;
}

Status CheckBodySize(const httplib::Request& req) {
  if (DeclaredBodyBytes(req) > kMaxBodyBytes) {
    return Status(Code::kPayloadTooLarge, "the request body exceeds 1 MiB");
  }
  return Status::Ok();
}

bool IsJsonMediaType(const std::string& content_type) {
  const std::string media = Lower(Trim(content_type.substr(0, content_type.find(';'))));
  return media == "application/json";
}

Status CheckContentType(const httplib::Request& req) {
  if (req.has_header("Content-Encoding") && Lower(Trim(req.get_header_value("Content-Encoding"))) != "identity") {
    // The library would inflate it without bound.
    return Status(Code::kUnsupportedMediaType, "compressed request bodies are not accepted");
  }
  if (req.method != "POST" && req.method != "PATCH" && req.method != "PUT") return Status::Ok();
  if (DeclaredBodyBytes(req) == 0) return Status::Ok();
  if (!IsJsonMediaType(req.get_header_value("Content-Type"))) {
    return Status(Code::kUnsupportedMediaType, "the body must be sent as Content-Type: application/json");
  }
  return Status::Ok();
}

}  // namespace aftersales
