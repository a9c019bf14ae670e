#pragma once
// Internal to the transport layer (includes Asio): the readiness poller of one event loop's
// connection sockets.
//
// Design note. With Asio, a socket costs the reactor's descriptor_state (168 bytes) and,
// while its connection waits for bytes (which an idle one always does), a pending wait
// operation (~260 bytes: handler, executors, recycled block); a completion that may outlive
// the stream also needs the socket in a shared block. About 650 bytes of heap per idle
// connection, several times what the connection itself holds. The poller keeps connection
// sockets in an epoll set of its own instead, each added once, edge-triggered, for input
// and output; Asio watches only that set's descriptor (one wait for all sockets):
//
//   Asio loop --(epoll set readable)--> run_ready: epoll_wait(set, 0) --> watcher::on_events
//
// A socket then costs its watcher (the stream) and the kernel's epoll entry, and a ready
// socket costs no heap operation at all. Events are taken in batches of k_batch; a full
// batch may leave ready sockets behind whose edge Asio has already reported, so the next
// batch is posted instead of waited for (which also lets other handlers run in between).
// A watcher removed while a batch is dispatched is dropped from the rest of the batch, and
// from the deferred list, so it may be destroyed right after remove().
//
// The set's descriptor is watched only while a socket is in it, so an io_context without
// connections still runs out of work.
//
// THREADING WARNING: one poller per io_context (an Asio service: poller::of), used only on
// the thread running that io_context.

#include <sys/epoll.h>

#include <array>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cstddef>
#include <cstdint>
#include <system_error>
#include <vector>

namespace emqd::transport {

class poller final : public boost::asio::execution_context::service {
public:
    /// What the poller reports to: one per socket.
    class watcher {
    public:
        /// The socket's epoll event bits (EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLHUP, EPOLLERR).
        virtual void on_events(std::uint32_t events) = 0;
        /// The call asked for with defer().
        virtual void on_deferred() = 0;

    protected:
        ~watcher() = default;
    };

    using key_type = poller;
    static boost::asio::execution_context::id id;

    explicit poller(boost::asio::io_context& io);
    ~poller() override;

    /// The poller of `io` (created on first use).
    static poller& of(boost::asio::io_context& io);

    /// Watches `fd` (edge-triggered, input and output) for `w` until remove(). An error
    /// (e.g. the kernel's limit of watches) leaves it unwatched.
    std::error_code add(int fd, watcher& w);
    /// Stops watching `fd` (added for `w`) before it is closed; `w` gets no further call.
    void remove(int fd, watcher& w);
    /// Drops the calls still due to `w` (events of the batch being run, deferred calls);
    /// for a watcher that defer()red without being added.
    void forget(watcher& w);
    /// Calls w.on_deferred() from a handler posted to the loop, for a completion that must
    /// not run inside the call that caused it. One handler runs every deferred call of a
    /// loop turn.
    void defer(watcher& w);

private:
    static constexpr int k_batch = 256;

    void shutdown() override;
    void arm();
    void run_ready();
    void run_deferred();

    int _epoll_fd = -1;
    boost::asio::posix::stream_descriptor _set;  // _epoll_fd, as Asio watches it
    std::size_t _watched = 0;                    // sockets in the set
    bool _armed = false;                         // a wait on _set, or a batch, is pending
    std::array<epoll_event, k_batch> _batch{};
    int _batch_next = 0;  // the batch being dispatched: [_batch_next, _batch_end)
    int _batch_end = 0;
    std::vector<watcher*> _deferred;  // to run in the next posted handler; null: removed
    std::vector<watcher*> _running;   // being run by that handler; null: removed
};

}  // namespace emqd::transport
