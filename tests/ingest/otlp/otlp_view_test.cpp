// decode_logs_protobuf, the receivers' reading of a logs export in place (otlp_view),
// against decode_logs on the message protobuf parses from the same bytes: the same
// events byte for byte (and the same rejections and counts) for the captured exports,
// for random requests and for randomly damaged ones; and the forms it leaves to the
// protobuf parser (nullopt) are the ones protobuf reads its own way or refuses.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "../../support/otlp_support.hpp"
#include "../../support/test_support.hpp"
#include "ingest/otlp/otlp_json.hpp"
#include "ingest/otlp/otlp_logs.hpp"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "pipeline/event_codec.hpp"

namespace agent_trace::otlp {
namespace {

using LogsRequest = opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;
using LogRecord = opentelemetry::proto::logs::v1::LogRecord;
using AnyValue = opentelemetry::proto::common::v1::AnyValue;
using KeyValue = opentelemetry::proto::common::v1::KeyValue;

constexpr uint64_t kBaseNanos = 1'795'639'377'000'000'000ull;  // 2026-11-25T20:42:57Z

OtlpDecodeOptions options(uint8_t tier) { return testing_support::otlp_options(tier); }

// Everything a decode produced, events in their queue form (every field of each).
struct Outcome {
    std::vector<std::string> events;
    uint64_t rejected = 0;
    std::string rejection;
    uint64_t dropped_attributes = 0;
    uint64_t redactions = 0;
    bool operator==(const Outcome&) const = default;
};

Outcome outcome_of(const OtlpDecoded& decoded) {
    Outcome out;
    for (const Event& e : decoded.events) {
        out.events.emplace_back();
        encode_event(e, out.events.back());
    }
    out.rejected = decoded.rejected;
    out.rejection = decoded.rejection;
    out.dropped_attributes = decoded.dropped_attributes;
    out.redactions = decoded.redactions;
    return out;
}

// Whether the bytes were read in place; when they were, protobuf must read them too
// and decode_logs must give the same at every tier.
bool read_in_place_alike(const std::string& bytes) {
    const auto fast = decode_logs_protobuf(bytes, options(1));
    if (!fast) return false;
    LogsRequest parsed;
    EXPECT_TRUE(parsed.ParseFromString(bytes)) << "read in place what protobuf refuses";
    EXPECT_EQ(outcome_of(*fast), outcome_of(decode_logs(parsed, options(1))));
    for (const uint8_t tier : {2, 3}) {
        const auto at_tier = decode_logs_protobuf(bytes, options(tier));
        EXPECT_TRUE(at_tier.has_value());
        if (at_tier) {
            EXPECT_EQ(outcome_of(*at_tier), outcome_of(decode_logs(parsed, options(tier))));
        }
    }
    return true;
}

// Wire format by hand, for the forms the generated classes do not write.
std::string varint(uint64_t v) {
    std::string out;
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
    return out;
}
std::string tag(uint32_t field, uint32_t wire) { return varint((uint64_t{field} << 3) | wire); }
std::string bytes_field(uint32_t field, std::string_view payload) {
    return tag(field, 2) + varint(payload.size()) + std::string(payload);
}
std::string varint_field(uint32_t field, uint64_t v) { return tag(field, 0) + varint(v); }

// One record (bytes) inside a request of one resource and one scope.
std::string request_around(const std::string& record_bytes) {
    return bytes_field(1, bytes_field(2, bytes_field(2, record_bytes)));
}

LogRecord plain_record(int64_t sequence) {
    LogRecord record;
    record.set_time_unix_nano(kBaseNanos);
    record.mutable_body()->set_string_value("claude_code.api_request");
    testing_support::add_string(*record.mutable_attributes(), "session.id", "s-1");
    testing_support::add_string(*record.mutable_attributes(), "model", "claude-sonnet-4-5");
    if (sequence >= 0) {
        testing_support::add_int(*record.mutable_attributes(), "event.sequence", sequence);
    }
    return record;
}

// Random requests: every field decode_logs reads, values of every type, keys it treats
// specially and keys it does not know, text that needs escaping or redacting.
class RandomRequests {
public:
    explicit RandomRequests(uint64_t seed) : rng_(seed) {}

