// decode_metrics on requests built with the generated protobuf classes: one event
// per data point, the temporality and series recorded so sums can be added up
// later, points without a value refused (and counted) without losing the rest.
#include "ingest/otlp/otlp_metrics.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "../../support/otlp_support.hpp"
#include "../../support/test_support.hpp"
#include "ingest/otlp/otlp_json.hpp"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"

namespace agent_trace::otlp {
namespace {

using MetricsRequest = opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
namespace metrics = opentelemetry::proto::metrics::v1;
using testing_support::add_string;
using testing_support::parse_attrs;
using testing_support::string_at;

constexpr uint64_t kStart = 1'795'639'377'000'000'000ull;  // 2026-11-25T20:42:57Z
constexpr uint64_t kTime = kStart + 60'000'000'000ull;

OtlpDecodeOptions options(uint8_t tier = 1) { return testing_support::otlp_options(tier); }

metrics::Metric* add_metric(MetricsRequest& request, const std::string& name) {
    if (request.resource_metrics_size() == 0) {
        auto* resource = request.add_resource_metrics()->mutable_resource();
        add_string(*resource->mutable_attributes(), "service.name", "claude-code");
        add_string(*resource->mutable_attributes(), "service.version", "2.1.332");
        request.mutable_resource_metrics(0)->add_scope_metrics();
    }
    auto* metric = request.mutable_resource_metrics(0)->mutable_scope_metrics(0)->add_metrics();
    metric->set_name(name);
    return metric;
}

metrics::NumberDataPoint* add_point(
    google::protobuf::RepeatedPtrField<metrics::NumberDataPoint>& points,
    const std::string& session, const std::string& type = "") {
    auto* point = points.Add();
    point->set_start_time_unix_nano(kStart);
    point->set_time_unix_nano(kTime);
    add_string(*point->mutable_attributes(), "session.id", session);
    if (!type.empty()) add_string(*point->mutable_attributes(), "type", type);
    return point;
}

TEST(OtlpMetrics, CumulativeAndDeltaTemporalityAreRecordedPerPoint) {
    MetricsRequest request;
    auto* delta = add_metric(request, "claude_code.token.usage");
    delta->set_unit("tokens");
    delta->mutable_sum()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
    delta->mutable_sum()->set_is_monotonic(true);
    add_point(*delta->mutable_sum()->mutable_data_points(), "s-1", "input")->set_as_int(1200);
    add_point(*delta->mutable_sum()->mutable_data_points(), "s-1", "output")->set_as_int(45);
    auto* cumulative = add_metric(request, "claude_code.cost.usage");
    cumulative->mutable_sum()->set_aggregation_temporality(
        metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
    add_point(*cumulative->mutable_sum()->mutable_data_points(), "s-1")->set_as_double(0.0426);
    auto* gauge = add_metric(request, "queue.depth");
    add_point(*gauge->mutable_gauge()->mutable_data_points(), "s-1")->set_as_double(3.5);
    auto* histogram = add_metric(request, "claude_code.api.duration");
    histogram->mutable_histogram()->set_aggregation_temporality(
        metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
    auto* h = histogram->mutable_histogram()->add_data_points();
    h->set_start_time_unix_nano(kStart);
    h->set_time_unix_nano(kTime);
    h->set_count(4);
    h->set_sum(812.5);

    const OtlpDecoded decoded = decode_metrics(request, options());
    EXPECT_EQ(decoded.rejected, 0u) << decoded.rejection;
    ASSERT_EQ(decoded.events.size(), 5u);
    struct Expected {
        const char* metric;
        const char* type;
        const char* temporality;
        double value;
    };
    const Expected expected[] = {
        {"claude_code.token.usage", "sum", "delta", 1200},
        {"claude_code.token.usage", "sum", "delta", 45},
        {"claude_code.cost.usage", "sum", "cumulative", 0.0426},
        {"queue.depth", "gauge", "unspecified", 3.5},
        {"claude_code.api.duration", "histogram", "cumulative", 812.5},
    };
    for (size_t i = 0; i < 5; ++i) {
        SCOPED_TRACE(i);
        const Event& e = decoded.events[i];
        EXPECT_EQ(e.kind, EventKind::metric);
        EXPECT_EQ(e.ts, static_cast<TimestampUs>(kTime / 1000));
        const auto attrs = parse_attrs(e.attrs);
        EXPECT_EQ(string_at(attrs, "metric"), expected[i].metric);
        EXPECT_EQ(string_at(attrs, "metric_type"), expected[i].type);
        EXPECT_EQ(string_at(attrs, "temporality"), expected[i].temporality);
        EXPECT_DOUBLE_EQ(attrs["value"].GetDouble(), expected[i].value);
        EXPECT_EQ(attrs["start_ts"].GetInt64(), static_cast<int64_t>(kStart / 1000));
    }
    // Integer points stay integers.
    EXPECT_TRUE(parse_attrs(decoded.events[0].attrs)["value"].IsInt64());
    EXPECT_EQ(string_at(parse_attrs(decoded.events[0].attrs), "type"), "input");
    EXPECT_EQ(string_at(parse_attrs(decoded.events[0].attrs), "unit"), "tokens");
    EXPECT_TRUE(parse_attrs(decoded.events[0].attrs)["monotonic"].GetBool());
    EXPECT_EQ(parse_attrs(decoded.events[4].attrs)["count"].GetUint64(), 4u);
}

TEST(OtlpMetrics, ADataPointWithNoValueIsRejectedAndTheOthersKept) {
    MetricsRequest request;
    auto* metric = add_metric(request, "claude_code.token.usage");
    metric->mutable_sum()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
    add_point(*metric->mutable_sum()->mutable_data_points(), "s-1", "input")->set_as_int(10);
    add_point(*metric->mutable_sum()->mutable_data_points(), "s-1", "output");  // no value
    add_point(*metric->mutable_sum()->mutable_data_points(), "s-1", "cacheRead")->set_as_int(7);
    add_metric(request, "claude_code.empty");  // no data at all

    const OtlpDecoded decoded = decode_metrics(request, options());
    EXPECT_EQ(decoded.rejected, 2u);
    EXPECT_NE(decoded.rejection.find("no value"), std::string::npos) << decoded.rejection;
    ASSERT_EQ(decoded.events.size(), 2u);
    EXPECT_EQ(string_at(parse_attrs(decoded.events[0].attrs), "type"), "input");
    EXPECT_EQ(string_at(parse_attrs(decoded.events[1].attrs), "type"), "cacheRead");
}

TEST(OtlpMetrics, ADataPointWithoutATimeIsRejectedNotMistakenForARetry) {
    MetricsRequest request;
    auto* metric = add_metric(request, "claude_code.cost.usage");
    metric->mutable_sum()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_DELTA);
    add_point(*metric->mutable_sum()->mutable_data_points(), "s-1")->set_as_double(0.5);
    auto* timeless = add_point(*metric->mutable_sum()->mutable_data_points(), "s-1");
    timeless->set_as_double(0.25);
    timeless->set_time_unix_nano(0);

    auto* empty = add_point(*metric->mutable_sum()->mutable_data_points(), "s-1");  // no value
    (void)empty;

    const OtlpDecoded decoded = decode_metrics(request, options());
    EXPECT_EQ(decoded.rejected, 2u);
    EXPECT_NE(decoded.rejection.find("time_unix_nano"), std::string::npos) << decoded.rejection;
    ASSERT_EQ(decoded.events.size(), 1u);
    // Each refusal is counted under its own reason, not the first one's.
    const std::map<std::string, uint64_t, std::less<>> expected{{"missing_time", 1},
                                                                {"no_value", 1}};
    EXPECT_EQ(decoded.rejected_by_reason, expected);
}

TEST(OtlpMetrics, MetricPointsNeedNoSession) {
    MetricsRequest request;
    auto* metric = add_metric(request, "claude_code.session.count");
    auto* point = metric->mutable_sum()->add_data_points();
    point->set_time_unix_nano(kTime);
    point->set_as_int(1);
    const OtlpDecoded decoded = decode_metrics(request, options());
    ASSERT_EQ(decoded.events.size(), 1u) << decoded.rejection;
    EXPECT_TRUE(decoded.events[0].session_id.empty());
}

TEST(OtlpMetrics, IdsAndSeriesAreDeterministicAndDistinctPointsDiffer) {
    auto build = [](bool reversed_attributes) {
        MetricsRequest request;
        auto* metric = add_metric(request, "claude_code.token.usage");
        metric->mutable_sum()->set_aggregation_temporality(
            metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
        auto& points = *metric->mutable_sum()->mutable_data_points();
        auto* a = points.Add();
        a->set_start_time_unix_nano(kStart);
        a->set_time_unix_nano(kTime);
        a->set_as_int(5);
        if (reversed_attributes) {
            add_string(*a->mutable_attributes(), "type", "input");
            add_string(*a->mutable_attributes(), "session.id", "s-1");
        } else {
            add_string(*a->mutable_attributes(), "session.id", "s-1");
            add_string(*a->mutable_attributes(), "type", "input");
        }
        add_point(points, "s-1", "output")->set_as_int(6);  // another series
        add_point(points, "s-1", "input")->set_time_unix_nano(kTime + 1'000'000'000);  // later
        points.Mutable(2)->set_as_int(9);
        add_point(points, "s-2", "input")->set_as_int(5);  // another session
        return request;
    };
    const OtlpDecoded first = decode_metrics(build(false), options());
    ASSERT_EQ(first.events.size(), 4u) << first.rejection;
    std::set<std::string> ids;
    for (const Event& e : first.events) ids.insert(e.event_id.hex());
    EXPECT_EQ(ids.size(), 4u);

    const OtlpDecoded again = decode_metrics(build(false), options());
    const OtlpDecoded reordered = decode_metrics(build(true), options());
    for (size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(again.events[i].event_id, first.events[i].event_id) << i;
        EXPECT_EQ(reordered.events[i].event_id, first.events[i].event_id) << i;
    }
    const auto series = [&](size_t i) {
        return string_at(parse_attrs(first.events[i].attrs), "series");
    };
    EXPECT_EQ(series(0), series(2));  // one series, two points in time
    EXPECT_NE(series(0), series(1));
    EXPECT_NE(series(0), series(3));
}

TEST(OtlpMetrics, PointAttributesNamedLikeAgentTraceKeysAreKeptUnderAttrPrefix) {
    MetricsRequest request;
    auto* metric = add_metric(request, "custom.metric");
    auto* point = add_point(*metric->mutable_gauge()->mutable_data_points(), "s-1");
    point->set_as_double(2.0);
    testing_support::add_int(*point->mutable_attributes(), "value", 7);
    add_string(*point->mutable_attributes(), "metric", "shadow");
    const OtlpDecoded decoded = decode_metrics(request, options());
    ASSERT_EQ(decoded.events.size(), 1u);
    const auto attrs = parse_attrs(decoded.events[0].attrs);
    EXPECT_DOUBLE_EQ(attrs["value"].GetDouble(), 2.0);
    EXPECT_EQ(attrs["attr.value"].GetInt64(), 7);
    EXPECT_EQ(string_at(attrs, "metric"), "custom.metric");
    EXPECT_EQ(string_at(attrs, "attr.metric"), "shadow");
}

TEST(OtlpMetrics, OtlpJsonTemporalityAsNameOrNumberReadsTheSame) {
    auto json_with = [](const std::string& temporality) {
        return R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"name":"claude_code.cost.usage",)"
               R"("sum":{"aggregationTemporality":)" +
               temporality +
               R"(,"isMonotonic":true,"dataPoints":[{"startTimeUnixNano":"1795639377000000000",)"
               R"("timeUnixNano":"1795639378000000000","asDouble":0.5,)"
               R"("attributes":[{"key":"session.id","value":{"stringValue":"s-1"}}]}]}}]}]}]})";
    };
    for (const auto& [text, expected] :
         {std::pair{std::string("1"), "delta"},
          std::pair{std::string("\"AGGREGATION_TEMPORALITY_DELTA\""), "delta"},
          std::pair{std::string("2"), "cumulative"},
          std::pair{std::string("\"AGGREGATION_TEMPORALITY_CUMULATIVE\""), "cumulative"}}) {
        MetricsRequest request;
        const Status parsed = parse_otlp_json(json_with(text), request);
        ASSERT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
        const OtlpDecoded decoded = decode_metrics(request, options());
        ASSERT_EQ(decoded.events.size(), 1u);
        EXPECT_EQ(string_at(parse_attrs(decoded.events[0].attrs), "temporality"), expected) << text;
    }
}

}  // namespace
}  // namespace agent_trace::otlp
