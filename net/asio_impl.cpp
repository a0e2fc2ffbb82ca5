// The one translation unit that compiles Asio, Asio-SSL and Beast's non-template code
// (BOOST_*_SEPARATE_COMPILATION is set for the whole project in CMakeLists.txt).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
