// decode_traces and the OTLP/JSON reader for spans: hex trace/span ids (OTLP/JSON's
// rule, not protobuf's base64) give the same ids and attrs as the protobuf encoding,
// ids that are not hex are refused, and spans map to canonical kinds.
#include "ingest/otlp/otlp_traces.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "../../support/otlp_support.hpp"
#include "../../support/test_support.hpp"
#include "ingest/otlp/otlp_json.hpp"
#include "ingest/otlp/otlp_logs.hpp"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace agent_trace::otlp {
namespace {

using TraceRequest = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using testing_support::parse_attrs;
using testing_support::string_at;

OtlpDecodeOptions options(uint8_t tier = 1) { return testing_support::otlp_options(tier); }

std::string span_json(const std::string& trace_id, const std::string& span_id,
                      const std::string& name = "claude_code.llm_request",
                      const std::string& session = "s-1") {
    return R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"claude-code"}}]},)"
           R"("scopeSpans":[{"scope":{"name":"com.anthropic.claude_code.tracing"},"spans":[{)"
           R"("traceId":")" +
           trace_id + R"(","spanId":")" + span_id +
           R"(","parentSpanId":"0102030405060708","name":")" + name +
           R"(","kind":1,"startTimeUnixNano":"1795639377000000000",)"
           R"("endTimeUnixNano":"1795639377250000000","status":{"code":1},"attributes":[)"
           R"({"key":"session.id","value":{"stringValue":")" +
           session +
           R"("}},{"key":"model","value":{"stringValue":"claude-sonnet-4-5-20250929"}},)"
           R"({"key":"input_tokens","value":{"intValue":"1200"}},)"
           R"({"key":"output_tokens","value":{"intValue":45}},)"
           R"({"key":"cache_read_tokens","value":{"stringValue":"9000"}},)"
           R"({"key":"success","value":{"stringValue":"true"}}]}]}]}]})";
}

TraceRequest parse(const std::string& json) {
    TraceRequest request;
    const Status parsed = parse_otlp_json(json, request);
    EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
    return request;
}

constexpr const char* kTraceId = "5b8efff798038103d269b633813fc60c";
constexpr const char* kSpanId = "eee19b7ec3c1b174";

