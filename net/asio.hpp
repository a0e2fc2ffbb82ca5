#pragma once
// The project's one place for Asio aliases. Include this, not Beast, outside net/*.cpp.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

namespace mlc {
namespace asio = boost::asio;
template <class T>
using awaitable = boost::asio::awaitable<T>;
}  // namespace mlc
