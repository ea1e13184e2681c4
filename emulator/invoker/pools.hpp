// Runs functions in warm worker processes: one pool per function, each worker a handler process
// with its own Runtime API listener. Implements the Invoker interface.
//
// Threading: owned by the io thread; every method and callback runs there. No locks.
#pragma once

#include <cstddef>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "emulator/app/app_spec.hpp"
#include "emulator/invoker/invoker.hpp"

namespace boost::asio {
class io_context;
}

namespace serverlite::invoker {

struct InvokerOptions {
  std::string aws_endpoint_url;  // AWS_ENDPOINT_URL inside handlers
  // AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY inside handlers (up --verify-signatures: its
  // first credentials); empty: a dummy pair.
  std::string access_key_id, secret_access_key;
  // Lambda gives a runtime 10 s to initialise before the first invocation.
  std::chrono::milliseconds init_timeout{10000};
  // The local limit: how many invocations of one function run at once, each in a warm worker
  // of its own (fewer when the function's reservedConcurrency is lower). Invocations past it wait
  // in line for a free worker, in order of arrival.
  int max_concurrency = 10;
  // How many invocations of one function may wait in that line; past it they are throttled
  // (429, reason ConcurrentInvocationLimitExceeded), as an account over its limit is.
  std::size_t max_waiting = 10000;
  // When every warm worker is busy, an invocation waits this long for one to free up before
  // the pool starts another process (up to the local limit). Past two workers per core the
  // pool grows only for handlers that run at least twice this long (those that wait on I/O):
  // more processes than cores would only make short handlers fight for the CPU. 0: start one
  // at once, as Lambda does.
  std::chrono::milliseconds scale_up_after{20};
  // How often a busy worker's memory is sampled against memorySize.
  std::chrono::milliseconds memory_sample_interval{100};
};

class FunctionPool;
class RuntimeFiles;
struct PoolContext;

class Pools : public Invoker {
 public:
  Pools(boost::asio::io_context& io, const app::AppSpec& app, InvokerOptions options);
  ~Pools() override;

  void invoke(InvokeRequest request, InvokeCallback done) override;

  // Sees every invocation when it ends (an asynchronous one too, when it really ends), with its
  // request: `up --record` and `replay` watch functions through this. On the io thread.
  using Observer = std::function<void(const InvokeRequest&, const InvokeResult&)>;
  void set_observer(Observer observer) { observer_ = std::move(observer); }

  // Stops taking work: queued invocations fail with ShuttingDown, running ones get up to `grace`
  // to finish, then every worker's process group is killed. `done` runs once all have exited.
  void shutdown(std::chrono::milliseconds grace, std::function<void()> done);

  // The code of these functions (keys) changed: see FunctionPool::replace_workers. Unknown keys
  // are ignored. Returns how many workers were replaced.
  int replace_workers(const std::vector<std::string>& function_keys, bool prewarm = true);

  // While the app is watched, each function that has run keeps one standby process for its next
  // code change (see standby.hpp). Off: standbys are stopped.
  void keep_standbys(bool on);

  struct FunctionStats {
    int workers = 0;
    int busy = 0;
    int waiting = 0;
  };
  FunctionStats stats(const std::string& function_key) const;

 private:
  std::unique_ptr<PoolContext> context_;
  std::map<std::string, std::unique_ptr<FunctionPool>, std::less<>> pools_;
  Observer observer_;
};

}  // namespace serverlite::invoker
