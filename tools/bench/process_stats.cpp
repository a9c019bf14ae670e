#include "process_stats.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace emqd::bench {
namespace {

std::string proc_path(std::uint32_t pid, const char* file) {
    return "/proc/" + (pid ? std::to_string(pid) : std::string("self")) + "/" + file;
}

}  // namespace

std::optional<double> cpu_seconds(std::uint32_t pid) {
    std::ifstream in(proc_path(pid, "stat"));
    std::string line;
    if (!std::getline(in, line))
        return std::nullopt;
    const auto paren = line.rfind(')');  // the command name may hold spaces and ')'
    if (paren == std::string::npos)
        return std::nullopt;
    std::istringstream fields(line.substr(paren + 2));
    std::string skip;
    for (int k = 0; k < 11; ++k)  // state .. cmajflt (fields 3-13)
        fields >> skip;
    unsigned long long utime = 0, stime = 0;
    if (!(fields >> utime >> stime))
        return std::nullopt;
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

std::optional<std::uint64_t> rss_bytes(std::uint32_t pid) {
    std::ifstream in(proc_path(pid, "statm"));
    unsigned long long size = 0, resident = 0;
    if (!(in >> size >> resident))
        return std::nullopt;
    return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

cpu_meter::cpu_meter(std::uint32_t pid)
    : _pid(pid), _cpu(cpu_seconds(pid)), _at(std::chrono::steady_clock::now()) {}

std::optional<double> cpu_meter::sample() {
    const auto cpu = cpu_seconds(_pid);
    const auto at = std::chrono::steady_clock::now();
    std::optional<double> pct;
    const double wall = std::chrono::duration<double>(at - _at).count();
    if (cpu && _cpu && wall > 0)
        pct = (*cpu - *_cpu) / wall * 100.0;
    _cpu = cpu;
    _at = at;
    return pct;
}

}  // namespace emqd::bench
