// Line reader for emqd.conf, --set arguments and EMQD_* environment variables.
//
// A file line is: optional spaces, a key (no spaces), spaces, '=', spaces, a value, then an
// optional comment that starts with '#' after whitespace. Keys are checked against the
// registry later (config.cpp), so the reader only rejects lines that are not `key = value`.

#include "app/config/config_reader.h"

#include <cctype>
#include <cstring>
#include <fstream>
#include <sstream>

namespace emqd::app::detail {

namespace {

constexpr std::string_view blanks = " \t\r\f\v";

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(blanks);
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = s.find_last_not_of(blanks);
    return s.substr(first, last - first + 1);
}

bool valid_key(std::string_view key) {
    if (key.empty() || key.front() == '.' || key.back() == '.') {
        return false;
    }
    for (char c : key) {
        if (std::isspace(static_cast<unsigned char>(c)) || c == '=' || c == '#') {
            return false;
        }
    }
    return key.find("..") == std::string_view::npos;
}

[[noreturn]] void syntax_error(const std::string& origin, std::string_view what,
                               std::string_view why) {
    throw config_error(origin + ": " + std::string(what) + ": syntax error: " + std::string(why));
}

// Splits the right-hand side of '=' into the value, dropping a trailing comment and quotes.
// Returns false on an unterminated quote or text after the closing quote.
bool read_value(std::string_view rhs, std::string& value) {
    rhs = trim(rhs);
    if (!rhs.empty() && rhs.front() == '"') {
        const auto close = rhs.find('"', 1);
        if (close == std::string_view::npos) {
            return false;
        }
        const std::string_view rest = trim(rhs.substr(close + 1));
        if (!rest.empty() && rest.front() != '#') {
            return false;
        }
        value = std::string(rhs.substr(1, close - 1));
        return true;
    }
    for (std::size_t i = 0; i < rhs.size(); ++i) {
        if (rhs[i] == '#' && (i == 0 || rhs[i - 1] == ' ' || rhs[i - 1] == '\t')) {
            rhs = rhs.substr(0, i);
            break;
        }
    }
    value = std::string(trim(rhs));
    return true;
}

}  // namespace

std::vector<config_entry> read_config_text(std::string_view text, const std::string& source_name) {
    std::vector<config_entry> entries;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);

        line = trim(line);
        if (line.empty() || line.front() == '#') {
            continue;
        }
        const std::string origin = source_name + ":" + std::to_string(line_no);
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) {
            syntax_error(origin, line, "expected 'key = value'");
        }
        const std::string_view key = trim(line.substr(0, eq));
        if (!valid_key(key)) {
            syntax_error(origin, key.empty() ? line : key,
                         "expected 'key = value' with a dotted key like mqtt.max_packet_size");
        }
        std::string value;
        if (!read_value(line.substr(eq + 1), value)) {
            syntax_error(origin, key, "unterminated or misplaced '\"' in the value");
        }
        entries.push_back({std::string(key), std::move(value), origin});
    }
    return entries;
}

std::vector<config_entry> read_config_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw config_error(path + ": cannot open: " + std::strerror(errno));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        throw config_error(path + ": cannot read: " + std::strerror(errno));
    }
    return read_config_text(text.str(), path);
}

std::vector<config_entry> read_overrides(const overrides& sets) {
    std::vector<config_entry> entries;
    std::size_t n = 0;
    for (const std::string& set : sets) {
        const std::string origin = "--set:" + std::to_string(++n);
        const auto eq = set.find('=');
        if (eq == std::string::npos) {
            syntax_error(origin, set, "expected key=value");
        }
        const std::string_view key = trim(std::string_view(set).substr(0, eq));
        if (!valid_key(key)) {
            syntax_error(origin, set, "expected key=value with a dotted key");
        }
        entries.push_back(
            {std::string(key), std::string(trim(std::string_view(set).substr(eq + 1))), origin});
    }
    return entries;
}

std::vector<config_entry> read_environment(char** envp) {
    std::vector<config_entry> entries;
    constexpr std::string_view prefix = "EMQD_";
    for (char** e = envp; e != nullptr && *e != nullptr; ++e) {
        const std::string_view var(*e);
        const auto eq = var.find('=');
        if (eq == std::string_view::npos || var.substr(0, prefix.size()) != prefix) {
            continue;
        }
        const std::string_view name = var.substr(0, eq);
        const std::string_view rest = name.substr(prefix.size());
        if (rest.find("__") == std::string_view::npos) {
            continue;  // EMQD_BIN, EMQD_HOME...: not config keys
        }
        std::string key;
        for (std::size_t i = 0; i < rest.size(); ++i) {
            if (rest[i] == '_' && i + 1 < rest.size() && rest[i + 1] == '_') {
                key += '.';
                ++i;
            } else {
                key += static_cast<char>(std::tolower(static_cast<unsigned char>(rest[i])));
            }
        }
        entries.push_back(
            {std::move(key), std::string(trim(var.substr(eq + 1))), std::string(name)});
    }
    return entries;
}

}  // namespace emqd::app::detail
