// The hand-encoded OTLP answers read by protobuf itself. The 0.38.0 protos have no
// partial_success, so the test declares the layout newer OTLP versions define
// (Export*PartialSuccess {int64 rejected_*; string error_message}) and google.rpc.Status
// in a descriptor pool of its own, and parses the bytes (and the JSON forms) with it.
#include "server/otlp_wire.hpp"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"

namespace agent_trace::server {
namespace {

namespace pb = google::protobuf;

// The messages as opentelemetry-proto >= 0.19 and googleapis define them.
class WireSchema {
public:
    WireSchema() {
        pb::FileDescriptorProto file;
        file.set_name("agent_trace_test_wire.proto");
        file.set_package("wire");
        file.set_syntax("proto3");
        for (const auto& [partial, response, count] :
             {std::tuple{"ExportLogsPartialSuccess", "ExportLogsServiceResponse",
                         "rejected_log_records"},
              std::tuple{"ExportMetricsPartialSuccess", "ExportMetricsServiceResponse",
                         "rejected_data_points"},
              std::tuple{"ExportTracePartialSuccess", "ExportTraceServiceResponse",
                         "rejected_spans"}}) {
            auto* p = file.add_message_type();
            p->set_name(partial);
            add_field(p, count, 1, pb::FieldDescriptorProto::TYPE_INT64);
            add_field(p, "error_message", 2, pb::FieldDescriptorProto::TYPE_STRING);
            auto* r = file.add_message_type();
            r->set_name(response);
            add_field(r, "partial_success", 1, pb::FieldDescriptorProto::TYPE_MESSAGE,
                      std::string(".wire.") + partial);
        }
        auto* status = file.add_message_type();
        status->set_name("Status");
        add_field(status, "code", 1, pb::FieldDescriptorProto::TYPE_INT32);
        add_field(status, "message", 2, pb::FieldDescriptorProto::TYPE_STRING);
        file_ = pool_.BuildFile(file);
        EXPECT_NE(file_, nullptr);
    }

    // A fresh message of `name` parsed from protobuf bytes; null when they do not parse.
    std::unique_ptr<pb::Message> parse(const std::string& name, const std::string& bytes) {
        std::unique_ptr<pb::Message> message(prototype(name)->New());
        if (!message->ParseFromString(bytes)) return nullptr;
        return message;
    }

    std::unique_ptr<pb::Message> parse_json(const std::string& name, const std::string& json) {
        std::unique_ptr<pb::Message> message(prototype(name)->New());
        const auto status = pb::util::JsonStringToMessage(json, message.get());
        EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
        if (!status.ok()) return nullptr;
        return message;
    }

private:
    static void add_field(pb::DescriptorProto* message, const std::string& name, int number,
                          pb::FieldDescriptorProto::Type type, const std::string& type_name = "") {
        auto* f = message->add_field();
        f->set_name(name);
        f->set_number(number);
        f->set_type(type);
        f->set_label(pb::FieldDescriptorProto::LABEL_OPTIONAL);
        if (!type_name.empty()) f->set_type_name(type_name);
    }

    const pb::Message* prototype(const std::string& name) {
        const pb::Descriptor* descriptor = pool_.FindMessageTypeByName("wire." + name);
        EXPECT_NE(descriptor, nullptr) << name;
        return factory_.GetPrototype(descriptor);
    }