    LogsRequest next() {
        LogsRequest request;
        const int resources = 1 + pick(3);
        for (int r = 0; r < resources; ++r) {
            auto* rl = request.add_resource_logs();
            if (pick(4) != 0) {
                auto& attributes = *rl->mutable_resource()->mutable_attributes();
                for (const char* key : {"service.name", "service.version", "host.name",
                                        "user.email", "os.type", "team"}) {
                    if (pick(2) == 0) value(*add(attributes, key), 0);
                }
            }
            const int scopes = 1 + pick(3);
            for (int s = 0; s < scopes; ++s) {
                auto* sl = rl->add_scope_logs();
                if (pick(3) != 0) sl->mutable_scope()->set_name(text());
                const int records = pick(8);
                for (int i = 0; i < records; ++i) record(*sl->add_log_records());
            }
        }
        return request;
    }

private:
    int pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }

    static AnyValue* add(google::protobuf::RepeatedPtrField<KeyValue>& attributes,
                         const std::string& key) {
        KeyValue* kv = attributes.Add();
        kv->set_key(key);
        return kv->mutable_value();
    }
    static AnyValue* add(google::protobuf::RepeatedPtrField<KeyValue>& attributes,
                         const char* key) {
        return add(attributes, std::string(key));
    }

    std::string text() {
        static const std::vector<std::string> kTexts{
            "",
            "claude_code.api_request",
            "claude_code.tool_result",
            "tool_decision",
            "90eb1b36-d9c1-4907-8f64-8aa363e92f2f",
            "claude-sonnet-4-5-20250929",
            " 42 ",
            "-7",
            "1.5e3",
            "true",
            "False",
            "2026-11-25T20:42:57.508Z",
            "not a time",
            "h\xC3\xA9llo \xE2\x9C\x93 \xF0\x9F\x98\x80",
            "quote \" backslash \\ newline \n tab \t bell \x07 del \x7F",
            "sk-ant-api03-Xy7Qp2LmN8vR4tK9wZ3bC6dF1gH5jS0aE-uYiO_Tq12345AbCdEf",
            "Authorization: Bearer abcdef0123456789abcdef",
            "password=hunter2hunter2",
            R"({"bash_command":"ls","full_command":"ls -la"})",
            std::string(300, 'x') + "\xC3\xA9",
        };
        return kTexts[static_cast<size_t>(pick(static_cast<int>(kTexts.size())))];
    }

    void value(AnyValue& v, int depth) {
        switch (pick(depth < 10 ? 10 : 8)) {
            case 0:
            case 1:
            case 2:
                v.set_string_value(text());
                return;
            case 3:
                v.set_bool_value(pick(2) == 0);
                return;
            case 4: {
                static const std::vector<int64_t> kInts{0,
                                                        1,
                                                        -1,
                                                        42,
                                                        1'000'000,
                                                        std::numeric_limits<int64_t>::min(),
                                                        std::numeric_limits<int64_t>::max()};
                v.set_int_value(kInts[static_cast<size_t>(pick(static_cast<int>(kInts.size())))]);
                return;
            }
            case 5: {
                static const std::vector<double> kDoubles{0.0,
                                                          -0.0,
                                                          0.038025,
                                                          1e300,
                                                          -2.5,
                                                          std::nan(""),
                                                          std::numeric_limits<double>::infinity()};
                v.set_double_value(
                    kDoubles[static_cast<size_t>(pick(static_cast<int>(kDoubles.size())))]);
                return;
            }
            case 6:
                v.set_bytes_value(std::string("\x00\x01\xFF\x80", 4));
                return;
            case 7:
                return;  // unset
            case 8: {
                auto* array = v.mutable_array_value();
                for (int i = pick(4); i > 0; --i) value(*array->add_values(), depth + 1);
                return;
            }
            default: {
                auto* list = v.mutable_kvlist_value();
                for (int i = pick(4); i > 0; --i) {
                    auto* kv = list->add_values();
                    kv->set_key(pick(2) == 0 ? "k" : text());
                    if (pick(5) != 0) value(*kv->mutable_value(), depth + 1);
                }
                return;
            }
        }
    }

