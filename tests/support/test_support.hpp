#pragma once
// Helpers every test uses: run a coroutine to completion on a fresh io_context with a
// deadline (rethrowing its exception), and a temporary directory removed afterwards.
#include <chrono>
#include <exception>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "net/asio.hpp"

namespace mlc::test {

// Runs `make(ioc)`'s awaitable on a fresh io_context until it finishes; throws what the
// coroutine threw, or std::runtime_error if it has not finished within `deadline`.
template <class Make>
auto run(Make make, std::chrono::seconds deadline = std::chrono::seconds{120}) {
  asio::io_context ioc;
  using awaitable_t = decltype(make(ioc));
  using value_t = typename awaitable_t::value_type;
  std::exception_ptr failure;
  bool done = false;
  if constexpr (std::is_void_v<value_t>) {
    asio::co_spawn(ioc, make(ioc), [&](std::exception_ptr e) { failure = e; done = true; });
    ioc.run_for(deadline);
    if (failure) std::rethrow_exception(failure);
    if (!done) throw std::runtime_error("test coroutine did not finish before its deadline");
  } else {
    std::optional<value_t> result;
    asio::co_spawn(ioc, make(ioc), [&](std::exception_ptr e, value_t v) {
      failure = e;
      if (!e) result.emplace(std::move(v));
      done = true;
    });
    ioc.run_for(deadline);
    if (failure) std::rethrow_exception(failure);
    if (!done) throw std::runtime_error("test coroutine did not finish before its deadline");
    return std::move(*result);
  }
}

// A fresh directory under the system temp dir, removed with its contents on destruction.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(temp_dir const&) = delete;
  temp_dir& operator=(temp_dir const&) = delete;
  std::filesystem::path const& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// Path of a file in the source tree (e.g. "tests/net/data/cert.pem").
std::filesystem::path source_path(std::string const& relative);

}  // namespace mlc::test
