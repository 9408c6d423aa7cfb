// The OTLP decoders against what real Claude Code runs exported (tests/fixtures/
// captures): every log record and data point becomes exactly one event carrying
// the figures and join keys the record states, the ids do not depend on the
// encoding or on how often a request is decoded, and the privacy tier holds.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "../../support/otlp_support.hpp"
#include "../../support/test_support.hpp"
#include "ingest/otlp/otlp_json.hpp"
#include "ingest/otlp/otlp_logs.hpp"
#include "ingest/otlp/otlp_metrics.hpp"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"

namespace agent_trace::otlp {
namespace {

using LogsRequest = opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using MetricsRequest = opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using testing_support::attribute_number;
using testing_support::attribute_text;
using testing_support::captured_otlp_json;
using testing_support::find_attribute;
using testing_support::has_key;
using testing_support::parse_attrs;
using testing_support::string_at;

OtlpDecodeOptions options(uint8_t tier) { return testing_support::otlp_options(tier); }

template <class Request>
Request parse_json(const std::string& json) {
    Request request;
    const Status parsed = parse_otlp_json(json, request);
    EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
    return request;
}

// The same request after a trip through the protobuf wire format.
template <class Request>
Request via_protobuf(const Request& request) {
    std::string bytes;
    EXPECT_TRUE(request.SerializeToString(&bytes));
    Request copy;
    EXPECT_TRUE(copy.ParseFromString(bytes));
    return copy;
}

std::vector<std::string> ids_of(const OtlpDecoded& decoded) {
    std::vector<std::string> ids;
    for (const Event& e : decoded.events) ids.push_back(e.event_id.hex());
    return ids;
}

std::vector<const opentelemetry::proto::logs::v1::LogRecord*> records_of(
    const LogsRequest& request) {
    std::vector<const opentelemetry::proto::logs::v1::LogRecord*> records;
    for (const auto& rl : request.resource_logs()) {
        for (const auto& sl : rl.scope_logs()) {
            for (const auto& r : sl.log_records()) records.push_back(&r);
        }
    }
    return records;
}

std::string event_name(const opentelemetry::proto::logs::v1::LogRecord& record) {
    std::string name = record.body().string_value();
    if (name.rfind("claude_code.", 0) == 0) name = name.substr(12);
    return name;
}

TEST(OtlpCapturedLogs, EveryLogRecordBecomesOneEventWithItsJoinKeysAndFigures) {
    size_t api_requests = 0;
    size_t records_seen = 0;
    for (const auto& capture : captured_otlp_json("logs")) {
        SCOPED_TRACE(capture.scenario);
        const auto request = parse_json<LogsRequest>(capture.body);
        const auto records = records_of(request);
        const OtlpDecoded decoded = decode_logs(request, options(1));
        EXPECT_EQ(decoded.rejected, 0u) << decoded.rejection;
        ASSERT_EQ(decoded.events.size(), records.size());
        records_seen += records.size();
        for (size_t i = 0; i < records.size(); ++i) {
            const auto& record = *records[i];
            const auto& attributes = record.attributes();
            const Event& e = decoded.events[i];
            const std::string name = event_name(record);
            SCOPED_TRACE(name);
            EXPECT_EQ(e.source, Source::otel);
            EXPECT_EQ(e.tier, 1);
            EXPECT_EQ(e.ts, static_cast<TimestampUs>(record.time_unix_nano() / 1000));
            EXPECT_EQ(e.session_id, attribute_text(attributes, "session.id"));
            EXPECT_FALSE(e.session_id.empty());
            EXPECT_EQ(e.prompt_id, attribute_text(attributes, "prompt.id"));
            EXPECT_EQ(e.request_id, attribute_text(attributes, "request_id"));
            EXPECT_EQ(e.tool_use_id, attribute_text(attributes, "tool_use_id"));
            EXPECT_EQ(e.tool_name, attribute_text(attributes, "tool_name"));
            EXPECT_EQ(e.app_version, "2.1.332");  // service.version of the resource
            EXPECT_EQ(e.host, "devbox");          // no host.name: the receiving machine
            const auto attrs = parse_attrs(e.attrs);
            EXPECT_EQ(string_at(attrs, "signal"), "logs");
            EXPECT_EQ(string_at(attrs, "event"), name);
            ASSERT_TRUE(has_key(attrs, "sequence"));
            EXPECT_EQ(attrs["sequence"].GetInt64(),
                      static_cast<int64_t>(*attribute_number(attributes, "event.sequence")));
            ASSERT_TRUE(has_key(attrs, "resource"));
            EXPECT_EQ(string_at(attrs["resource"], "service.name"), "claude-code");
            // Join keys live in columns only.
            EXPECT_FALSE(has_key(attrs, "session.id"));
            EXPECT_FALSE(has_key(attrs, "prompt.id"));

            if (name == "api_request") {
                ++api_requests;
                EXPECT_EQ(e.kind, EventKind::api_request);
                EXPECT_EQ(e.model, attribute_text(attributes, "model"));
                EXPECT_EQ(e.input_tokens, *attribute_number(attributes, "input_tokens"));
                EXPECT_EQ(e.output_tokens, *attribute_number(attributes, "output_tokens"));
                EXPECT_EQ(e.cache_read_tokens, *attribute_number(attributes, "cache_read_tokens"));
                EXPECT_EQ(e.cache_write_5m_tokens,
                          *attribute_number(attributes, "cache_creation_5m_tokens"));
                EXPECT_EQ(e.cache_write_1h_tokens,
                          *attribute_number(attributes, "cache_creation_1h_tokens"));
                ASSERT_TRUE(e.cost_usd.has_value());
                EXPECT_DOUBLE_EQ(*e.cost_usd, *attribute_number(attributes, "cost_usd"));
                EXPECT_EQ(e.cost_source, CostSource::reported);
                EXPECT_EQ(e.duration_ms, attribute_number(attributes, "duration_ms"));
                EXPECT_FALSE(e.request_id.empty());
                EXPECT_FALSE(e.prompt_id.empty());
            } else if (name == "tool_result") {
                const bool ok = attribute_text(attributes, "success") == "true";
                EXPECT_EQ(e.kind, ok ? EventKind::tool_end : EventKind::tool_error);
                EXPECT_EQ(e.success, ok);
                EXPECT_FALSE(e.tool_use_id.empty());
                if (!ok) {
                    EXPECT_EQ(e.error, attribute_text(attributes, "error_type"));
                }
            } else if (name == "user_prompt") {
                EXPECT_EQ(e.kind, EventKind::user_prompt);
            } else if (name == "tool_decision") {
                EXPECT_EQ(e.kind, EventKind::permission);
            } else if (name == "subagent_completed") {
                EXPECT_EQ(e.kind, EventKind::subagent_stop);
            } else {
                EXPECT_EQ(e.kind, EventKind::other);
            }
            // Cost and usage belong to model calls only.
            if (e.kind != EventKind::api_request) {
                EXPECT_FALSE(e.cost_usd.has_value());
                EXPECT_EQ(e.token_counts().total(), 0);
            }
        }
    }
    EXPECT_GE(records_seen, 500u);
    EXPECT_GE(api_requests, 20u);
}

TEST(OtlpCapturedMetrics, EveryDataPointBecomesOneMetricEventWithItsValue) {
    size_t points_seen = 0;
    std::set<std::string> metric_names;
    for (const auto& capture : captured_otlp_json("metrics")) {
        SCOPED_TRACE(capture.scenario);
        const auto request = parse_json<MetricsRequest>(capture.body);
        const OtlpDecoded decoded = decode_metrics(request, options(1));
        EXPECT_EQ(decoded.rejected, 0u) << decoded.rejection;
        size_t i = 0;
        for (const auto& rm : request.resource_metrics()) {
            for (const auto& sm : rm.scope_metrics()) {
                for (const auto& metric : sm.metrics()) {
                    ASSERT_TRUE(metric.has_sum() || metric.has_gauge()) << metric.name();
                    const auto& points = metric.has_sum() ? metric.sum().data_points()
                                                          : metric.gauge().data_points();
                    const char* temporality =
                        !metric.has_sum() ? "unspecified"
                        : metric.sum().aggregation_temporality() ==
                                opentelemetry::proto::metrics::v1::AGGREGATION_TEMPORALITY_DELTA
                            ? "delta"
                            : "cumulative";
                    metric_names.insert(metric.name());
                    for (const auto& point : points) {
                        ASSERT_LT(i, decoded.events.size());
                        const Event& e = decoded.events[i++];
                        ++points_seen;
                        EXPECT_EQ(e.kind, EventKind::metric);
                        EXPECT_EQ(e.source, Source::otel);
                        EXPECT_EQ(e.ts, static_cast<TimestampUs>(point.time_unix_nano() / 1000));
                        EXPECT_EQ(e.session_id, attribute_text(point.attributes(), "session.id"));
                        EXPECT_EQ(e.model, attribute_text(point.attributes(), "model"));
                        const auto attrs = parse_attrs(e.attrs);
                        EXPECT_EQ(string_at(attrs, "signal"), "metrics");
                        EXPECT_EQ(string_at(attrs, "metric"), metric.name());
                        EXPECT_EQ(string_at(attrs, "temporality"), temporality);
                        ASSERT_TRUE(has_key(attrs, "value"));
                        const double expected = point.has_as_double()
                                                    ? point.as_double()
                                                    : static_cast<double>(point.as_int());
                        EXPECT_DOUBLE_EQ(attrs["value"].GetDouble(), expected) << metric.name();
                        EXPECT_EQ(attrs["start_ts"].GetInt64(),
                                  static_cast<int64_t>(point.start_time_unix_nano() / 1000));
                        EXPECT_EQ(string_at(attrs, "series").size(), 16u);
                        for (const char* key : {"type", "query_source"}) {
                            if (find_attribute(point.attributes(), key) != nullptr) {
                                EXPECT_EQ(string_at(attrs, key),
                                          attribute_text(point.attributes(), key));
                            }
                        }
                    }
                }
            }
        }
        EXPECT_EQ(i, decoded.events.size());
    }
    EXPECT_GE(points_seen, 100u);
    EXPECT_TRUE(metric_names.count("claude_code.cost.usage"));
    EXPECT_TRUE(metric_names.count("claude_code.token.usage"));
}

TEST(OtlpCapturedIds, DecodingTwiceAndJsonOrProtobufEncodingGiveTheSameIds) {
    for (const auto& capture : captured_otlp_json("logs")) {
        SCOPED_TRACE(capture.scenario);
        const auto request = parse_json<LogsRequest>(capture.body);
        const auto first = ids_of(decode_logs(request, options(1)));
        EXPECT_EQ(ids_of(decode_logs(request, options(1))), first);
        EXPECT_EQ(ids_of(decode_logs(via_protobuf(request), options(1))), first);
        // The tier changes what is kept, never which event it is.
        EXPECT_EQ(ids_of(decode_logs(request, options(3))), first);
    }
    for (const auto& capture : captured_otlp_json("metrics")) {
        SCOPED_TRACE(capture.scenario);
        const auto request = parse_json<MetricsRequest>(capture.body);
        const auto first = ids_of(decode_metrics(request, options(1)));
        EXPECT_EQ(ids_of(decode_metrics(request, options(1))), first);
        EXPECT_EQ(ids_of(decode_metrics(via_protobuf(request), options(1))), first);
    }
}

TEST(OtlpCapturedIds, DistinctRecordsGetDistinctIds) {
    std::map<std::string, std::vector<std::string>> by_scenario;
    for (const auto& capture : captured_otlp_json("logs")) {
        for (auto& id : ids_of(decode_logs(parse_json<LogsRequest>(capture.body), options(1)))) {
            by_scenario[capture.scenario].push_back(std::move(id));
        }
    }
    for (const auto& capture : captured_otlp_json("metrics")) {
        for (auto& id :
             ids_of(decode_metrics(parse_json<MetricsRequest>(capture.body), options(1)))) {
            by_scenario[capture.scenario].push_back(std::move(id));
        }
    }
    EXPECT_GE(by_scenario.size(), 7u);
    for (const auto& [scenario, ids] : by_scenario) {
        const std::set<std::string> unique(ids.begin(), ids.end());
        EXPECT_EQ(unique.size(), ids.size()) << scenario;
    }
}

TEST(OtlpCapturedProtobuf, ClaudeCodesProtobufExportsDecodeLikeItsJson) {
    size_t api_requests = 0;
    for (const std::string& body : testing_support::captured_otlp_protobuf("logs")) {
        LogsRequest request;
        ASSERT_TRUE(request.ParseFromString(body));
        const auto records = records_of(request);
        const OtlpDecoded decoded = decode_logs(request, options(1));
        EXPECT_EQ(decoded.rejected, 0u) << decoded.rejection;
        ASSERT_EQ(decoded.events.size(), records.size());
        for (size_t i = 0; i < records.size(); ++i) {
            const Event& e = decoded.events[i];
            EXPECT_EQ(e.session_id, attribute_text(records[i]->attributes(), "session.id"));
            if (e.kind != EventKind::api_request) continue;
            ++api_requests;
            EXPECT_EQ(e.input_tokens, *attribute_number(records[i]->attributes(), "input_tokens"));
            EXPECT_DOUBLE_EQ(e.cost_usd.value_or(-1),
                             *attribute_number(records[i]->attributes(), "cost_usd"));
        }
    }
    EXPECT_GE(api_requests, 1u);
    size_t points = 0;
    for (const std::string& body : testing_support::captured_otlp_protobuf("metrics")) {
        MetricsRequest request;
        ASSERT_TRUE(request.ParseFromString(body));
        const OtlpDecoded decoded = decode_metrics(request, options(1));
        EXPECT_EQ(decoded.rejected, 0u) << decoded.rejection;
        points += decoded.events.size();
    }
    EXPECT_GE(points, 1u);
}

// ---- privacy tiers on the captured content (basic: prompt, response, tool input;
// tool-failure: error text) ----

struct Content {
    std::string key;
    std::string value;
};

// Every content attribute of the scenario's records, with its value.
std::vector<Content> content_of(const std::string& scenario) {
    std::vector<Content> out;
    for (const auto& capture : captured_otlp_json("logs")) {
        if (capture.scenario != scenario) continue;
        const auto request = parse_json<LogsRequest>(capture.body);
        for (const auto* record : records_of(request)) {
            for (const char* key :
                 {"prompt", "prompt_text", "response", "tool_parameters", "tool_input", "error"}) {
                const std::string value = attribute_text(record->attributes(), key);
                if (!value.empty()) out.push_back({key, value});
            }
        }
    }
    return out;
}

std::vector<Event> decoded_scenario(const std::string& scenario, uint8_t tier) {
    std::vector<Event> events;
    for (const auto& capture : captured_otlp_json("logs")) {
        if (capture.scenario != scenario) continue;
        auto decoded = decode_logs(parse_json<LogsRequest>(capture.body), options(tier));
        EXPECT_EQ(decoded.rejected, 0u);
        for (auto& e : decoded.events) events.push_back(std::move(e));
    }
    return events;
}

// Every string an event stores: columns and attrs.
std::string stored_text(const Event& e) {
    return e.attrs + "\n" + e.error + "\n" + e.tool_name + "\n" + e.model + "\n" + e.user + "\n" +
           e.request_id + "\n" + e.tool_use_id;
}

TEST(OtlpCapturedPrivacy, TierOneKeepsNoPromptResponseToolInputOrErrorText) {
    for (const std::string scenario : {"basic", "tool-failure"}) {
        SCOPED_TRACE(scenario);
        const auto content = content_of(scenario);
        std::set<std::string> keys;
        for (const auto& c : content) keys.insert(c.key);
        EXPECT_TRUE(keys.count("prompt") && keys.count("tool_input")) << "capture changed?";
        if (scenario == "basic") {
            EXPECT_TRUE(keys.count("response"));
        }
        if (scenario == "tool-failure") {
            EXPECT_TRUE(keys.count("error"));
        }
        const auto events = decoded_scenario(scenario, 1);
        ASSERT_FALSE(events.empty());
        for (const Event& e : events) {
            const auto attrs = parse_attrs(e.attrs);
            for (const char* key :
                 {"prompt", "prompt_text", "response", "tool_parameters", "tool_input", "error"}) {
                EXPECT_FALSE(has_key(attrs, key)) << key << " in " << e.attrs;
            }
            const std::string text = stored_text(e);
            for (const auto& c : content) {
                EXPECT_EQ(text.find(c.value), std::string::npos) << c.key << " leaked: " << text;
            }
        }
    }
}

TEST(OtlpCapturedPrivacy, TierTwoKeepsPromptsAndToolParametersButNoResponseOrErrorText) {
    for (const std::string scenario : {"basic", "tool-failure"}) {
        SCOPED_TRACE(scenario);
        std::set<std::string> kept;
        for (const Event& e : decoded_scenario(scenario, 2)) {
            EXPECT_EQ(e.tier, 2);
            const auto attrs = parse_attrs(e.attrs);
            for (const char* key : {"prompt", "prompt_text", "tool_parameters", "tool_input"}) {
                if (has_key(attrs, key)) kept.insert(key);
            }
            EXPECT_FALSE(has_key(attrs, "response")) << e.attrs;
            EXPECT_FALSE(has_key(attrs, "error")) << e.attrs;
        }
        for (const char* key : {"prompt", "prompt_text", "tool_parameters", "tool_input"}) {
            EXPECT_TRUE(kept.count(key)) << key;
        }
    }
    // The prompt is kept verbatim.
    for (const Event& e : decoded_scenario("basic", 2)) {
        if (e.kind != EventKind::user_prompt) continue;
        EXPECT_EQ(string_at(parse_attrs(e.attrs), "prompt"),
                  "List the files in this repository using Bash, then tell me what you found.");
    }
}

TEST(OtlpCapturedPrivacy, TierThreeKeepsEverything) {
    for (const std::string scenario : {"basic", "tool-failure"}) {
        SCOPED_TRACE(scenario);
        const auto content = content_of(scenario);
        std::multiset<std::string> expected;
        for (const auto& c : content) expected.insert(c.key + "=" + c.value);
        std::multiset<std::string> kept;
        for (const Event& e : decoded_scenario(scenario, 3)) {
            const auto attrs = parse_attrs(e.attrs);
            for (const char* key :
                 {"prompt", "prompt_text", "response", "tool_parameters", "tool_input", "error"}) {
                if (has_key(attrs, key))
                    kept.insert(std::string(key) + "=" + string_at(attrs, key));
            }
        }
        EXPECT_EQ(kept, expected);
    }
}

}  // namespace
}  // namespace agent_trace::otlp