    void record(LogRecord& r) {
        static const std::vector<std::string> kKeys{
            "session.id",
            "prompt.id",
            "event.name",
            "event.sequence",
            "event.timestamp",
            "model",
            "request_id",
            "tool_use_id",
            "tool_name",
            "agent_id",
            "app.version",
            "duration_ms",
            "user.id",
            "user.email",
            "user.account_uuid",
            "user.account_id",
            "cost_usd",
            "cost_usd_micros",
            "input_tokens",
            "output_tokens",
            "cache_read_tokens",
            "cache_creation_tokens",
            "cache_creation_5m_tokens",
            "cache_creation_1h_tokens",
            "success",
            "error_type",
            "status_code",
            "prompt",
            "tool_parameters",
            "response",
            "error",
            "signal",
            "event",
            "scope",
            "sequence",
            "resource",
            "hook_name",
            "managed_settings.sources",
            "agent_trace.scenario",
            "x.unknown",
            "team",
        };
        if (pick(6) != 0) r.set_time_unix_nano(kBaseNanos + rng_() % 1'000'000'000'000ull);
        if (pick(2) == 0) r.set_observed_time_unix_nano(kBaseNanos + rng_() % 1'000'000'000ull);
        static const std::vector<int> kSeverities{0, 9, 17, -5, std::numeric_limits<int>::max()};
        r.set_severity_number(static_cast<opentelemetry::proto::logs::v1::SeverityNumber>(
            kSeverities[static_cast<size_t>(pick(static_cast<int>(kSeverities.size())))]));
        if (pick(4) == 0) r.set_severity_text("INFO");
        if (pick(8) != 0) {
            r.mutable_body()->set_string_value(pick(4) == 0 ? text() : "claude_code.api_request");
        } else if (pick(2) == 0) {
            value(*r.mutable_body(), 0);
        }
        if (pick(4) == 0) r.set_trace_id(std::string(16, '\x1A'));
        if (pick(4) == 0) r.set_span_id(pick(2) == 0 ? std::string(8, '\x2B') : "abc");
        auto& attributes = *r.mutable_attributes();
        // Mostly a session and a sequence, so most records are taken.
        if (pick(8) != 0)
            add(attributes, "session.id")->set_string_value("s-" + std::to_string(pick(3)));
        if (pick(6) != 0) add(attributes, "event.sequence")->set_int_value(pick(1000));
        for (int i = pick(20); i > 0; --i) {
            value(
                *add(attributes, kKeys[static_cast<size_t>(pick(static_cast<int>(kKeys.size())))]),
                0);
        }
    }

    std::mt19937_64 rng_;
};

TEST(OtlpView, CapturedExportsDecodeTheSameReadInPlace) {
    size_t requests = 0;
    for (const auto& capture : testing_support::captured_otlp_json("logs")) {
        SCOPED_TRACE(capture.scenario);
        LogsRequest request;
        ASSERT_TRUE(parse_otlp_json(capture.body, request).ok());
        std::string bytes;
        ASSERT_TRUE(request.SerializeToString(&bytes));
        EXPECT_TRUE(read_in_place_alike(bytes));
        ++requests;
    }
    for (const std::string& bytes : testing_support::captured_otlp_protobuf("logs")) {
        EXPECT_TRUE(read_in_place_alike(bytes));
        ++requests;
    }
    EXPECT_GE(requests, 7u);
}

TEST(OtlpView, RandomRequestsDecodeTheSameReadInPlace) {
    RandomRequests random(20261125);
    size_t events = 0;
    for (int i = 0; i < 400; ++i) {
        const LogsRequest request = random.next();
        std::string bytes;
        ASSERT_TRUE(request.SerializeToString(&bytes));
        SCOPED_TRACE("request " + std::to_string(i));
        EXPECT_TRUE(read_in_place_alike(bytes));
        events += decode_logs(request, options(1)).events.size();
    }
    EXPECT_GE(events, 1000u);  // the generator produces takeable records, not only rejections
}

TEST(OtlpView, DamagedBytesAreReadInPlaceOnlyWhenProtobufReadsThemAlike) {
    RandomRequests random(7);
    std::mt19937_64 rng(11);
    size_t in_place = 0;
    size_t left_to_protobuf = 0;
    for (int i = 0; i < 40; ++i) {
        std::string original;
        ASSERT_TRUE(random.next().SerializeToString(&original));
        if (original.empty()) continue;
        for (int m = 0; m < 60; ++m) {
            std::string bytes = original;
            const size_t at = rng() % bytes.size();
            switch (rng() % 4) {
                case 0:
                    bytes[at] = static_cast<char>(rng());
                    break;
                case 1:
                    bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8)));
                    break;
                case 2:
                    bytes.resize(at);
                    break;
                default:
                    bytes.insert(at, 1, static_cast<char>(rng()));
                    break;
            }
            if (read_in_place_alike(bytes)) {
                ++in_place;
            } else {
                ++left_to_protobuf;
            }
        }
    }
    // Both ways were taken: the damage did not all make the bytes unreadable.
    EXPECT_GT(in_place, 100u);
    EXPECT_GT(left_to_protobuf, 100u);
}