    pb::DescriptorPool pool_;
    const pb::FileDescriptor* file_ = nullptr;
    pb::DynamicMessageFactory factory_{&pool_};
};

struct Partial {
    int64_t rejected = -1;
    std::string message;
    bool present = false;
};

Partial partial_of(const pb::Message& response) {
    const auto* reflection = response.GetReflection();
    const auto* field = response.GetDescriptor()->FindFieldByNumber(1);
    Partial out;
    out.present = reflection->HasField(response, field);
    const pb::Message& partial = reflection->GetMessage(response, field);
    const auto* preflection = partial.GetReflection();
    out.rejected = preflection->GetInt64(partial, partial.GetDescriptor()->FindFieldByNumber(1));
    out.message = preflection->GetString(partial, partial.GetDescriptor()->FindFieldByNumber(2));
    EXPECT_EQ(preflection->GetUnknownFields(partial).field_count(), 0);
    EXPECT_EQ(reflection->GetUnknownFields(response).field_count(), 0);
    return out;
}

TEST(OtlpWire, PartialSuccessParsesAsField1WithCountAndMessage) {
    WireSchema schema;
    const std::string bytes = export_response_protobuf(3, "log record \"x\": session_id is empty");
    for (const char* response : {"ExportLogsServiceResponse", "ExportMetricsServiceResponse",
                                 "ExportTraceServiceResponse"}) {
        auto message = schema.parse(response, bytes);
        ASSERT_NE(message, nullptr) << response;
        const Partial partial = partial_of(*message);
        EXPECT_TRUE(partial.present);
        EXPECT_EQ(partial.rejected, 3);
        EXPECT_EQ(partial.message, "log record \"x\": session_id is empty");
    }
}

TEST(OtlpWire, PartialSuccessLayoutSeenAsUnknownFields) {
    const std::string bytes = export_response_protobuf(300, "why");
    pb::UnknownFieldSet fields;
    ASSERT_TRUE(fields.ParseFromString(bytes));
    ASSERT_EQ(fields.field_count(), 1);
    EXPECT_EQ(fields.field(0).number(), 1);
    ASSERT_EQ(fields.field(0).type(), pb::UnknownField::TYPE_LENGTH_DELIMITED);
    pb::UnknownFieldSet inner;
    ASSERT_TRUE(inner.ParseFromString(fields.field(0).length_delimited()));
    ASSERT_EQ(inner.field_count(), 2);
    EXPECT_EQ(inner.field(0).number(), 1);
    EXPECT_EQ(inner.field(0).type(), pb::UnknownField::TYPE_VARINT);
    EXPECT_EQ(inner.field(0).varint(), 300u);
    EXPECT_EQ(inner.field(1).number(), 2);
    EXPECT_EQ(inner.field(1).length_delimited(), "why");
    // The 0.38.0 generated response (no partial_success) still reads it: an unknown field.
    opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse old;
    EXPECT_TRUE(old.ParseFromString(bytes));
}

TEST(OtlpWire, LargeCountsAndLongMessagesRoundTrip) {
    WireSchema schema;
    const std::string long_message(1000, 'm');  // length needs a two-byte varint
    const uint64_t big = (1ull << 40) + 7;
    auto message =
        schema.parse("ExportLogsServiceResponse", export_response_protobuf(big, long_message));
    ASSERT_NE(message, nullptr);
    const Partial partial = partial_of(*message);
    EXPECT_EQ(partial.rejected, static_cast<int64_t>(big));
    EXPECT_EQ(partial.message, long_message);
    // Only a message, no count.
    auto only_message =
        schema.parse("ExportLogsServiceResponse", export_response_protobuf(0, "hi"));
    ASSERT_NE(only_message, nullptr);
    EXPECT_EQ(partial_of(*only_message).rejected, 0);
    EXPECT_EQ(partial_of(*only_message).message, "hi");
}

TEST(OtlpWire, NothingRejectedIsAnEmptyResponse) {
    WireSchema schema;
    EXPECT_EQ(export_response_protobuf(0, ""), "");
    auto message = schema.parse("ExportLogsServiceResponse", export_response_protobuf(0, ""));
    ASSERT_NE(message, nullptr);
    EXPECT_FALSE(partial_of(*message).present);
    EXPECT_EQ(export_response_json(OtlpSignal::logs, 0, ""), "{}");
}

TEST(OtlpWire, JsonPartialSuccessUsesEachSignalsFieldName) {
    WireSchema schema;
    const std::pair<OtlpSignal, const char*> cases[] = {
        {OtlpSignal::logs, "ExportLogsServiceResponse"},
        {OtlpSignal::metrics, "ExportMetricsServiceResponse"},
        {OtlpSignal::traces, "ExportTraceServiceResponse"},
    };
    for (const auto& [signal, response] : cases) {
        const std::string json = export_response_json(signal, 2, "a \"quoted\" reason");
        auto message = schema.parse_json(response, json);
        ASSERT_NE(message, nullptr) << json;
        const Partial partial = partial_of(*message);
        EXPECT_EQ(partial.rejected, 2) << json;
        EXPECT_EQ(partial.message, "a \"quoted\" reason");
    }
    EXPECT_NE(export_response_json(OtlpSignal::logs, 2, "x").find("\"rejectedLogRecords\":\"2\""),
              std::string::npos);
}

TEST(OtlpWire, RpcStatusParsesAsGoogleRpcStatus) {
    WireSchema schema;
    for (const auto& [code, text] :
         {std::pair{3, std::string("malformed protobuf")}, std::pair{8, std::string(500, 'x')},
          std::pair{14, std::string("queue unavailable: disk full")},
          std::pair{0, std::string()}}) {
        auto message = schema.parse("Status", rpc_status_protobuf(code, text));
        ASSERT_NE(message, nullptr) << code;
        const auto* reflection = message->GetReflection();
        const auto* descriptor = message->GetDescriptor();
        EXPECT_EQ(reflection->GetInt32(*message, descriptor->FindFieldByName("code")), code);
        EXPECT_EQ(reflection->GetString(*message, descriptor->FindFieldByName("message")), text);
        EXPECT_EQ(reflection->GetUnknownFields(*message).field_count(), 0);

        auto from_json = schema.parse_json("Status", rpc_status_json(code, text));
        ASSERT_NE(from_json, nullptr);
        EXPECT_EQ(reflection->GetInt32(*from_json, descriptor->FindFieldByName("code")), code);
        EXPECT_EQ(reflection->GetString(*from_json, descriptor->FindFieldByName("message")), text);
    }
}

TEST(OtlpWire, SignalNames) {
    EXPECT_EQ(to_string(OtlpSignal::logs), "logs");
    EXPECT_EQ(to_string(OtlpSignal::metrics), "metrics");
    EXPECT_EQ(to_string(OtlpSignal::traces), "traces");
}

}  // namespace
}  // namespace agent_trace::server
