// OTLP conformance of `serve`: the real ServeApp (in-process, temp data dir, ports 0)
// driven by a real gRPC client (the generated stubs, and a generic stub for bytes
// that are not a valid message) and a real HTTP client on 127.0.0.1. Every case
// checks the status the OTLP spec asks for, the answer's body, the counters in
// /healthz, what reached the SQLite file, and that the server still works after it.
#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cmath>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../support/otlp_support.hpp"
#include "../support/test_support.hpp"
#include "ingest/otlp/otlp_json.hpp"
#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "server/gzip.hpp"
#include "server/serve_app.hpp"

namespace agent_trace::server {
namespace {

using namespace std::chrono_literals;
namespace logs_v1 = opentelemetry::proto::collector::logs::v1;
namespace metrics_v1 = opentelemetry::proto::collector::metrics::v1;
namespace trace_v1 = opentelemetry::proto::collector::trace::v1;
namespace pb = google::protobuf;
using testing_support::add_int;
using testing_support::add_string;

constexpr const char* kLogsMethod = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
constexpr const char* kProtobuf = "application/x-protobuf";
constexpr const char* kJson = "application/json";
constexpr uint64_t kBaseNanos = 1'795'639'377'000'000'000ull;  // 2026-11-25T20:42:57Z

// ---- the server ----

class Served {
public:
    explicit Served(void (*tweak)(ServeOptions&) = nullptr) {
        ServeOptions options;
        options.data_dir = dir_.path().string();
        options.hooks_port = 0;
        options.otlp_grpc_port = 0;
        options.api_port = 0;
        options.import_history = false;
        options.queue_sync = QueueSync::none;
        options.spool_poll = 50ms;
        if (tweak != nullptr) tweak(options);
        auto app = ServeApp::start(options);
        EXPECT_TRUE(app.ok()) << (app.ok() ? "" : app.error().message);
        if (app.ok()) app_ = std::move(*app);
    }

    [[nodiscard]] bool up() const { return app_ != nullptr; }
    [[nodiscard]] uint16_t http_port() const { return app_->hooks_port(); }
    [[nodiscard]] std::string grpc_target() const {
        return "127.0.0.1:" + std::to_string(app_->otlp_grpc_port());
    }
    [[nodiscard]] std::string database() const { return (dir_.path() / "agent-trace.db").string(); }

    [[nodiscard]] rapidjson::Document health() const {
        rapidjson::Document doc;
        doc.Parse(app_->health_json().c_str());
        EXPECT_FALSE(doc.HasParseError());
        return doc;
    }

    // ingest.otlp.<signal>.rejected_by_reason.<reason>
    [[nodiscard]] uint64_t rejected(const char* signal, const char* reason) const {
        const auto doc = health();
        const auto& by_reason = doc["ingest"]["otlp"][signal]["rejected_by_reason"];
        return by_reason.HasMember(reason) ? by_reason[reason].GetUint64() : 0;
    }
    [[nodiscard]] uint64_t otlp(const char* signal, const char* counter) const {
        return health()["ingest"]["otlp"][signal][counter].GetUint64();
    }
    [[nodiscard]] uint64_t appended() const {
        return health()["queue"]["appended_total"].GetUint64();
    }

    // Waits (bounded) until the writer has stored everything appended so far.
    void wait_drained() const {
        for (int i = 0; i < 1000; ++i) {
            if (health()["queue"]["depth_records"].GetUint64() == 0) return;
            std::this_thread::sleep_for(20ms);
        }
        ADD_FAILURE() << "the writer did not drain the queue in 20 s";
    }

    // Rows of the events table matching `where`, read from the SQLite file.
    // The first column of the first row of `sql` on the SQLite file (NaN when it fails).
    [[nodiscard]] double query(const std::string& sql) const {
        sqlite3* db = nullptr;
        double value = std::nan("");
        if (sqlite3_open_v2(database().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
            sqlite3_busy_timeout(db, 5000);
            sqlite3_stmt* stmt = nullptr;
            if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
                sqlite3_step(stmt) == SQLITE_ROW) {
                value = sqlite3_column_double(stmt, 0);
            } else {
                ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
            }
            sqlite3_finalize(stmt);
        }
        sqlite3_close(db);
        return value;
    }

    // Rows of the events table matching `where`.
    [[nodiscard]] int64_t count(const std::string& where = "source = 'otel'") const {
        return static_cast<int64_t>(query("SELECT count(*) FROM events WHERE " + where));
    }

