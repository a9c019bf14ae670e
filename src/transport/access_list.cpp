#include "transport/access_list.h"

namespace emqd::transport {

namespace {

bool blank(char c) {
    return c == ' ' || c == '\t';
}

std::vector<std::string_view> words(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && blank(text[i]))
            ++i;
        const std::size_t start = i;
        while (i < text.size() && !blank(text[i]))
            ++i;
        if (i > start)
            out.push_back(text.substr(start, i - start));
    }
    return out;
}

}  // namespace

std::optional<access_rule> access_rule::parse(std::string_view text, std::string& why) {
    const auto w = words(text);
    if (w.size() != 2 || (w[0] != "allow" && w[0] != "deny")) {
        why = "expected \"allow|deny <cidr>|all\", like \"deny 10.0.0.0/8\" or \"allow all\"";
        return std::nullopt;
    }
    access_rule r;
    r.allow = w[0] == "allow";
    if (w[1] != "all") {
        r.block = core::parse_cidr(w[1], &why);
        if (!r.block)
            return std::nullopt;
    }
    return r;
}

std::string access_rule::to_string() const {
    return std::string(allow ? "allow " : "deny ") + (block ? block->to_string() : "all");
}

bool access_list::allows(const core::ip_address& peer) const {
    for (const access_rule& r : _rules)
        if (r.matches(peer))
            return r.allow;
    return true;
}

}  // namespace emqd::transport
