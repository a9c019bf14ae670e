#pragma once
// Retained messages, one per topic (spec 3.3.1.3). A retained PUBLISH with an empty payload
// deletes the topic's message. On SUBSCRIBE the retained messages matching the filter are
// sent to the new subscriber.
//
// Thread safety: every member function may be called from any thread (internally locked;
// retained traffic is rare next to plain publishes).

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "core/message.h"

namespace emqd::router {

class retained_store {
public:
    retained_store();
    ~retained_store();
    retained_store(const retained_store&) = delete;
    retained_store& operator=(const retained_store&) = delete;

    /// Stores msg as its topic's retained message, or deletes the topic's message when the
    /// payload is empty.
    void put(const core::message_ptr& msg);
    void erase(std::string_view topic);

    /// Appends the retained messages whose topics match `filter` (expired ones skipped).
    void match(std::string_view filter, std::vector<core::message_ptr>& out) const;

    std::size_t size() const;

private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace emqd::router
