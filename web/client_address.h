// The address a request came from when the server sits behind reverse
// proxies (`serve --trusted-proxy`): what the access log shows as `remote`
// and what login throttling counts failures against.
//
// A proxy says whom it forwards for in `X-Forwarded-For: client, proxy1,
// proxy2`, each hop appending the address it received the request from.
// Anybody can send that header, so it is believed only from a peer the
// operator named, and only as far as the chain stays within named proxies:
// the list is read from the right, trusted addresses are skipped, and the
// first address that is not trusted is the client. An attacker can put
// anything to the left of that address, but nothing the server reads.
//
// Pure functions over values; TrustedProxies is immutable once parsed.
// Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/status.h"

namespace httplib {
struct Request;  // <httplib.h>; only ClientAddressOf needs it
}  // namespace httplib

namespace aftersales {

// An IPv4 or IPv6 address. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is
// its IPv4 address.
struct IpAddress {
  bool v4 = false;
  std::array<std::uint8_t, 16> bytes{};  // IPv4: the first 4

  // An address in the usual text forms ("192.0.2.1", "2001:db8::1"); an
  // IPv6 address may stand in brackets ("[2001:db8::1]"). nullopt for
  // anything else: a host name, a port, a zone id, an empty string.
  static std::optional<IpAddress> Parse(std::string_view text);
  // The canonical text ("2001:db8::1", lower case, shortest form).
  std::string ToString() const;
};

// The proxies whose X-Forwarded-For the server believes.
class TrustedProxies {
 public:
  TrustedProxies() = default;  // trusts nobody

  // Each entry an address ("127.0.0.1", "::1") or a CIDR block
  // ("10.0.0.0/8", "fd00::/8"). Errors: validation_failed (field
  // "--trusted-proxy") naming the first entry that is neither, or a block
  // with bits set past its prefix ("10.0.0.1/8").
  static Result<TrustedProxies> Parse(const std::vector<std::string>& entries);

  bool empty() const { return blocks_.empty(); }
  // Whether `address` lies in one of the blocks.
  bool Contains(const IpAddress& address) const;

 private:
  struct Block {
    IpAddress base;
    int prefix_bits = 0;
  };
  std::vector<Block> blocks_;
};

// The client address of a request that arrived from `peer` (the socket's
// address) with `forwarded_for`, the values of its X-Forwarded-For header
// lines in order (several lines are one comma-separated list):
// - `peer` unless it is a trusted proxy (the header is then ignored);
// - otherwise the rightmost address of the list that is not trusted;
// - the leftmost address when every address of the list is trusted;
// - an element that is not an address ("unknown", a name, an address with a
//   port, an empty element) ends the walk: the client is then the trusted
//   hop to its right, which is `peer` when nothing else was walked.
// Addresses come back in canonical form (IpAddress::ToString); a `peer`
// that does not parse comes back as given.
std::string ClientAddress(std::string_view peer, const std::vector<std::string>& forwarded_for,
                          const TrustedProxies& trusted);

// ClientAddress of a request as cpp-httplib parsed it: `req.remote_addr`
// and every X-Forwarded-For line.
std::string ClientAddressOf(const httplib::Request& req, const TrustedProxies& trusted);

}  // namespace aftersales
