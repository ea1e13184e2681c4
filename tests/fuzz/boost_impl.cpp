// Asio and Beast compiled once for the fuzz targets (the serverlite binary's boost_impl.cpp also
// compiles Process, which the targets do not need).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
