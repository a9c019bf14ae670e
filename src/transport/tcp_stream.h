#pragma once
// Internal to the transport layer (includes Asio): the TCP implementation of stream.

#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "transport/stream.h"

namespace emqd::transport {

/// Wraps an accepted socket. The socket state lives in a shared block that pending Asio
/// operations keep alive, so the stream object itself may be destroyed at any time after
/// close() without a completion touching freed memory.
std::unique_ptr<stream> make_tcp_stream(boost::asio::ip::tcp::socket socket);

}  // namespace emqd::transport