TEST(OtlpTraces, HexIdsInOtlpJsonAreTheSpansBytesAndReappearAsHexInAttrs) {
    const TraceRequest request = parse(span_json(kTraceId, kSpanId));
    ASSERT_EQ(request.resource_spans(0).scope_spans(0).spans_size(), 1);
    const auto& span = request.resource_spans(0).scope_spans(0).spans(0);
    EXPECT_EQ(span.trace_id().size(), 16u);
    EXPECT_EQ(span.span_id().size(), 8u);
    EXPECT_EQ(static_cast<uint8_t>(span.trace_id()[0]), 0x5b);
    EXPECT_EQ(static_cast<uint8_t>(span.span_id()[7]), 0x74);

    const OtlpDecoded decoded = decode_traces(request, options());
    ASSERT_EQ(decoded.events.size(), 1u) << decoded.rejection;
    const Event& e = decoded.events[0];
    const auto attrs = parse_attrs(e.attrs);
    EXPECT_EQ(string_at(attrs, "trace_id"), kTraceId);
    EXPECT_EQ(string_at(attrs, "span_id"), kSpanId);
    EXPECT_EQ(string_at(attrs, "parent_span_id"), "0102030405060708");
    EXPECT_EQ(string_at(attrs, "span"), "claude_code.llm_request");
    EXPECT_EQ(string_at(attrs, "span_status"), "ok");
    EXPECT_EQ(string_at(attrs, "signal"), "traces");
    EXPECT_EQ(e.kind, EventKind::api_request);
    EXPECT_EQ(e.session_id, "s-1");
    EXPECT_EQ(e.input_tokens, 1200);
    EXPECT_EQ(e.output_tokens, 45);
    EXPECT_EQ(e.cache_read_tokens, 9000);
    EXPECT_EQ(e.duration_ms, 250);
    EXPECT_EQ(e.ts, static_cast<TimestampUs>(1'795'639'377'000'000));

    // Upper-case hex is the same id.
    std::string upper_trace = kTraceId;
    for (char& c : upper_trace) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const OtlpDecoded upper = decode_traces(parse(span_json(upper_trace, kSpanId)), options());
    ASSERT_EQ(upper.events.size(), 1u);
    EXPECT_EQ(upper.events[0].event_id, e.event_id);
    EXPECT_EQ(string_at(parse_attrs(upper.events[0].attrs), "trace_id"), kTraceId);
}

TEST(OtlpTraces, JsonAndProtobufEncodingsOfASpanGiveTheSameEvent) {
    const TraceRequest request = parse(span_json(kTraceId, kSpanId));
    std::string bytes;
    ASSERT_TRUE(request.SerializeToString(&bytes));
    TraceRequest copy;
    ASSERT_TRUE(copy.ParseFromString(bytes));
    const OtlpDecoded a = decode_traces(request, options());
    const OtlpDecoded b = decode_traces(copy, options());
    ASSERT_EQ(a.events.size(), 1u);
    ASSERT_EQ(b.events.size(), 1u);
    EXPECT_EQ(a.events[0].event_id, b.events[0].event_id);
    EXPECT_EQ(a.events[0].attrs, b.events[0].attrs);
    // Another span of the trace is another event.
    const OtlpDecoded other =
        decode_traces(parse(span_json(kTraceId, "eee19b7ec3c1b175")), options());
    ASSERT_EQ(other.events.size(), 1u);
    EXPECT_NE(other.events[0].event_id, a.events[0].event_id);
}

TEST(OtlpTraces, IdsThatAreNotHexAreRefused) {
    for (const auto& [trace_id, span_id] :
         {std::pair{std::string("zz8efff798038103d269b633813fc60c"), std::string(kSpanId)},
          std::pair{std::string(kTraceId), std::string("eee19b7ec3c1b17")},  // odd length
          std::pair{std::string("W4jv95gDgQPSabYzgT/GDA=="), std::string(kSpanId)}}) {  // base64
        TraceRequest request;
        const Status parsed = parse_otlp_json(span_json(trace_id, span_id), request);
        ASSERT_FALSE(parsed.ok()) << trace_id << " " << span_id;
        EXPECT_NE(parsed.error().message.find("not hex"), std::string::npos)
            << parsed.error().message;
    }
}

TEST(OtlpTraces, SpansWithoutValidIdsOrSessionAreRejectedAndTheRestKept) {
    TraceRequest request = parse(span_json(kTraceId, kSpanId));
    auto* spans = request.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans();
    auto* short_id = spans->Add();
    *short_id = spans->Get(0);
    short_id->set_trace_id("abc");
    auto* no_span = spans->Add();
    *no_span = spans->Get(0);
    no_span->clear_span_id();
    auto* no_session = spans->Add();
    *no_session = spans->Get(0);
    no_session->set_span_id(std::string("\x01\x02\x03\x04\x05\x06\x07\x09", 8));
    no_session->mutable_attributes()->DeleteSubrange(0, 1);  // session.id
    const OtlpDecoded decoded = decode_traces(request, options());
    EXPECT_EQ(decoded.rejected, 3u);
    EXPECT_NE(decoded.rejection.find("trace_id"), std::string::npos) << decoded.rejection;
    ASSERT_EQ(decoded.events.size(), 1u);
}

TEST(OtlpTraces, SpanNamesMapToCanonicalKinds) {
    const std::pair<const char*, EventKind> cases[] = {
        {"claude_code.llm_request", EventKind::api_request},
        {"claude_code.tool", EventKind::tool_end},
        {"claude_code.tool.blocked_on_user", EventKind::permission},
        {"claude_code.interaction", EventKind::other},
    };
    for (const auto& [name, kind] : cases) {
        const OtlpDecoded decoded =
            decode_traces(parse(span_json(kTraceId, kSpanId, name)), options());
        ASSERT_EQ(decoded.events.size(), 1u) << name;
        EXPECT_EQ(decoded.events[0].kind, kind) << name;
        if (kind != EventKind::api_request) {
            EXPECT_EQ(decoded.events[0].input_tokens, 0);
        }
    }
    TraceRequest failed = parse(span_json(kTraceId, kSpanId, "claude_code.tool"));
    auto* span = failed.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0);
    for (auto& kv : *span->mutable_attributes()) {
        if (kv.key() == "success") kv.mutable_value()->set_bool_value(false);
    }
    const OtlpDecoded decoded = decode_traces(failed, options());
    ASSERT_EQ(decoded.events.size(), 1u);
    EXPECT_EQ(decoded.events[0].kind, EventKind::tool_error);
}

TEST(OtlpJson, UnknownFieldsAreIgnoredAndMalformedInputIsAnError) {
    TraceRequest request;
    std::string json = span_json(kTraceId, kSpanId);
    json.insert(1, R"("fieldFromTheFuture":{"x":[1,2,3]},)");
    const Status with_unknown = parse_otlp_json(json, request);
    EXPECT_TRUE(with_unknown.ok()) << (with_unknown.ok() ? "" : with_unknown.error().message);
    EXPECT_EQ(request.resource_spans_size(), 1);

    for (const char* bad : {"", "{", "[]", "42", R"({"resourceSpans":7})",
                            R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"name":5}]}]}]})"}) {
        TraceRequest r;
        EXPECT_FALSE(parse_otlp_json(bad, r).ok()) << bad;
    }
    TraceRequest empty;
    EXPECT_TRUE(parse_otlp_json("{}", empty).ok());
    EXPECT_EQ(decode_traces(empty, options()).events.size(), 0u);
}

