#include "web/request_limits.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

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

Status CheckFraming(const httplib::Request& req) {
  if (req.has_header("Transfer-Encoding")) {
    return Status(Code::kLengthRequired, "Transfer-Encoding is not accepted; send the body with a Content-Length");
  }
  std::size_t bytes = 0;
  for (const auto& [name, value] : req.headers) {
    for (char c : value) {
      if (c == '\r' || c == '\n' || c == '\0') {
        return Status::Invalid(name, "header values must not contain CR, LF or NUL");
      }
    }
    if (HasEncodedCrOrLf(value)) return Status::Invalid(name, "header values must not contain encoded CR or LF");
    bytes += name.size() + value.size() + 4;  // "name: value\r\n"
  }
  for (const char* added : kServerAddedHeaders) {
    // The entry cpp-httplib added is the last one with this name.
    const auto count = req.get_header_value_count(added);
    if (count > 0) {
      const std::string v = req.get_header_value(added, count - 1);
      bytes -= std::min(bytes, std::char_traits<char>::length(added) + v.size() + 4);
    }
  }
  if (bytes > kMaxHeaderBytes) return Status(Code::kHeadersTooLarge, "the request headers exceed 16 KiB");
  const auto lengths = req.get_header_value_count("Content-Length");
  if (lengths > 1) return Status::Invalid("Content-Length", "Content-Length must appear once");
  if (lengths == 1) {
    const std::string v = req.get_header_value("Content-Length");
    if (v.empty() || v.size() > 18 || !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return Status::Invalid("Content-Length", "Content-Length must be a decimal number");
    }
  }
  return Status::Ok();
}

std::size_t DeclaredBodyBytes(const httplib::Request& req) {
  if (!req.has_header("Content-Length")) return 0;
  const std::string v = req.get_header_value("Content-Length");
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
