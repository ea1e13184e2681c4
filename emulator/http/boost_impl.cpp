// The one translation unit that compiles Asio, Beast and Process v2 (see BOOST_DEFS in
// CMakeLists.txt). Every other file includes their headers as declarations only.
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>

#include "emulator/invoker/process_v2.hpp"
#include <boost/process/v2/src.hpp>