    [[nodiscard]] int64_t stored(const std::string& where = "source = 'otel'") const {
        wait_drained();
        return count(where);
    }

private:
    testing_support::TempDir dir_;
    std::unique_ptr<ServeApp> app_;  // after dir_: stopped before the directory goes
};

// ---- requests ----

// `n` Claude Code log records of session `session` (user_prompt, then api_requests).
logs_v1::ExportLogsServiceRequest logs_request(int n, const std::string& session = "sess-1",
                                               int first_sequence = 1) {
    logs_v1::ExportLogsServiceRequest request;
    auto* rl = request.add_resource_logs();
    add_string(*rl->mutable_resource()->mutable_attributes(), "service.name", "claude-code");
    add_string(*rl->mutable_resource()->mutable_attributes(), "service.version", "2.1.332");
    auto* sl = rl->add_scope_logs();
    sl->mutable_scope()->set_name("com.anthropic.claude_code.events");
    for (int i = 0; i < n; ++i) {
        const int sequence = first_sequence + i;
        auto* r = sl->add_log_records();
        r->set_time_unix_nano(kBaseNanos + static_cast<uint64_t>(sequence) * 1'000'000);
        const bool prompt = i == 0;
        r->mutable_body()->set_string_value(prompt ? "claude_code.user_prompt"
                                                   : "claude_code.api_request");
        auto& a = *r->mutable_attributes();
        if (!session.empty()) add_string(a, "session.id", session);
        add_int(a, "event.sequence", sequence);
        add_string(a, "prompt.id", "prompt-1");
        if (!prompt) {
            add_string(a, "model", "claude-sonnet-4-5-20250929");
            add_int(a, "input_tokens", 100 + i);
            add_int(a, "output_tokens", 10);
            add_string(a, "cost_usd", "0.001");
            add_string(a, "request_id", "req_" + std::to_string(sequence));
        }
    }
    return request;
}

metrics_v1::ExportMetricsServiceRequest metrics_request(int points) {
    metrics_v1::ExportMetricsServiceRequest request;
    auto* metric = request.add_resource_metrics()->add_scope_metrics()->add_metrics();
    metric->set_name("claude_code.token.usage");
    metric->mutable_sum()->set_aggregation_temporality(
        opentelemetry::proto::metrics::v1::AGGREGATION_TEMPORALITY_DELTA);
    for (int i = 0; i < points; ++i) {
        auto* p = metric->mutable_sum()->add_data_points();
        p->set_start_time_unix_nano(kBaseNanos);
        p->set_time_unix_nano(kBaseNanos + static_cast<uint64_t>(i + 1) * 1'000'000'000);
        p->set_as_int(int64_t{100} * (i + 1));
        add_string(*p->mutable_attributes(), "session.id", "sess-1");
        add_string(*p->mutable_attributes(), "type", "input");
    }
    return request;
}

trace_v1::ExportTraceServiceRequest trace_request(int spans) {
    trace_v1::ExportTraceServiceRequest request;
    auto* ss = request.add_resource_spans()->add_scope_spans();
    for (int i = 0; i < spans; ++i) {
        auto* s = ss->add_spans();
        s->set_trace_id(std::string(15, '\x11') + static_cast<char>(i));
        s->set_span_id(std::string(7, '\x22') + static_cast<char>(i));
        s->set_name("claude_code.llm_request");
        s->set_start_time_unix_nano(kBaseNanos);
        s->set_end_time_unix_nano(kBaseNanos + 5'000'000);
        add_string(*s->mutable_attributes(), "session.id", "sess-1");
        add_string(*s->mutable_attributes(), "model", "claude-sonnet-4-5-20250929");
        add_int(*s->mutable_attributes(), "input_tokens", 42);
    }
    return request;
}

std::string to_json(const pb::Message& message) {
    std::string json;
    EXPECT_TRUE(pb::util::MessageToJsonString(message, &json).ok());
    return json;
}

// ---- the HTTP client ----

struct Reply {
    int status = 0;
    std::string content_type;
    std::string body;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

Reply http_call(uint16_t port, const std::string& method, const std::string& target,
                const std::string& body, const Headers& headers) {
    namespace beast = boost::beast;
    namespace http = beast::http;
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    if (ec) {
        ADD_FAILURE() << "connect: " << ec.message();
        return {};
    }
    // A blocking client with a deadline: a hung server fails the test instead of hanging it.
    timeval timeout{10, 0};
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    http::request<http::string_body> request;
    request.method_string(method);
    request.target(target);
    request.version(11);
    request.set(http::field::host, "127.0.0.1");
    request.set(http::field::connection, "close");
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = body;
    request.prepare_payload();
    http::write(socket, request, ec);  // an oversized body may be cut short: read the answer
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64u << 20);
    http::read(socket, buffer, parser, ec);
    if (ec) {
        ADD_FAILURE() << method << " " << target << ": " << ec.message();
        return {};
    }
    const auto& response = parser.get();
    return {static_cast<int>(response.result_int()),
            std::string(response[http::field::content_type]), response.body()};
}

Reply post(uint16_t port, const std::string& path, const std::string& body,
           const std::string& content_type, Headers extra = {}) {
    extra.emplace_back("Content-Type", content_type);
    return http_call(port, "POST", path, body, extra);
}

// google.rpc.Status {1: code, 2: message} read field by field.
struct RpcStatus {
    int64_t code = -1;
    std::string message;
};

RpcStatus status_from_protobuf(const std::string& bytes) {
    pb::UnknownFieldSet fields;
    EXPECT_TRUE(fields.ParseFromString(bytes)) << "not protobuf";
    RpcStatus status{0, {}};
    for (int i = 0; i < fields.field_count(); ++i) {
        const auto& f = fields.field(i);
        if (f.number() == 1 && f.type() == pb::UnknownField::TYPE_VARINT) {
            status.code = static_cast<int64_t>(f.varint());
        } else if (f.number() == 2 && f.type() == pb::UnknownField::TYPE_LENGTH_DELIMITED) {
            status.message = f.length_delimited();
        } else {
            ADD_FAILURE() << "unexpected field " << f.number() << " in a google.rpc.Status";
        }
    }
    return status;
}

RpcStatus status_from_json(const std::string& json) {
    rapidjson::Document doc;
    doc.Parse(json.c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("code") ||
        !doc.HasMember("message")) {
        ADD_FAILURE() << "not a JSON google.rpc.Status: " << json;
        return {};
    }
    return {doc["code"].GetInt64(), doc["message"].GetString()};
}

// partial_success {1: rejected, 2: error_message} of an Export*ServiceResponse.
struct PartialSuccess {
    bool present = false;
    uint64_t rejected = 0;
    std::string message;
};

PartialSuccess partial_from_protobuf(const std::string& bytes) {
    pb::UnknownFieldSet fields;
    EXPECT_TRUE(fields.ParseFromString(bytes));
    PartialSuccess out;
    for (int i = 0; i < fields.field_count(); ++i) {
        if (fields.field(i).number() != 1) continue;
        out.present = true;
        pb::UnknownFieldSet inner;
        EXPECT_TRUE(inner.ParseFromString(fields.field(i).length_delimited()));
        for (int j = 0; j < inner.field_count(); ++j) {
            if (inner.field(j).number() == 1) out.rejected = inner.field(j).varint();
            if (inner.field(j).number() == 2) out.message = inner.field(j).length_delimited();
        }
    }
    return out;
}

// ---- the gRPC client ----

std::shared_ptr<grpc::Channel> channel_to(const Served& served) {
    return grpc::CreateChannel(served.grpc_target(), grpc::InsecureChannelCredentials());
}

void set_deadline(grpc::ClientContext& context) {
    context.set_deadline(std::chrono::system_clock::now() + 10s);
}

grpc::Status export_logs(const Served& served, const logs_v1::ExportLogsServiceRequest& request,
                         logs_v1::ExportLogsServiceResponse* response = nullptr,
                         void (*prepare)(grpc::ClientContext&) = nullptr) {
    auto stub = logs_v1::LogsService::NewStub(channel_to(served));
    grpc::ClientContext context;
    set_deadline(context);
    if (prepare != nullptr) prepare(context);
    logs_v1::ExportLogsServiceResponse local;
    return stub->Export(&context, request, response != nullptr ? response : &local);
}

// Any bytes as the request of `method`, through a generic stub.
grpc::Status raw_call(const Served& served, const std::string& method, const std::string& bytes,
                      std::string* response_bytes = nullptr) {
    grpc::GenericStub stub(channel_to(served));
    grpc::ClientContext context;
    set_deadline(context);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response,
                   [&done](grpc::Status status) { done.set_value(std::move(status)); });
    grpc::Status status = done.get_future().get();
    if (response_bytes != nullptr && status.ok()) {
        std::vector<grpc::Slice> slices;
        (void)response.Dump(&slices);
        response_bytes->clear();
        for (const auto& s : slices) {
            response_bytes->append(reinterpret_cast<const char*>(s.begin()), s.size());
        }
    }
    return status;
}

// The server answers a well-formed export and stores it: it survived what came before.
void expect_still_serving(const Served& served, const std::string& session) {
    const int64_t before = served.stored("session_id = '" + session + "'");
    EXPECT_EQ(before, 0);
    const grpc::Status status = export_logs(served, logs_request(2, session));
    EXPECT_TRUE(status.ok()) << status.error_message();
    const Reply reply =
        post(served.http_port(), "/v1/logs", to_json(logs_request(2, session, 10)), kJson);
    EXPECT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(served.stored("session_id = '" + session + "'"), 4);
}

// ---- malformed requests ----

TEST(OtlpConformance, MalformedProtobufOverGrpcIsInvalidArgument) {
    Served served;
    ASSERT_TRUE(served.up());
    const grpc::Status status = raw_call(served, kLogsMethod,
                                         std::string("\x0a\x05"
                                                     "abc",
                                                     5));
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_NE(status.error_message().find("malformed"), std::string::npos)
        << status.error_message();
    const grpc::Status garbage = raw_call(served, kLogsMethod, std::string("\xff\xff\xff\xff", 4));
    EXPECT_EQ(garbage.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(served.rejected("logs", "malformed_request"), 2u);
    EXPECT_EQ(served.health()["ingest"]["otlp"]["grpc"]["invalid"].GetUint64(), 2u);
    EXPECT_EQ(served.appended(), 0u);
    expect_still_serving(served, "after-bad-grpc");
}

TEST(OtlpConformance, MalformedProtobufOverHttpIs400WithAProtobufStatus) {
    Served served;
    ASSERT_TRUE(served.up());
    const Reply reply = post(served.http_port(), "/v1/logs",
                             std::string("\x0a\x05"
                                         "abc",
                                         5),
                             kProtobuf);
    EXPECT_EQ(reply.status, 400);
    EXPECT_EQ(reply.content_type, kProtobuf);
    const RpcStatus status = status_from_protobuf(reply.body);
    EXPECT_EQ(status.code, 3);  // INVALID_ARGUMENT
    EXPECT_NE(status.message.find("malformed protobuf"), std::string::npos) << status.message;
    EXPECT_EQ(served.rejected("logs", "malformed_request"), 1u);
    expect_still_serving(served, "after-bad-protobuf");
}

TEST(OtlpConformance, MalformedJsonIs400WithAJsonStatus) {
    Served served;
    ASSERT_TRUE(served.up());
    for (const char* body : {"{not json", R"({"resourceLogs":5})", "[]"}) {
        const Reply reply = post(served.http_port(), "/v1/logs", body, kJson);
        EXPECT_EQ(reply.status, 400) << body;
        EXPECT_EQ(reply.content_type, kJson);
        const RpcStatus status = status_from_json(reply.body);
        EXPECT_EQ(status.code, 3) << reply.body;
        EXPECT_FALSE(status.message.empty());
    }
    const Reply metrics = post(served.http_port(), "/v1/metrics", "{\"resourceMetrics\":", kJson);
    EXPECT_EQ(metrics.status, 400);
    EXPECT_EQ(served.rejected("logs", "malformed_request"), 3u);
    EXPECT_EQ(served.rejected("metrics", "malformed_request"), 1u);
    EXPECT_EQ(served.otlp("logs", "requests"), 3u);
    expect_still_serving(served, "after-bad-json");
}

TEST(OtlpConformance, UnsupportedContentTypeIs415) {
    Served served;
    ASSERT_TRUE(served.up());
    for (const char* type : {"text/plain", "application/grpc", "application/xml"}) {
        const Reply reply = post(served.http_port(), "/v1/traces", "{}", type);
        EXPECT_EQ(reply.status, 415) << type;
        EXPECT_EQ(status_from_json(reply.body).code, 12) << reply.body;
    }
    // Parameters and case do not matter.
    const Reply charset =
        post(served.http_port(), "/v1/traces", "{}", "Application/JSON; charset=utf-8");
    EXPECT_EQ(charset.status, 200) << charset.body;
    EXPECT_EQ(served.rejected("traces", "unsupported_content_type"), 3u);
    expect_still_serving(served, "after-415");
}

TEST(OtlpConformance, WrongMethodIs405) {
    Served served;
    ASSERT_TRUE(served.up());
    for (const char* method : {"GET", "PUT", "DELETE"}) {
        const Reply reply = http_call(served.http_port(), method, "/v1/metrics", "", {});
        EXPECT_EQ(reply.status, 405) << method;
    }
    EXPECT_EQ(served.rejected("metrics", "wrong_method"), 3u);
    expect_still_serving(served, "after-405");
}

// ---- sizes and compression ----

void small_limit(ServeOptions& options) { options.max_body_bytes = 64u << 10; }

TEST(OtlpConformance, OversizeMessagesAreResourceExhaustedOverGrpcAnd413OverHttp) {
    Served served(&small_limit);
    ASSERT_TRUE(served.up());
    auto big = logs_request(2, "big");
    add_string(*big.mutable_resource_logs(0)
                    ->mutable_scope_logs(0)
                    ->mutable_log_records(1)
                    ->mutable_attributes(),
               "padding", std::string(100u << 10, 'p'));
    const grpc::Status status = export_logs(served, big);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
    // Small on the wire, too large once inflated.
    const grpc::Status compressed = export_logs(served, big, nullptr, [](grpc::ClientContext& c) {
        c.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    });
    EXPECT_EQ(compressed.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << compressed.error_message();

    std::string bytes;
    ASSERT_TRUE(big.SerializeToString(&bytes));
    const Reply reply = post(served.http_port(), "/v1/logs", bytes, kProtobuf);
    EXPECT_EQ(reply.status, 413) << reply.body;
    // Refused by the listener before the body was read, still answered the OTLP way.
    EXPECT_EQ(status_from_protobuf(reply.body).code, 8);  // RESOURCE_EXHAUSTED
    EXPECT_GE(served.health()["ingest"]["http"]["too_large"].GetUint64(), 1u);
    // A gzip body under the limit that inflates beyond it.
    const Reply bomb = post(served.http_port(), "/v1/logs", gzip_compress(bytes), kProtobuf,
                            {{"Content-Encoding", "gzip"}});
    EXPECT_EQ(bomb.status, 413) << bomb.body;
    EXPECT_EQ(status_from_protobuf(bomb.body).code, 8);  // RESOURCE_EXHAUSTED
    // Every refusal is counted: two gRPC calls, the 413 and the inflated bomb.
    EXPECT_EQ(served.rejected("logs", "too_large"), 4u);
    EXPECT_EQ(served.count("session_id = 'big'"), 0);
    expect_still_serving(served, "after-413");
}

TEST(OtlpConformance, GzipBodiesAreAcceptedAndCorruptGzipIs400) {
    Served served;
    ASSERT_TRUE(served.up());
    std::string bytes;
    ASSERT_TRUE(logs_request(3, "gz-proto").SerializeToString(&bytes));
    const Reply proto = post(served.http_port(), "/v1/logs", gzip_compress(bytes), kProtobuf,
                             {{"Content-Encoding", "gzip"}});
    EXPECT_EQ(proto.status, 200) << proto.body;
    EXPECT_EQ(proto.content_type, kProtobuf);
    EXPECT_EQ(proto.body, "");
    const Reply json =
        post(served.http_port(), "/v1/logs", gzip_compress(to_json(logs_request(2, "gz-json"))),
             kJson, {{"Content-Encoding", "GZIP"}});
    EXPECT_EQ(json.status, 200) << json.body;
    EXPECT_EQ(json.body, "{}");
    EXPECT_EQ(served.stored("session_id = 'gz-proto'"), 3);
    EXPECT_EQ(served.stored("session_id = 'gz-json'"), 2);

    std::string corrupt = gzip_compress(bytes);
    corrupt.resize(corrupt.size() / 2);
    const Reply truncated =
        post(served.http_port(), "/v1/logs", corrupt, kProtobuf, {{"Content-Encoding", "gzip"}});
    EXPECT_EQ(truncated.status, 400);
    EXPECT_EQ(status_from_protobuf(truncated.body).code, 3);
    const Reply not_gzip =
        post(served.http_port(), "/v1/logs", "{}", kJson, {{"Content-Encoding", "gzip"}});
    EXPECT_EQ(not_gzip.status, 400);
    EXPECT_EQ(status_from_json(not_gzip.body).code, 3);
    EXPECT_EQ(served.rejected("logs", "bad_compression"), 2u);
    expect_still_serving(served, "after-bad-gzip");
}

TEST(OtlpConformance, UnsupportedContentEncodingIs415) {
    Served served;
    ASSERT_TRUE(served.up());
    const Reply reply =
        post(served.http_port(), "/v1/logs", "{}", kJson, {{"Content-Encoding", "br"}});
    EXPECT_EQ(reply.status, 415);
    EXPECT_EQ(status_from_json(reply.body).code, 12);
    const Reply zstd =
        post(served.http_port(), "/v1/logs", "", kProtobuf, {{"Content-Encoding", "zstd"}});
    EXPECT_EQ(zstd.status, 415);
    EXPECT_EQ(zstd.content_type, kProtobuf);
    const Reply identity =
        post(served.http_port(), "/v1/logs", "{}", kJson, {{"Content-Encoding", "identity"}});
    EXPECT_EQ(identity.status, 200);
    EXPECT_EQ(served.rejected("logs", "unsupported_content_encoding"), 2u);
    expect_still_serving(served, "after-bad-encoding");
}

TEST(OtlpConformance, GrpcGzipCompressionFromTheClientIsAccepted) {
    Served served;
    ASSERT_TRUE(served.up());
    const auto request = logs_request(4, "grpc-gzip");
    const grpc::Status status = export_logs(served, request, nullptr, [](grpc::ClientContext& c) {
        c.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    });
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(served.stored("session_id = 'grpc-gzip'"), 4);
    EXPECT_EQ(served.otlp("logs", "accepted"), 4u);
}

// ---- what is stored ----

TEST(OtlpConformance, EmptyRequestsAreOkWithAnEmptyAnswerAndStoreNothing) {
    Served served;
    ASSERT_TRUE(served.up());
    logs_v1::ExportLogsServiceResponse response;
    const grpc::Status status = export_logs(served, logs_v1::ExportLogsServiceRequest{}, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.ByteSizeLong(), 0u);
    std::string raw;
    EXPECT_TRUE(raw_call(served, kLogsMethod, "", &raw).ok());
    EXPECT_EQ(raw, "");

    const Reply proto = post(served.http_port(), "/v1/metrics", "", kProtobuf);
    EXPECT_EQ(proto.status, 200);
    EXPECT_EQ(proto.content_type, kProtobuf);
    EXPECT_EQ(proto.body, "");
    const Reply json = post(served.http_port(), "/v1/traces", "{}", kJson);
    EXPECT_EQ(json.status, 200);
    EXPECT_EQ(json.body, "{}");
    const Reply no_records =
        post(served.http_port(), "/v1/logs", R"({"resourceLogs":[{"scopeLogs":[{}]}]})", kJson);
    EXPECT_EQ(no_records.status, 200);
    EXPECT_EQ(no_records.body, "{}");

    EXPECT_EQ(served.appended(), 0u);
    EXPECT_EQ(served.otlp("logs", "requests"), 3u);
    EXPECT_EQ(served.otlp("logs", "rejected"), 0u);
    EXPECT_EQ(served.stored(), 0);
}

TEST(OtlpConformance, UnknownFieldsAreAcceptedAndTheRecordsStored) {
    Served served;
    ASSERT_TRUE(served.up());
    // Protobuf: unknown fields at the top, in a resource and in a record.
    auto request = logs_request(3, "unknown-proto");
    request.GetReflection()->MutableUnknownFields(&request)->AddVarint(99, 1);
    auto* rl = request.mutable_resource_logs(0);
    rl->GetReflection()->MutableUnknownFields(rl)->AddLengthDelimited(77, "future");
    auto* record = rl->mutable_scope_logs(0)->mutable_log_records(1);
    record->GetReflection()->MutableUnknownFields(record)->AddFixed64(1234, 42);
    std::string bytes;
    ASSERT_TRUE(request.SerializeToString(&bytes));
    EXPECT_TRUE(raw_call(served, kLogsMethod, bytes).ok());
    const Reply http_proto = post(served.http_port(), "/v1/logs", bytes, kProtobuf);
    EXPECT_EQ(http_proto.status, 200);

    // JSON: unknown keys at the top and in a record.
    std::string json = to_json(logs_request(2, "unknown-json"));
    json.insert(1, R"("futureTopLevel":{"a":[1,2]},)");
    const size_t at = json.find("\"timeUnixNano\"");
    ASSERT_NE(at, std::string::npos);
    json.insert(at, R"("eventName":"new.field","flagsV2":7,)");
    const Reply http_json = post(served.http_port(), "/v1/logs", json, kJson);
    EXPECT_EQ(http_json.status, 200) << http_json.body;

    EXPECT_EQ(served.stored("session_id = 'unknown-proto'"), 3);
    EXPECT_EQ(served.stored("session_id = 'unknown-json'"), 2);
    EXPECT_EQ(served.otlp("logs", "rejected"), 0u);
}

TEST(OtlpConformance, PartialSuccessReportsTheRejectedRecordAndStoresTheOthers) {
    Served served;
    ASSERT_TRUE(served.up());
    auto batch = [](const std::string& session) {
        auto request = logs_request(3, session);
        auto* attributes = request.mutable_resource_logs(0)
                               ->mutable_scope_logs(0)
                               ->mutable_log_records(1)
                               ->mutable_attributes();
        attributes->DeleteSubrange(0, 1);  // session.id
        return request;
    };
    // gRPC: the 0.38.0 response type has no partial_success: it arrives as field 1.
    logs_v1::ExportLogsServiceResponse response;
    const grpc::Status status = export_logs(served, batch("partial-grpc"), &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    const PartialSuccess grpc_partial = partial_from_protobuf(response.SerializeAsString());
    EXPECT_TRUE(grpc_partial.present);
    EXPECT_EQ(grpc_partial.rejected, 1u);
    EXPECT_NE(grpc_partial.message.find("session_id"), std::string::npos) << grpc_partial.message;

    std::string bytes;
    ASSERT_TRUE(batch("partial-proto").SerializeToString(&bytes));
    const Reply proto = post(served.http_port(), "/v1/logs", bytes, kProtobuf);
    EXPECT_EQ(proto.status, 200);
    const PartialSuccess http_partial = partial_from_protobuf(proto.body);
    EXPECT_EQ(http_partial.rejected, 1u);

    const Reply json = post(served.http_port(), "/v1/logs", to_json(batch("partial-json")), kJson);
    EXPECT_EQ(json.status, 200);
    rapidjson::Document doc;
    doc.Parse(json.body.c_str());
    ASSERT_TRUE(doc.IsObject() && doc.HasMember("partialSuccess")) << json.body;
    EXPECT_STREQ(doc["partialSuccess"]["rejectedLogRecords"].GetString(), "1");
    EXPECT_NE(std::string(doc["partialSuccess"]["errorMessage"].GetString()).find("session_id"),
              std::string::npos);

    for (const char* session : {"partial-grpc", "partial-proto", "partial-json"}) {
        EXPECT_EQ(served.stored(std::string("session_id = '") + session + "'"), 2) << session;
    }
    EXPECT_EQ(served.rejected("logs", "missing_session_id"), 3u);
    EXPECT_EQ(served.otlp("logs", "accepted"), 6u);
    EXPECT_EQ(served.count("session_id = ''"), 0);
}

TEST(OtlpConformance, MetricsAndTracesReachTheStoreOverBothTransports) {
    Served served;
    ASSERT_TRUE(served.up());
    auto metrics = metrics_v1::MetricsService::NewStub(channel_to(served));
    {
        grpc::ClientContext context;
        set_deadline(context);
        metrics_v1::ExportMetricsServiceResponse response;
        EXPECT_TRUE(metrics->Export(&context, metrics_request(3), &response).ok());
    }
    auto traces = trace_v1::TraceService::NewStub(channel_to(served));
    {
        grpc::ClientContext context;
        set_deadline(context);
        trace_v1::ExportTraceServiceResponse response;
        EXPECT_TRUE(traces->Export(&context, trace_request(2), &response).ok());
    }
    // A data point without a value: partial success for metrics too.
    auto more = metrics_request(5);
    more.mutable_resource_metrics(0)
        ->mutable_scope_metrics(0)
        ->mutable_metrics(0)
        ->mutable_sum()
        ->mutable_data_points(4)
        ->clear_value();
    const Reply reply = post(served.http_port(), "/v1/metrics", to_json(more), kJson);
    EXPECT_EQ(reply.status, 200);
    rapidjson::Document doc;
    doc.Parse(reply.body.c_str());
    ASSERT_TRUE(doc.IsObject() && doc.HasMember("partialSuccess")) << reply.body;
    EXPECT_STREQ(doc["partialSuccess"]["rejectedDataPoints"].GetString(), "1");
    EXPECT_EQ(served.rejected("metrics", "no_value"), 1u);

    // The first three points of `more` are the ones sent over gRPC: stored once.
    EXPECT_EQ(served.stored("kind = 'metric'"), 4);
    EXPECT_EQ(served.stored("kind = 'api_request' AND source = 'otel'"), 2);
    EXPECT_EQ(served.otlp("traces", "accepted"), 2u);
}

TEST(OtlpConformance, ARetriedExportIsStoredOnce) {
    Served served;
    ASSERT_TRUE(served.up());
    // A real Claude Code export, over gRPC twice and once more over HTTP/JSON.
    const auto captures = testing_support::captured_otlp_json("logs");
    const auto basic = std::find_if(captures.begin(), captures.end(),
                                    [](const auto& c) { return c.scenario == "basic"; });
    ASSERT_NE(basic, captures.end());
    logs_v1::ExportLogsServiceRequest request;
    ASSERT_TRUE(otlp::parse_otlp_json(basic->body, request).ok());
    int64_t records = 0;
    int64_t api_requests = 0;
    double input_tokens = 0;
    double cost_usd = 0;
    for (const auto& rl : request.resource_logs()) {
        for (const auto& sl : rl.scope_logs()) {
            for (const auto& r : sl.log_records()) {
                ++records;
                if (r.body().string_value() != "claude_code.api_request") continue;
                ++api_requests;
                input_tokens += *testing_support::attribute_number(r.attributes(), "input_tokens");
                cost_usd += *testing_support::attribute_number(r.attributes(), "cost_usd");
            }
        }
    }
    ASSERT_GT(records, 10);
    ASSERT_GT(api_requests, 0);
    EXPECT_TRUE(export_logs(served, request).ok());
    EXPECT_TRUE(export_logs(served, request).ok());
    EXPECT_EQ(post(served.http_port(), "/v1/logs", basic->body, kJson).status, 200);
    EXPECT_EQ(served.otlp("logs", "accepted"), static_cast<uint64_t>(3 * records));
    EXPECT_EQ(served.stored(), records);
    // The api_request rows carry the reported cost and tokens.
    EXPECT_EQ(served.count("kind = 'api_request' AND cost_source = 'reported' AND cost_usd > 0"),
              api_requests);
    EXPECT_DOUBLE_EQ(served.query("SELECT sum(input_tokens) FROM events"), input_tokens);
    EXPECT_NEAR(served.query("SELECT sum(cost_usd) FROM events"), cost_usd, 1e-12);
    // The default tier keeps no prompt text.
    EXPECT_EQ(served.count("attrs LIKE '%List the files%'"), 0);
    EXPECT_EQ(served.count("attrs LIKE '%\"prompt\"%'"), 0);
}

void group_commit(ServeOptions& options) { options.queue_sync = QueueSync::every_commit; }

TEST(OtlpConformance, ConcurrentExportsWithGroupCommitAreAllAcknowledgedAndStored) {
    Served served(&group_commit);
    ASSERT_TRUE(served.up());
    constexpr int kThreads = 4;
    constexpr int kCalls = 5;
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            const std::string session = "grpc-" + std::to_string(t);
            for (int i = 0; i < kCalls; ++i) {
                if (export_logs(served, logs_request(3, session, 1 + 3 * i)).ok()) ++ok;
            }
        });
        threads.emplace_back([&, t] {
            const std::string session = "http-" + std::to_string(t);
            for (int i = 0; i < kCalls; ++i) {
                const auto body = to_json(logs_request(3, session, 1 + 3 * i));
                if (post(served.http_port(), "/v1/logs", body, kJson).status == 200) ++ok;
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(ok.load(), 2 * kThreads * kCalls);
    EXPECT_EQ(served.otlp("logs", "accepted"), 2u * kThreads * kCalls * 3);
    EXPECT_EQ(served.stored(), 2 * kThreads * kCalls * 3);
    EXPECT_GE(served.health()["queue"]["syncs_total"].GetUint64(), 1u);
}

// ---- authentication ----

void with_token(ServeOptions& options) { options.auth_token = "s3cret-token"; }

TEST(OtlpConformance, WithATokenCallsWithoutItAreUnauthenticated) {
    Served served(&with_token);
    ASSERT_TRUE(served.up());
    const grpc::Status missing = export_logs(served, logs_request(2, "auth"));
    EXPECT_EQ(missing.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    const grpc::Status wrong =
        export_logs(served, logs_request(2, "auth"), nullptr,
                    [](grpc::ClientContext& c) { c.AddMetadata("authorization", "Bearer nope"); });
    EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    const Reply http =
        post(served.http_port(), "/v1/logs", to_json(logs_request(2, "auth")), kJson);
    EXPECT_EQ(http.status, 401);
    EXPECT_NE(http.body.find("\"code\":16"), std::string::npos) << http.body;  // UNAUTHENTICATED
    EXPECT_EQ(served.rejected("logs", "unauthorized"), 3u);
    EXPECT_EQ(served.health()["ingest"]["otlp"]["grpc"]["unauthenticated"].GetUint64(), 2u);
    EXPECT_EQ(served.appended(), 0u);

    const grpc::Status ok = export_logs(
        served, logs_request(2, "auth"), nullptr,
        [](grpc::ClientContext& c) { c.AddMetadata("authorization", "Bearer s3cret-token"); });
    EXPECT_TRUE(ok.ok()) << ok.error_message();
    const Reply authorized =
        post(served.http_port(), "/v1/logs", to_json(logs_request(2, "auth", 5)), kJson,
             {{"Authorization", "Bearer s3cret-token"}});
    EXPECT_EQ(authorized.status, 200) << authorized.body;
    EXPECT_EQ(served.stored("session_id = 'auth'"), 4);
}

}  // namespace
}  // namespace agent_trace::server
