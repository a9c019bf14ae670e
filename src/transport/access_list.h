#pragma once
// Listener access rules (listener.tcp.<name>.access.N = allow|deny <cidr>|all), evaluated
// in order: the first rule that matches the peer decides; when none matches, the peer is
// allowed (esockd's `nomatch -> true`). IPv4-mapped IPv6 peers (a dual-stack listener's
// view of IPv4 clients) are matched against IPv4 rules: core::ip_address stores them as IPv4.
//
// Thread safety: immutable after start; shared by every shard's listener.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cidr.h"
#include "core/ip_address.h"

namespace emqd::transport {

struct access_rule {
    bool allow = true;
    std::optional<core::cidr> block;  // nullopt: `all`

    /// Parses "allow 10.0.0.0/8", "deny ::1", "allow all" (words separated by blanks). On
    /// failure returns nullopt and says why in `why`.
    static std::optional<access_rule> parse(std::string_view text, std::string& why);
    bool matches(const core::ip_address& peer) const { return !block || block->contains(peer); }
    std::string to_string() const;

    bool operator==(const access_rule&) const = default;
};

class access_list {
public:
    access_list() = default;
    explicit access_list(std::vector<access_rule> rules) : _rules(std::move(rules)) {}

    /// Whether `peer` may connect: the first matching rule, else allowed.
    bool allows(const core::ip_address& peer) const;
    bool empty() const { return _rules.empty(); }

private:
    std::vector<access_rule> _rules;
};

}  // namespace emqd::transport
