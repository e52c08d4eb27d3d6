#include "web/client_address.h"

#include <arpa/inet.h>
#include <httplib.h>

#include <charconv>
#include <cstring>

namespace aftersales {
namespace {

constexpr int kV4Bits = 32;
constexpr int kV6Bits = 128;
// ::ffff:a.b.c.d: ten zero bytes, then two 0xff bytes, then the IPv4 address.
constexpr std::size_t kMappedPrefixBytes = 12;
constexpr int kMappedPrefixBits = 96;
constexpr const char* kForwardedForHeader = "X-Forwarded-For";

std::string_view Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

bool IsMappedV4(const std::array<std::uint8_t, 16>& b) {
  for (std::size_t i = 0; i < 10; ++i) {
    if (b[i] != 0) return false;
  }
  return b[10] == 0xff && b[11] == 0xff;
}

// Whether the first `bits` bits of `a` and `b` are equal.
bool SamePrefix(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& b, int bits) {
  const auto whole = static_cast<std::size_t>(bits / 8);
  if (std::memcmp(a.data(), b.data(), whole) != 0) return false;
  const int rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

// Whether any bit past the first `bits` of an address of `total` bits is set.
bool HostBitsSet(const std::array<std::uint8_t, 16>& a, int bits, int total) {
  for (int bit = bits; bit < total; ++bit) {
    if (a[static_cast<std::size_t>(bit / 8)] & (0x80 >> (bit % 8))) return true;
  }
  return false;
}

}  // namespace

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    // Only an IPv6 address is written in brackets.
    const std::string_view inner = text.substr(1, text.size() - 2);
    if (inner.find(':') == std::string_view::npos || inner.front() == '[') return std::nullopt;
    return Parse(inner);
  }
  const std::string s(text);
  IpAddress address;
  if (::inet_pton(AF_INET, s.c_str(), address.bytes.data()) == 1) {
    address.v4 = true;
    return address;
  }
  if (::inet_pton(AF_INET6, s.c_str(), address.bytes.data()) != 1) return std::nullopt;
  if (IsMappedV4(address.bytes)) {
    IpAddress v4;
    v4.v4 = true;
    std::memcpy(v4.bytes.data(), address.bytes.data() + kMappedPrefixBytes, 4);
    return v4;
  }
  return address;
}

std::string IpAddress::ToString() const {
  char text[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(v4 ? AF_INET : AF_INET6, bytes.data(), text, sizeof text);
  return text;
}

Result<TrustedProxies> TrustedProxies::Parse(const std::vector<std::string>& entries) {
  TrustedProxies trusted;
  for (const std::string& entry : entries) {
    const auto invalid = [&entry](const std::string& why) {
      return Status::Invalid("--trusted-proxy", "--trusted-proxy '" + entry + "' " + why);
    };
    const std::string_view text = Trim(entry);
    const auto slash = text.find('/');
    const std::optional<IpAddress> base = IpAddress::Parse(text.substr(0, slash));
    if (!base) return invalid("is not an IP address or a CIDR block (ADDRESS or ADDRESS/BITS)");
    Block block{*base, base->v4 ? kV4Bits : kV6Bits};
    if (slash != std::string_view::npos) {
      const std::string_view bits = text.substr(slash + 1);
      int prefix = -1;
      const auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
      // A mapped IPv4 block written as IPv6 (::ffff:10.0.0.0/104) counts its
      // bits from the IPv6 address's start.
      const bool mapped = base->v4 && text.substr(0, slash).find(':') != std::string_view::npos;
      const int total = mapped ? kV6Bits : block.prefix_bits;
      if (ec != std::errc() || end != bits.data() + bits.size() || bits.empty() || prefix < 0 || prefix > total) {
        return invalid("has a prefix length that is not a number from 0 to " + std::to_string(total));
      }
      if (mapped) {
        if (prefix < kMappedPrefixBits) return invalid("reaches past the IPv4-mapped range (::ffff:0:0/96)");
        prefix -= kMappedPrefixBits;
      }
      if (HostBitsSet(base->bytes, prefix, base->v4 ? kV4Bits : kV6Bits)) {
        return invalid("has address bits set past its prefix length");
      }
      block.prefix_bits = prefix;
    }
    trusted.blocks_.push_back(block);
  }
  return trusted;
}

bool TrustedProxies::Contains(const IpAddress& address) const {
  for (const Block& block : blocks_) {
    if (block.base.v4 == address.v4 && SamePrefix(block.base.bytes, address.bytes, block.prefix_bits)) return true;
  }
  return false;
}

std::string ClientAddress(std::string_view peer, const std::vector<std::string>& forwarded_for,
                          const TrustedProxies& trusted) {
  const std::optional<IpAddress> peer_address = IpAddress::Parse(peer);
  if (!peer_address) return std::string(peer);
  if (!trusted.Contains(*peer_address)) return peer_address->ToString();
  IpAddress client = *peer_address;
  // Right to left over every element of every line, the last line first.
  for (auto line = forwarded_for.rbegin(); line != forwarded_for.rend(); ++line) {
    std::string_view rest(*line);
    while (true) {
      const auto comma = rest.rfind(',');
      const std::string_view element = Trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
      const std::optional<IpAddress> hop = IpAddress::Parse(element);
      if (!hop) return client.ToString();
      client = *hop;
      if (!trusted.Contains(client)) return client.ToString();
      if (comma == std::string_view::npos) break;
      rest = rest.substr(0, comma);
    }
  }
  return client.ToString();
}

std::string ClientAddressOf(const httplib::Request& req, const TrustedProxies& trusted) {
  std::vector<std::string> forwarded_for;
  if (!trusted.empty()) {
    const std::size_t lines = req.get_header_value_count(kForwardedForHeader);
    for (std::size_t i = 0; i < lines; ++i) forwarded_for.push_back(req.get_header_value(kForwardedForHeader, i));
  }
  return ClientAddress(req.remote_addr, forwarded_for, trusted);
}

}  // namespace aftersales
