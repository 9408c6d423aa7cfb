#include "ingest/otlp/otlp_resource.hpp"

#include "core/json_writer.hpp"
#include "ingest/otlp/otlp_attributes.hpp"
#include "opentelemetry/proto/resource/v1/resource.pb.h"

namespace agent_trace::otlp {

Event resource_event(const ResourceContext& resource, const OtlpDecodeOptions& options) {
    Event e;
    e.source = Source::otel;
    e.ingest_ts = options.now;
    e.tier = options.max_tier;
    e.host = resource.host;
    e.app_version = resource.app_version;
    e.user = resource.user;
    return e;
}

int user_key_rank(std::string_view key) {
    if (key == "user.email") return 3;
    if (key == "user.account_uuid" || key == "user.account_id") return 2;
    if (key == "user.id") return 1;
    return 0;
}

namespace {

template <class Resource>
ResourceContext read_resource_of(const Resource& resource, const OtlpDecodeOptions& options,
                                 OtlpDecoded& decoded) {
    ResourceContext context;
    context.host = options.host;
    int user_rank = 0;
    JsonWriter json;
    json.begin_object();
    AttributeWriter writer(json, options.max_tier, decoded);
    for (const auto& kv : resource.attributes()) {
        const std::string_view key = kv.key();
        const std::string_view text = as_view(kv.value());
        if (key == "service.name") {
            context.service_name = text;
        } else if (key == "service.version") {
            context.app_version = text;
        } else if (key == "host.name" && !text.empty()) {
            context.host = text;
        } else if (const int rank = user_key_rank(key); rank > user_rank && !text.empty()) {
            context.user = text;
            user_rank = rank;
        }
        writer.write(key, kv.value());
    }
    json.end_object();
    context.attrs_json = json.take();
    return context;
}

}  // namespace

ResourceContext read_resource(const opentelemetry::proto::resource::v1::Resource& resource,
                              const OtlpDecodeOptions& options, OtlpDecoded& decoded) {
    return read_resource_of(resource, options, decoded);
}

ResourceContext read_resource(const ResourceView& resource, const OtlpDecodeOptions& options,
                              OtlpDecoded& decoded) {
    return read_resource_of(resource, options, decoded);
}

}  // namespace agent_trace::otlp