TEST(OtlpJson, NumbersKeepFullPrecisionWhenHexIdsAreRewritten) {
    // Values from real exports; the first needs a correctly rounded parse (a fast
    // approximate one is one ULP off for about a fifth of all doubles).
    for (const char* literal : {"0.038024999999999996", "0.037649999999999996",
                                "0.11935319286735585", "0.88842031245570918", "0.0426"}) {
        const double expected = std::strtod(literal, nullptr);
        const std::string record =
            R"({"timeUnixNano":"1795639377053000000",)"
            R"("body":{"stringValue":"claude_code.api_request"},"attributes":[)"
            R"({"key":"session.id","value":{"stringValue":"s-1"}},)"
            R"({"key":"model","value":{"stringValue":"claude-opus-4-1"}},)"
            R"({"key":"event.sequence","value":{"intValue":"1"}},)"
            R"({"key":"cost_usd","value":{"doubleValue":)" +
            std::string(literal) + "}}]";
        const std::string with_ids = R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[)" + record +
                                     R"(,"traceId":")" + kTraceId + R"(","spanId":")" + kSpanId +
                                     R"("}]}]}]})";
        const std::string without_ids =
            R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[)" + record + "}]}]}]}";
        for (const std::string& json : {with_ids, without_ids}) {
            opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest request;
            const Status parsed = parse_otlp_json(json, request);
            ASSERT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
            const auto& attributes =
                request.resource_logs(0).scope_logs(0).log_records(0).attributes();
            EXPECT_EQ(attributes.Get(3).value().double_value(), expected) << literal;
            const OtlpDecoded decoded = decode_logs(request, options());
            ASSERT_EQ(decoded.events.size(), 1u);
            EXPECT_EQ(decoded.events[0].cost_usd, expected) << literal;
        }
    }
}

}  // namespace
}  // namespace agent_trace::otlp