TEST(OtlpView, FormsProtobufReadsItsOwnWayAreLeftToIt) {
    std::string record;
    ASSERT_TRUE(plain_record(3).SerializeToString(&record));
    ASSERT_TRUE(read_in_place_alike(request_around(record)));

    const std::string body_string = bytes_field(1, "claude_code.tool_result");
    const struct {
        const char* what;
        std::string bytes;
        bool protobuf_parses;
    } cases[] = {
        // Protobuf merges a repeated singular message and keeps the last oneof member.
        {"body twice", request_around(record + bytes_field(5, body_string)), true},
        {"two members of one AnyValue",
         request_around(record + bytes_field(5, body_string + varint_field(3, 7))), true},
        // A known field with another wire type is an unknown field to protobuf.
        {"time as a varint", request_around(record + varint_field(1, 5)), true},
        {"deprecated instrumentation_library_logs",
         bytes_field(1, bytes_field(1000, bytes_field(2, record))), true},
        {"a group", request_around(record + tag(40, 3) + tag(40, 4)), true},
        {"invalid UTF-8 in a key",
         request_around(record + bytes_field(6, bytes_field(1, "bad \xC3\x28 key"))), false},
        {"invalid UTF-8 in the scope name",
         bytes_field(
             1, bytes_field(2, bytes_field(1, bytes_field(1, "\xFF")) + bytes_field(2, record))),
         false},
        {"a length past the end", request_around(record) + tag(1, 2) + varint(1000) + "ab", false},
        {"field number 0", request_around(record) + varint_field(0, 1), false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        EXPECT_FALSE(decode_logs_protobuf(c.bytes, options(1)).has_value());
        LogsRequest parsed;
        EXPECT_EQ(parsed.ParseFromString(c.bytes), c.protobuf_parses);
    }

    // Arrays nested deeper than the reader follows: protobuf's own limit is higher.
    AnyValue deep;
    deep.set_string_value("bottom");
    for (int i = 0; i < 40; ++i) {
        AnyValue outer;
        *outer.mutable_array_value()->add_values() = deep;
        deep = outer;
    }
    LogRecord nested = plain_record(4);
    KeyValue* kv = nested.add_attributes();
    kv->set_key("x.nested");
    *kv->mutable_value() = deep;
    std::string nested_bytes;
    ASSERT_TRUE(nested.SerializeToString(&nested_bytes));
    EXPECT_FALSE(decode_logs_protobuf(request_around(nested_bytes), options(3)).has_value());
    LogsRequest parsed;
    EXPECT_TRUE(parsed.ParseFromString(request_around(nested_bytes)));
}

TEST(OtlpView, UnknownFieldsAreSkippedAndStillCountInTheIdOfARecordWithoutSequence) {
    std::string record;
    ASSERT_TRUE(plain_record(-1).SerializeToString(&record));
    const std::string with_unknown = record + varint_field(50, 12345);
    ASSERT_TRUE(read_in_place_alike(request_around(with_unknown)));
    // The id of a record without event.sequence hashes the record itself, unknown fields too.
    const auto plain = decode_logs_protobuf(request_around(record), options(1));
    const auto extended = decode_logs_protobuf(request_around(with_unknown), options(1));
    ASSERT_TRUE(plain && extended);
    ASSERT_EQ(plain->events.size(), 1u);
    ASSERT_EQ(extended->events.size(), 1u);
    EXPECT_NE(plain->events[0].event_id, extended->events[0].event_id);
}

}  // namespace
}  // namespace agent_trace::otlp
