// Boost.Process v2 as shipped in Boost 1.81 does not compile on its own under C++20 with
// std::filesystem: a few headers use names they never declare. Include Process v2 only
// through this header, which declares them first.
#pragma once

#include <type_traits>

#include <boost/asio/detail/throw_error.hpp>
#include <boost/optional.hpp>

namespace boost::process::v2 {
using std::decay;
using std::remove_pointer;
}  // namespace boost::process::v2

#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/start_dir.hpp>
#include <boost/process/v2/stdio.hpp>
