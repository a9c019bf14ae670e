#include "transport/poller.h"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>

namespace emqd::transport {

namespace asio = boost::asio;

asio::execution_context::id poller::id;

namespace {

int open_epoll() {
    const int fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0)
        throw std::system_error(errno, std::system_category(), "epoll_create1");
    return fd;
}

}  // namespace

poller::poller(asio::io_context& io)
    : asio::execution_context::service(io), _epoll_fd(open_epoll()), _set(io, _epoll_fd) {}

poller::~poller() = default;  // _set closes _epoll_fd

poller& poller::of(asio::io_context& io) {
    return asio::use_service<poller>(io);
}

void poller::shutdown() {
    // The io_context is going away: drop the pending wait (its handler is destroyed, never
    // run) and the deferred calls.
    boost::system::error_code ec;
    _set.cancel(ec);
    _deferred.clear();
    _running.clear();
}

std::error_code poller::add(int fd, watcher& w) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.ptr = &w;
    if (::epoll_ctl(_epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
        return {errno, std::system_category()};
    ++_watched;
    arm();
    return {};
}

void poller::remove(int fd, watcher& w) {
    // Before close(): a descriptor still open elsewhere (dup, fork) would stay in the set.
    ::epoll_ctl(_epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    --_watched;
    forget(w);
    if (_watched == 0 && _armed) {
        boost::system::error_code ec;
        _set.cancel(ec);  // a pending wait ends (operation_aborted) and is not renewed
    }
}

void poller::forget(watcher& w) {
    for (int i = _batch_next; i < _batch_end; ++i)
        if (_batch[i].data.ptr == &w)
            _batch[i].data.ptr = nullptr;
    std::replace(_deferred.begin(), _deferred.end(), &w, static_cast<watcher*>(nullptr));
    std::replace(_running.begin(), _running.end(), &w, static_cast<watcher*>(nullptr));
}

void poller::defer(watcher& w) {
    if (_deferred.empty())
        asio::post(_set.get_executor(), [this] { run_deferred(); });
    _deferred.push_back(&w);
}

void poller::run_deferred() {
    // Calls deferred meanwhile (a write completing at once, started from a completion) go
    // to the next handler.
    _running.swap(_deferred);
    for (std::size_t i = 0; i < _running.size(); ++i)
        if (watcher* w = _running[i])
            w->on_deferred();
    _running.clear();
}

void poller::arm() {
    if (_armed || _watched == 0)
        return;
    _armed = true;
    _set.async_wait(asio::posix::stream_descriptor::wait_read,
                    [this](boost::system::error_code ec) {
                        _armed = false;
                        if (ec == asio::error::operation_aborted) {
                            arm();  // cancelled when the set emptied; maybe refilled since
                            return;
                        }
                        run_ready();
                    });
}

void poller::run_ready() {
    int n;
    do {
        n = ::epoll_wait(_epoll_fd, _batch.data(), k_batch, 0);
    } while (n < 0 && errno == EINTR);
    _batch_next = 0;
    _batch_end = std::max(n, 0);
    while (_batch_next < _batch_end) {
        const epoll_event& e = _batch[_batch_next++];
        if (auto* w = static_cast<watcher*>(e.data.ptr))
            w->on_events(e.events);
    }
    _batch_end = 0;
    if (n == k_batch && _watched != 0) {
        // More may be ready, and Asio already reported the set's edge: take them next.
        _armed = true;
        asio::post(_set.get_executor(), [this] {
            _armed = false;
            run_ready();
        });
        return;
    }
    arm();
}

}  // namespace emqd::transport
