#pragma once
// Internal to the transport layer (includes Asio): the TCP implementation of stream.

#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "transport/stream.h"

namespace emqd::transport {

/// Takes over an accepted socket: it leaves Asio's reactor for the poller of the socket's
/// io_context (poller.h), which then runs every callback. Null if Asio can't release it
/// (the socket is closed then). The stream must be destroyed before that io_context.
std::unique_ptr<stream> make_tcp_stream(boost::asio::ip::tcp::socket socket);

}  // namespace emqd::transport
