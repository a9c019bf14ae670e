#pragma once
// What store::open() throws when it cannot give the broker a usable store: the directory
// cannot be created or opened (permissions, another process holds its lock), a damaged
// store under corruption_policy::stop, a store written by a newer format. The message names
// the directory and RocksDB's status, ready for the operator.

#include <stdexcept>
#include <string>

namespace emqd::storage {

class storage_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace emqd::storage
