#pragma once
// The parts of an OTLP Resource every record under it shares: who and where
// (service, version, host, user, org), and the kept resource attributes as JSON,
// written once per resource and copied into each record's attrs.
#include <string>

#include "ingest/otlp/otlp_decoded.hpp"
#include "ingest/otlp/otlp_view.hpp"

namespace opentelemetry::proto::resource::v1 {
class Resource;
}

namespace agent_trace::otlp {

struct ResourceContext {
    std::string service_name;
    std::string app_version;  // service.version
    std::string host;         // host.name, else the receiving machine
    std::string user;         // user.email / user.account_uuid / user.id when on the resource
    std::string attrs_json;   // {"service.name":...} reduced to the tier, redacted
};

ResourceContext read_resource(const opentelemetry::proto::resource::v1::Resource& resource,
                              const OtlpDecodeOptions& options, OtlpDecoded& decoded);
ResourceContext read_resource(const ResourceView& resource, const OtlpDecodeOptions& options,
                              OtlpDecoded& decoded);

// A new otel event carrying what every record under this resource shares
// (source, ingest time, tier, host, app version, user).
Event resource_event(const ResourceContext& resource, const OtlpDecodeOptions& options);

// Identity attribute precedence for Event::user: an e-mail names a person, an
// account id an account, user.id only an install.
int user_key_rank(std::string_view key);

}  // namespace agent_trace::otlp
