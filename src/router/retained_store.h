#pragma once
// Retained messages, one per topic (spec 3.3.1.3). A retained PUBLISH with an empty payload
// deletes the topic's message. On SUBSCRIBE the retained messages matching the filter are
// sent to the new subscriber.
//
// Thread safety: every member function may be called from any thread (internally locked;
// retained traffic is rare next to plain publishes).

#include <cstddef>
#include <functional>
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

    /// Stores msg (non-null, with a valid topic name) as its topic's retained message,
    /// replacing any previous one, or deletes the topic's message when the payload is empty.
    /// The store shares ownership of msg; it never modifies it.
    void put(const core::message_ptr& msg);
    /// Deletes the topic's retained message, if any.
    void erase(std::string_view topic);

    /// Appends the retained messages whose topics match `filter` (a valid filter), skipping
    /// those expired at `now`. Order is unspecified. Takes the shared lock for the walk only;
    /// a filter with a literal prefix visits only the branches under that prefix, and an
    /// exact filter is a single hash lookup. The two-argument form uses message::clock::now().
    void match(std::string_view filter, std::vector<core::message_ptr>& out) const;
    void match(std::string_view filter, std::vector<core::message_ptr>& out,
               core::message::clock::time_point now) const;

    /// Drops every message expired at `now`; returns how many. O(number of topics): call it
    /// from a periodic timer, not per publish. `purged_one(topic)` is called for each, under
    /// the store's lock: whatever it does comes before any later put or erase of the topic
    /// (the broker deletes the stored copy there, retained_persistence.h).
    std::size_t purge_expired(core::message::clock::time_point now,
                              const std::function<void(std::string_view)>& purged_one = {});

    /// Number of stored topics, expired-but-not-yet-purged ones included.
    std::size_t size() const;

private:
    struct impl;
    std::unique_ptr<impl> _impl;
};

}  // namespace emqd::router
