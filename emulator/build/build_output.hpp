// Whether a built handler is up to date: esbuild's metafile lists every file the output was built
// from; the output is stale when any of them (or the settings it was built with) changed since.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace serverlite::build {

// The directory serverlite keeps what it downloads and builds in: $SERVERLITE_CACHE_DIR, else
// $XDG_CACHE_HOME/serverlite, else $HOME/.cache/serverlite, else a directory under /tmp.
std::filesystem::path cache_dir();

// True when `output` or `metafile` is missing or unreadable, when `stamp` (a file beside the
// output) does not hold `settings`, or when an input the metafile lists (relative to `base`, as
// esbuild writes them) is missing or newer than the output. A metafile over 64 MB counts as
// unreadable.
bool is_stale(const std::filesystem::path& output, const std::filesystem::path& metafile,
              const std::filesystem::path& base, const std::filesystem::path& stamp,
              const std::string& settings);

// The inputs a metafile lists, as absolute paths (relative ones are under `base`); empty when
// it is missing or unreadable. For a watcher that wants to know which handlers a file feeds.
std::vector<std::filesystem::path> metafile_inputs(const std::filesystem::path& metafile,
                                                   const std::filesystem::path& base);

}  // namespace serverlite::build
