// decode_logs on requests built with the generated protobuf classes: what a record
// without a session does to its batch, secrets, attributes this version does not
// know, values typed loosely, names that collide with agent-trace's own attrs keys,
// and which records share or do not share an id.
#include "ingest/otlp/otlp_logs.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "../../support/otlp_support.hpp"
#include "../../support/test_support.hpp"
#include "ingest/otlp/otlp_json.hpp"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"

namespace agent_trace::otlp {
namespace {

using LogsRequest = opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using LogRecord = opentelemetry::proto::logs::v1::LogRecord;
using testing_support::add_bool;
using testing_support::add_double;
using testing_support::add_int;
using testing_support::add_string;
using testing_support::has_key;
using testing_support::parse_attrs;
using testing_support::string_at;

constexpr uint64_t kBaseNanos = 1'795'639'377'000'000'000ull;  // 2026-11-25T20:42:57Z
constexpr const char* kSession = "90eb1b36-d9c1-4907-8f64-8aa363e92f2f";
constexpr const char* kAnthropicKey =
    "sk-ant-api03-Xy7Qp2LmN8vR4tK9wZ3bC6dF1gH5jS0aE-uYiO_Tq12345AbCdEf";

OtlpDecodeOptions options(uint8_t tier) { return testing_support::otlp_options(tier); }

// A record of Claude Code event `name` (the body carries the claude_code. prefix, as
// Claude Code sends it), with session.id and event.sequence unless empty / negative.
LogRecord* add_record(LogsRequest& request, const std::string& name, const std::string& session,
                      int64_t sequence) {
    if (request.resource_logs_size() == 0) {
        auto* resource = request.add_resource_logs()->mutable_resource();
        add_string(*resource->mutable_attributes(), "service.name", "claude-code");
        add_string(*resource->mutable_attributes(), "service.version", "2.1.332");
        request.mutable_resource_logs(0)->add_scope_logs()->mutable_scope()->set_name(
            "com.anthropic.claude_code.events");
    }
    auto* record = request.mutable_resource_logs(0)->mutable_scope_logs(0)->add_log_records();
    record->set_time_unix_nano(kBaseNanos + static_cast<uint64_t>(sequence + 1) * 1'000'000);
    record->set_observed_time_unix_nano(record->time_unix_nano());
    record->mutable_body()->set_string_value("claude_code." + name);
    auto& attributes = *record->mutable_attributes();
    if (!session.empty()) add_string(attributes, "session.id", session);
    add_string(attributes, "event.name", name);
    if (sequence >= 0) add_int(attributes, "event.sequence", sequence);
    return record;
}

OtlpDecoded decode(const LogsRequest& request, uint8_t tier = 1) {
    return decode_logs(request, options(tier));
}

Event decode_single(const LogsRequest& request, uint8_t tier = 1) {
    OtlpDecoded decoded = decode(request, tier);
    EXPECT_EQ(decoded.rejected, 0u) << decoded.rejection;
    EXPECT_EQ(decoded.events.size(), 1u);
    return decoded.events.empty() ? Event{} : decoded.events.front();
}

TEST(OtlpLogs, ARecordWithoutSessionIsRejectedAndCountedWhileTheBatchIsKept) {
    LogsRequest request;
    add_record(request, "user_prompt", kSession, 1);
    add_record(request, "api_request", "", 2);
    add_record(request, "tool_result", kSession, 3);
    const OtlpDecoded decoded = decode(request);
    EXPECT_EQ(decoded.rejected, 1u);
    EXPECT_NE(decoded.rejection.find("session_id"), std::string::npos) << decoded.rejection;
    EXPECT_NE(decoded.rejection.find("api_request"), std::string::npos) << decoded.rejection;
    ASSERT_EQ(decoded.events.size(), 2u);
    EXPECT_EQ(decoded.events[0].kind, EventKind::user_prompt);
    EXPECT_EQ(decoded.events[1].kind, EventKind::tool_end);
}

TEST(OtlpLogs, AnEmptyRequestGivesNoEventsAndNoRejection) {
    const OtlpDecoded decoded = decode(LogsRequest{});
    EXPECT_TRUE(decoded.events.empty());
    EXPECT_EQ(decoded.rejected, 0u);
}

TEST(OtlpLogs, SecretsInKeptAttributesAreRedacted) {
    LogsRequest request;
    auto* record = add_record(request, "user_prompt", kSession, 1);
    add_string(*record->mutable_attributes(), "prompt",
               std::string("deploy with ") + kAnthropicKey + " please");
    add_string(*record->mutable_attributes(), "query_source", kAnthropicKey);
    // A resource attribute too: it is copied into every record's attrs.
    add_string(*request.mutable_resource_logs(0)->mutable_resource()->mutable_attributes(),
               "service.instance.id", kAnthropicKey);
    for (const uint8_t tier : {1, 2, 3}) {
        SCOPED_TRACE(static_cast<int>(tier));
        const OtlpDecoded decoded = decode(request, tier);
        ASSERT_EQ(decoded.events.size(), 1u);
        const Event& e = decoded.events[0];
        EXPECT_EQ(e.attrs.find("sk-ant-"), std::string::npos) << e.attrs;
        const auto attrs = parse_attrs(e.attrs);
        EXPECT_EQ(string_at(attrs, "query_source"), "[REDACTED:anthropic_key]");
        EXPECT_EQ(string_at(attrs["resource"], "service.instance.id"), "[REDACTED:anthropic_key]");
        if (tier >= 2) {
            EXPECT_EQ(string_at(attrs, "prompt"), "deploy with [REDACTED:anthropic_key] please");
            EXPECT_EQ(decoded.redactions, 3u);
        } else {
            EXPECT_FALSE(has_key(attrs, "prompt"));
            EXPECT_EQ(decoded.redactions, 2u);
        }
    }
}

TEST(OtlpLogs, SecretsInValuesPromotedToColumnsAreRedactedToo) {
    LogsRequest request;
    auto* record = add_record(request, "tool_result", kSession, 1);
    add_string(*record->mutable_attributes(), "tool_name", std::string("mcp__") + kAnthropicKey);
    add_string(*record->mutable_attributes(), "error_type", kAnthropicKey);
    add_string(*record->mutable_attributes(), "success", "false");
    const OtlpDecoded decoded = decode(request);
    ASSERT_EQ(decoded.events.size(), 1u);
    const Event& e = decoded.events[0];
    EXPECT_EQ(e.tool_name, "mcp__[REDACTED:anthropic_key]");
    EXPECT_EQ(e.error, "[REDACTED:anthropic_key]");
    EXPECT_EQ(e.attrs.find("sk-ant-"), std::string::npos) << e.attrs;
}

TEST(OtlpLogs, UnknownNumericAttributesAreKeptAndUnknownFreeTextIsDroppedAtTierOne) {
    LogsRequest request;
    auto* record = add_record(request, "newer_event", kSession, 1);
    auto& attributes = *record->mutable_attributes();
    add_int(attributes, "retry_count", 3);
    add_double(attributes, "ratio", 0.25);
    add_bool(attributes, "from_cache", true);
    add_string(attributes, "mode", "fast-path");
    add_string(attributes, "notes",
               "The user asked about the payroll spreadsheet for the Berlin office and wants it "
               "summarised before the board meeting on Friday.");
    auto* list = attributes.Add();
    list->set_key("files_touched");
    list->mutable_value()->mutable_array_value()->add_values()->set_string_value("/home/a/x.txt");

    const OtlpDecoded tier1 = decode(request, 1);
    ASSERT_EQ(tier1.events.size(), 1u);
    EXPECT_EQ(tier1.events[0].kind, EventKind::other);
    const auto attrs = parse_attrs(tier1.events[0].attrs);
    EXPECT_EQ(string_at(attrs, "event"), "newer_event");
    ASSERT_TRUE(has_key(attrs, "retry_count"));
    EXPECT_EQ(attrs["retry_count"].GetInt64(), 3);
    ASSERT_TRUE(has_key(attrs, "ratio"));
    EXPECT_DOUBLE_EQ(attrs["ratio"].GetDouble(), 0.25);
    ASSERT_TRUE(has_key(attrs, "from_cache"));
    EXPECT_TRUE(attrs["from_cache"].GetBool());
    EXPECT_EQ(string_at(attrs, "mode"), "fast-path");
    EXPECT_FALSE(has_key(attrs, "notes")) << tier1.events[0].attrs;
    EXPECT_FALSE(has_key(attrs, "files_touched")) << tier1.events[0].attrs;
    EXPECT_EQ(tier1.events[0].attrs.find("payroll"), std::string::npos);
    EXPECT_EQ(tier1.dropped_attributes, 2u);

    const OtlpDecoded tier3 = decode(request, 3);
    ASSERT_EQ(tier3.events.size(), 1u);
    const auto all = parse_attrs(tier3.events[0].attrs);
    EXPECT_TRUE(has_key(all, "notes"));
    ASSERT_TRUE(has_key(all, "files_touched"));
    EXPECT_EQ(all["files_touched"][0].GetString(), std::string("/home/a/x.txt"));
    EXPECT_EQ(tier3.dropped_attributes, 0u);
}

TEST(OtlpLogs, NumbersAndBooleansSentAsStringsAreRead) {
    LogsRequest request;
    auto* api = add_record(request, "api_request", kSession, 1);
    auto& a = *api->mutable_attributes();
    add_string(a, "model", "claude-sonnet-4-5-20250929");
    add_string(a, "input_tokens", "123");
    add_string(a, "output_tokens", " 45 ");
    add_double(a, "cache_read_tokens", 9000.0);
    add_string(a, "cache_creation_5m_tokens", "300");
    add_int(a, "cache_creation_1h_tokens", 7);
    add_string(a, "cost_usd", "0.25");
    add_string(a, "duration_ms", "1500");
    auto* ok = add_record(request, "tool_result", kSession, 2);
    add_string(*ok->mutable_attributes(), "success", "true");
    auto* failed = add_record(request, "tool_result", kSession, 3);
    add_string(*failed->mutable_attributes(), "success", "false");
    add_string(*failed->mutable_attributes(), "error_type", "ShellError");
    auto* flagged = add_record(request, "tool_result", kSession, 4);
    add_bool(*flagged->mutable_attributes(), "success", false);

    const OtlpDecoded decoded = decode(request);
    ASSERT_EQ(decoded.events.size(), 4u) << decoded.rejection;
    const Event& e = decoded.events[0];
    EXPECT_EQ(e.kind, EventKind::api_request);
    EXPECT_EQ(e.input_tokens, 123);
    EXPECT_EQ(e.output_tokens, 45);
    EXPECT_EQ(e.cache_read_tokens, 9000);
    EXPECT_EQ(e.cache_write_5m_tokens, 300);
    EXPECT_EQ(e.cache_write_1h_tokens, 7);
    ASSERT_TRUE(e.cost_usd.has_value());
    EXPECT_DOUBLE_EQ(*e.cost_usd, 0.25);
    EXPECT_EQ(e.cost_source, CostSource::reported);
    EXPECT_EQ(e.duration_ms, 1500);
    EXPECT_EQ(decoded.events[1].kind, EventKind::tool_end);
    EXPECT_EQ(decoded.events[1].success, true);
    EXPECT_EQ(decoded.events[2].kind, EventKind::tool_error);
    EXPECT_EQ(decoded.events[2].success, false);
    EXPECT_EQ(decoded.events[2].error, "ShellError");
    EXPECT_EQ(decoded.events[3].kind, EventKind::tool_error);

    // The same figures typed the other way round read the same.
    LogsRequest typed;
    auto* api2 = add_record(typed, "api_request", kSession, 1);
    auto& b = *api2->mutable_attributes();
    add_string(b, "model", "claude-sonnet-4-5-20250929");
    add_int(b, "input_tokens", 123);
    add_int(b, "output_tokens", 45);
    add_int(b, "cache_read_tokens", 9000);
    add_int(b, "cache_creation_5m_tokens", 300);
    add_string(b, "cache_creation_1h_tokens", "7");
    add_double(b, "cost_usd", 0.25);
    const Event t = decode_single(typed);
    EXPECT_EQ(t.token_counts(), e.token_counts());
    EXPECT_EQ(t.cost_usd, e.cost_usd);
}

TEST(OtlpLogs, OtlpJsonIntValuesAsStringsOrNumbersAndBoolsReadTheSame) {
    auto request_with = [](const std::string& tokens, const std::string& success) {
        const std::string json =
            R"({"resourceLogs":[{"resource":{},"scopeLogs":[{"logRecords":[)"
            R"({"timeUnixNano":"1795639377053000000","body":{"stringValue":"claude_code.api_request"},)"
            R"("attributes":[{"key":"session.id","value":{"stringValue":"s-1"}},)"
            R"({"key":"model","value":{"stringValue":"claude-opus-4-1"}},)"
            R"({"key":"event.sequence","value":{"intValue":"5"}},)"
            R"({"key":"input_tokens","value":)" +
            tokens + R"(},{"key":"success","value":)" + success + R"(}]}]}]}]})";
        LogsRequest request;
        const Status parsed = parse_otlp_json(json, request);
        EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message) << json;
        return request;
    };
    const Event a = decode_single(request_with(R"({"intValue":"123"})", R"({"boolValue":true})"));
    const Event b = decode_single(request_with(R"({"intValue":123})", R"({"stringValue":"true"})"));
    const Event c =
        decode_single(request_with(R"({"stringValue":"123"})", R"({"stringValue":"TRUE"})"));
    for (const Event* e : {&a, &b, &c}) {
        EXPECT_EQ(e->input_tokens, 123);
        EXPECT_EQ(e->success, true);
        EXPECT_EQ(parse_attrs(e->attrs)["sequence"].GetInt64(), 5);
    }
    // Same natural key (session, event, sequence, time): the same event.
    EXPECT_EQ(a.event_id, b.event_id);
    EXPECT_EQ(a.event_id, c.event_id);
}

TEST(OtlpLogs, AttributesNamedLikeAgentTraceKeysAreKeptUnderAttrPrefix) {
    LogsRequest request;
    auto* record = add_record(request, "api_request", kSession, 1);
    auto& attributes = *record->mutable_attributes();
    add_string(attributes, "model", "claude-sonnet-4-5-20250929");
    add_string(attributes, "event", "custom");
    add_int(attributes, "resource", 5);
    add_string(attributes, "signal", "sigterm");
    add_int(attributes, "sequence", 99);
    const Event e = decode_single(request);
    const auto attrs = parse_attrs(e.attrs);
    // Each key appears once: the JSON object stays unambiguous.
    int events = 0;
    for (const auto& member : attrs.GetObject()) {
        if (std::string(member.name.GetString()) == "event") ++events;
    }
    EXPECT_EQ(events, 1) << e.attrs;
    EXPECT_EQ(string_at(attrs, "event"), "api_request");
    EXPECT_EQ(string_at(attrs, "attr.event"), "custom");
    EXPECT_TRUE(attrs["resource"].IsObject()) << e.attrs;
    ASSERT_TRUE(has_key(attrs, "attr.resource")) << e.attrs;
    EXPECT_EQ(attrs["attr.resource"].GetInt64(), 5);
    EXPECT_EQ(string_at(attrs, "signal"), "logs");
    EXPECT_EQ(string_at(attrs, "attr.signal"), "sigterm");
    EXPECT_EQ(attrs["sequence"].GetInt64(), 1);
    EXPECT_EQ(attrs["attr.sequence"].GetInt64(), 99);
}

TEST(OtlpLogs, IdsAreDeterministicAndDistinctRecordsGetDistinctIds) {
    LogsRequest request;
    add_record(request, "user_prompt", kSession, 1);
    add_string(*add_record(request, "api_request", kSession, 2)->mutable_attributes(), "model",
               "claude-sonnet-4-5-20250929");
    add_record(request, "tool_result", kSession, 3);
    // The same sequence in another process of the session (a resume): another time.
    add_record(request, "tool_result", kSession, 3)->set_time_unix_nano(kBaseNanos + 999'000'000);
    // Another session with the same sequence and time.
    add_record(request, "tool_result", "other-session", 3);
    // No sequence: the record's bytes decide.
    add_string(*add_record(request, "hook_execution_start", kSession, -1)->mutable_attributes(),
               "hook_name", "a");
    add_string(*add_record(request, "hook_execution_start", kSession, -1)->mutable_attributes(),
               "hook_name", "b");

    const OtlpDecoded first = decode(request);
    ASSERT_EQ(first.events.size(), 7u) << first.rejection;
    std::set<std::string> ids;
    for (const Event& e : first.events) ids.insert(e.event_id.hex());
    EXPECT_EQ(ids.size(), 7u);

    const OtlpDecoded second = decode(request);
    ASSERT_EQ(second.events.size(), first.events.size());
    for (size_t i = 0; i < first.events.size(); ++i) {
        EXPECT_EQ(second.events[i].event_id, first.events[i].event_id) << i;
    }
    // A retried export arrives in another request, maybe with other records around it.
    LogsRequest retry;
    add_record(retry, "tool_result", kSession, 3);
    EXPECT_EQ(decode_single(retry).event_id, first.events[2].event_id);
}

TEST(OtlpLogs, EventTimeFallsBackToClaudeCodesTimestampAttribute) {
    LogsRequest request;
    auto* record = add_record(request, "user_prompt", kSession, 1);
    record->clear_time_unix_nano();
    record->clear_observed_time_unix_nano();
    add_string(*record->mutable_attributes(), "event.timestamp", "2026-11-25T20:42:57.248Z");
    EXPECT_EQ(decode_single(request).ts, testing_support::at("2026-11-25T20:42:57.248Z"));

    record->clear_attributes();
    add_string(*record->mutable_attributes(), "session.id", kSession);
    record->set_observed_time_unix_nano(kBaseNanos);
    EXPECT_EQ(decode_single(request).ts, static_cast<TimestampUs>(kBaseNanos / 1000));
}

TEST(OtlpLogs, CostInMicroDollarsIsUsedWhenDollarsAreMissing) {
    LogsRequest request;
    auto* record = add_record(request, "api_request", kSession, 1);
    add_string(*record->mutable_attributes(), "model", "claude-sonnet-4-5-20250929");
    add_int(*record->mutable_attributes(), "cost_usd_micros", 38025);
    add_int(*record->mutable_attributes(), "cache_creation_tokens", 9000);
    const Event e = decode_single(request);
    ASSERT_TRUE(e.cost_usd.has_value());
    EXPECT_DOUBLE_EQ(*e.cost_usd, 0.038025);
    // No 5m/1h split: the default 5-minute cache.
    EXPECT_EQ(e.cache_write_5m_tokens, 9000);
    EXPECT_EQ(e.cache_write_1h_tokens, 0);
}

TEST(OtlpLogs, ClaudeCodeEventNamesMapToCanonicalKinds) {
    EXPECT_EQ(log_event_kind("api_request", std::nullopt), EventKind::api_request);
    EXPECT_EQ(log_event_kind("user_prompt", std::nullopt), EventKind::user_prompt);
    EXPECT_EQ(log_event_kind("tool_result", true), EventKind::tool_end);
    EXPECT_EQ(log_event_kind("tool_result", false), EventKind::tool_error);
    EXPECT_EQ(log_event_kind("tool_decision", std::nullopt), EventKind::permission);
    EXPECT_EQ(log_event_kind("api_error", std::nullopt), EventKind::api_error);
    EXPECT_EQ(log_event_kind("api_retries_exhausted", std::nullopt), EventKind::api_error);
    EXPECT_EQ(log_event_kind("compaction", std::nullopt), EventKind::compact);
    EXPECT_EQ(log_event_kind("subagent_completed", std::nullopt), EventKind::subagent_stop);
    EXPECT_EQ(log_event_kind("hook_registered", std::nullopt), EventKind::other);
}

TEST(OtlpLogs, TraceContextOfARecordIsKeptAsHex) {
    const std::string json =
        R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"1795639377053000000",)"
        R"("traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"eee19b7ec3c1b174",)"
        R"("body":{"stringValue":"claude_code.user_prompt"},)"
        R"("attributes":[{"key":"session.id","value":{"stringValue":"s-1"}}]}]}]}]})";
    LogsRequest request;
    ASSERT_TRUE(parse_otlp_json(json, request).ok());
    const auto attrs = parse_attrs(decode_single(request).attrs);
    EXPECT_EQ(string_at(attrs, "trace_id"), "5b8efff798038103d269b633813fc60c");
    EXPECT_EQ(string_at(attrs, "span_id"), "eee19b7ec3c1b174");
}

}  // namespace
}  // namespace agent_trace::otlp
