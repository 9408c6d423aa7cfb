#include "ingest/otlp/otlp_metrics.hpp"

#include <algorithm>
#include <vector>

#include "core/hex.hpp"
#include "core/json_writer.hpp"
#include "ingest/otlp/otlp_attributes.hpp"
#include "ingest/otlp/otlp_resource.hpp"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"

namespace agent_trace::otlp {
namespace {

namespace metrics = opentelemetry::proto::metrics::v1;
using KeyValues = google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>;

std::string_view temporality_name(metrics::AggregationTemporality t) {
    switch (t) {
        case metrics::AGGREGATION_TEMPORALITY_DELTA:
            return "delta";
        case metrics::AGGREGATION_TEMPORALITY_CUMULATIVE:
            return "cumulative";
        default:
            return "unspecified";
    }
}

// What one data point of any metric type contributes.
struct Point {
    const KeyValues* attributes = nullptr;
    uint64_t start_time_unix_nano = 0;
    uint64_t time_unix_nano = 0;
    std::optional<double> value;    // sum/gauge value; histogram/summary: the sum
    std::optional<uint64_t> count;  // histogram/summary: number of observations
    bool is_integer = false;
    int64_t int_value = 0;
};

struct MetricContext {
    const metrics::Metric* metric = nullptr;
    std::string_view type;  // sum, gauge, histogram, exponential_histogram, summary
    std::string_view temporality = "unspecified";
    bool monotonic = false;
};

Point number_point(const metrics::NumberDataPoint& p) {
    Point point{&p.attributes(), p.start_time_unix_nano(), p.time_unix_nano()};
    if (p.value_case() == metrics::NumberDataPoint::kAsDouble) {
        point.value = p.as_double();
    } else if (p.value_case() == metrics::NumberDataPoint::kAsInt) {
        point.value = static_cast<double>(p.as_int());
        point.is_integer = true;
        point.int_value = p.as_int();
    }
    return point;
}

template <class DataPoint>
Point distribution_point(const DataPoint& p) {
    Point point{&p.attributes(), p.start_time_unix_nano(), p.time_unix_nano()};
    if constexpr (requires { p.has_sum(); }) {
        if (p.has_sum()) point.value = p.sum();
    } else {
        point.value = p.sum();
    }
    point.count = p.count();
    return point;
}

// The series a point belongs to: metric, resource and point attributes, sorted so
// the order a sender lists them in does not matter.
std::string series_id(const MetricContext& m, const std::string& resource_key, const Point& p) {
    std::vector<std::string> parts;
    parts.reserve(static_cast<size_t>(p.attributes->size()));
    for (const auto& kv : *p.attributes) parts.push_back(kv.key() + "=" + scalar_text(kv.value()));
    std::sort(parts.begin(), parts.end());
    std::string key =
        m.metric->name() + "\x1f" + std::string(m.temporality) + "\x1f" + resource_key;
    for (const auto& part : parts) key += "\x1f" + part;
    return hash_event_id({"otel", "series", key}).hex().substr(0, 16);
}

std::string resource_series_key(const opentelemetry::proto::resource::v1::Resource& resource) {
    std::vector<std::string> parts;
    for (const auto& kv : resource.attributes())
        parts.push_back(kv.key() + "=" + scalar_text(kv.value()));
    std::sort(parts.begin(), parts.end());
    std::string key;
    for (const auto& part : parts) key += part + "\x1f";
    return key;
}

}  // namespace

OtlpDecoded decode_metrics(
    const opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest& request,
    const OtlpDecodeOptions& options) {
    OtlpDecoded decoded;
    for (const auto& resource_metrics : request.resource_metrics()) {
        const ResourceContext resource =
            read_resource(resource_metrics.resource(), options, decoded);
        const std::string resource_key = resource_series_key(resource_metrics.resource());
        for (const auto& scope_metrics : resource_metrics.scope_metrics()) {
            for (const metrics::Metric& metric : scope_metrics.metrics()) {
                MetricContext m{&metric};
                std::vector<Point> points;
                switch (metric.data_case()) {
                    case metrics::Metric::kSum:
                        m.type = "sum";
                        m.temporality = temporality_name(metric.sum().aggregation_temporality());
                        m.monotonic = metric.sum().is_monotonic();
                        for (const auto& p : metric.sum().data_points())
                            points.push_back(number_point(p));
                        break;
                    case metrics::Metric::kGauge:
                        m.type = "gauge";
                        for (const auto& p : metric.gauge().data_points())
                            points.push_back(number_point(p));
                        break;
                    case metrics::Metric::kHistogram:
                        m.type = "histogram";
                        m.temporality =
                            temporality_name(metric.histogram().aggregation_temporality());
                        for (const auto& p : metric.histogram().data_points()) {
                            points.push_back(distribution_point(p));
                        }
                        break;
                    case metrics::Metric::kExponentialHistogram:
                        m.type = "exponential_histogram";
                        m.temporality = temporality_name(
                            metric.exponential_histogram().aggregation_temporality());
                        for (const auto& p : metric.exponential_histogram().data_points()) {
                            points.push_back(distribution_point(p));
                        }
                        break;
                    case metrics::Metric::kSummary:
                        m.type = "summary";
                        m.temporality = "cumulative";
                        for (const auto& p : metric.summary().data_points()) {
                            points.push_back(distribution_point(p));
                        }
                        break;
                    case metrics::Metric::DATA_NOT_SET:
                        decoded.reject("no_data", "metric \"" + metric.name() + "\" has no data");
                        continue;
                }
                if (metric.name().empty()) {
                    for (size_t i = 0; i < std::max<size_t>(1, points.size()); ++i) {
                        decoded.reject("missing_name", "metric without a name");
                    }
                    continue;
                }
                for (const Point& point : points) {
                    if (!point.value && !point.count) {
                        decoded.reject("no_value",
                                       "data point of \"" + metric.name() + "\" has no value");
                        continue;
                    }
                    // The time is part of the point's id: without one, every export of the
                    // series would look like a retry of the first and be dropped as a copy.
                    if (point.time_unix_nano == 0) {
                        decoded.reject("missing_time", "data point of \"" + metric.name() +
                                                           "\" has no time_unix_nano");
                        continue;
                    }
                    Event e = resource_event(resource, options);
                    e.kind = EventKind::metric;
                    const uint64_t when = point.time_unix_nano != 0 ? point.time_unix_nano
                                                                    : point.start_time_unix_nano;
                    e.ts = when != 0 ? static_cast<TimestampUs>(when / 1000) : options.now;
                    const std::string series = series_id(m, resource_key, point);

                    JsonWriter json;
                    json.begin_object();
                    json.key("signal").value("metrics");
                    json.key("metric").value(metric.name());
                    if (!metric.unit().empty()) json.key("unit").value(metric.unit());
                    json.key("metric_type").value(m.type);
                    json.key("temporality").value(m.temporality);
                    json.key("monotonic").value(m.monotonic);
                    json.key("value");
                    if (point.is_integer) {
                        json.value(point.int_value);
                    } else if (point.value) {
                        write_number(json, *point.value);
                    } else {
                        json.null();
                    }
                    if (point.count) json.key("count").value(*point.count);
                    json.key("start_ts")
                        .value(static_cast<int64_t>(point.start_time_unix_nano / 1000));
                    json.key("series").value(series);
                    if (!scope_metrics.scope().name().empty()) {
                        json.key("scope").value(scope_metrics.scope().name());
                    }
                    AttributeWriter writer(json, options.max_tier, decoded);
                    int user_rank = 0;
                    for (const auto& kv : *point.attributes) {
                        const std::string& key = kv.key();
                        const std::string_view text = as_view(kv.value());
                        if (key == "session.id") {
                            e.session_id = text;
                            continue;
                        }
                        if (key == "model") {
                            e.model = text;
                            continue;
                        }
                        if (key == "app.version") {
                            if (!text.empty()) e.app_version = text;
                            continue;
                        }
                        if (const int rank = user_key_rank(key);
                            rank > user_rank && !text.empty()) {
                            e.user = text;
                            user_rank = rank;
                        }
                        writer.write(key, kv.value());
                    }
                    json.key("resource").raw(resource.attrs_json);
                    json.end_object();
                    e.attrs = json.take();
                    e.event_id = hash_event_id({"otel", "metric", series,
                                                std::to_string(point.start_time_unix_nano),
                                                std::to_string(point.time_unix_nano)});
                    redact_columns(e, decoded);
                    if (auto valid = validate(e); !valid) {
                        decoded.reject(
                            invalid_event_reason(valid.error().message),
                            "data point of \"" + metric.name() + "\": " + valid.error().message);
                        continue;
                    }
                    decoded.events.push_back(std::move(e));
                }
            }
        }
    }
    return decoded;
}

}  // namespace agent_trace::otlp
