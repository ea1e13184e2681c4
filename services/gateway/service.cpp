#include "services/gateway/service.hpp"

#include <nlohmann/json.hpp>

#include "emulator/app/offline.hpp"
#include "emulator/platform/clock.hpp"
#include "services/gateway/gateway.hpp"

namespace serverlite::gateway {

namespace {

class GatewayService : public platform::Service {
 public:
  std::string_view name() const override { return "apigateway"; }

  // The routes never change with state: the gateway is made once.
  std::vector<std::string> open(platform::ServiceContext& context) override {
    context_ = &context;
    if (!gateway_)
      gateway_ = std::make_unique<Gateway>(
          context.io(), context.app(), context.invoker("gateway"),
          GatewayOptions{.integration_timeout = context.options().gateway_timeout,
                         .clock = [&clock = context.clock()] { return clock.now(); }});
    return {};
  }

  void add_routes(platform::Routes& routes) override {
    routes.gateway = [this](http::Request r, http::Responder d) {
      gateway_->handle(std::move(r), std::move(d));
    };
  }

  nlohmann::json describe() const override {
    nlohmann::json list = nlohmann::json::array();
    const auto& app = context_->app();
    auto offline = app::offline_settings(app);
    for (const auto& fn : app.functions)
      for (const auto& r : fn.routes)
        list.push_back({{"type", "route"},
                        {"api", r.kind == app::ApiKind::Rest ? "rest" : "http"},
                        {"method", r.method},
                        {"path", r.kind == app::ApiKind::Rest ? offline.rest_base_path(app.stage) + r.path
                                                             : offline.url_prefix + r.path},
                        {"function", fn.key}});
    return list;
  }

 private:
  platform::ServiceContext* context_ = nullptr;
  std::unique_ptr<Gateway> gateway_;
};

}  // namespace

std::unique_ptr<platform::Service> make_service() { return std::make_unique<GatewayService>(); }

}  // namespace serverlite::gateway
