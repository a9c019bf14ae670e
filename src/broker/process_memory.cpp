#include "broker/process_memory.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>

namespace emqd::broker {

namespace {

// The first number in `path`, or 0 ("max" and unreadable files count as no limit).
std::uint64_t read_number(const char* path) {
    std::ifstream in(path);
    std::uint64_t n = 0;
    if (!(in >> n))
        return 0;
    return n;
}

}  // namespace

std::uint64_t resident_memory() {
    // statm: size resident shared text lib data dt, in pages.
    std::ifstream in("/proc/self/statm");
    std::uint64_t size = 0, resident = 0;
    if (!(in >> size >> resident))
        return 0;
    return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

std::uint64_t memory_limit() {
    const long pages = ::sysconf(_SC_PHYS_PAGES);
    const long page = ::sysconf(_SC_PAGESIZE);
    std::uint64_t limit = pages > 0 && page > 0
                              ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page)
                              : 0;
    // A cgroup without a limit reports "max" (v2) or a huge number (v1): both lose to the
    // physical memory in the min below.
    for (const char* path :
         {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
        const std::uint64_t cg = read_number(path);
        if (cg != 0)
            limit = limit == 0 ? cg : std::min(limit, cg);
    }
    return limit;
}

}  // namespace emqd::broker
