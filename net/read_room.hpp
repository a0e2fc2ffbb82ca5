#pragma once
// Room for reading an HTTP body (http_client.cpp and http_server.cpp only: Beast inside).
//
// Beast reads into a flat_buffer at least 512 bytes and otherwise as much as the buffer has
// free, and a parser empties the buffer after each read. A connection's buffer therefore
// stays at 512 bytes and a 250 KB body takes ~500 reads (each a system call and a trip
// through Beast's and Asio's composed operations). Past the header the buffer gets room for
// what the body still needs, up to 16 KB (a 250 KB page in ~16 reads; a node waiting on
// hundreds of slow answers holds 16 KB for each, not Beast's largest read of 64 KB); after
// the message it is given back, so an idle connection holds none of it.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include <boost/beast/core/flat_buffer.hpp>

namespace mlc::net::read_room {

inline constexpr std::size_t most_room = 16384;      // Beast reads at most 64 KB at once
inline constexpr std::size_t smallest_read = 512;    // and at least 512 bytes
inline constexpr std::size_t kept = 4096;            // what an idle connection may keep

template <class Parser>
void for_body(boost::beast::flat_buffer& buffer, Parser const& parser) {
  if (!parser.is_header_done() || parser.is_done()) return;
  // A chunked body, or one read to EOF, has no length to go by: it gets the most.
  std::uint64_t const want = parser.content_length_remaining().value_or(most_room);
  auto const room = static_cast<std::size_t>(std::min<std::uint64_t>(want, most_room));
  // Beast's next read takes max(512, free capacity) by itself.
  if (room <= std::max<std::size_t>(smallest_read, buffer.capacity() - buffer.size())) return;
  buffer.reserve(buffer.size() + room);
}

inline void give_back(boost::beast::flat_buffer& buffer) {
  if (buffer.size() == 0 && buffer.capacity() > kept) buffer.shrink_to_fit();
}

}  // namespace mlc::net::read_room
