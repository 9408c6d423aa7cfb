#include "server/otlp_grpc_server.hpp"

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "server/otlp_receiver.hpp"

namespace agent_trace::server {
namespace {

namespace collector = opentelemetry::proto::collector;

struct SharedState {
    OtlpReceiver& receiver;
    std::string auth_token;
    size_t max_message_bytes = 0;
    std::atomic<uint64_t> calls{0};
    std::atomic<uint64_t> invalid{0};
    std::atomic<uint64_t> unavailable{0};
    std::atomic<uint64_t> unauthenticated{0};
};

grpc::ServerUnaryReactor* export_call(SharedState& state, OtlpSignal signal,
                                      grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request, grpc::ByteBuffer* response) {
    state.calls.fetch_add(1, std::memory_order_relaxed);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (!state.auth_token.empty()) {
        const auto& metadata = context->client_metadata();
        auto it = metadata.find("authorization");
        const std::string expected = "Bearer " + state.auth_token;
        if (it == metadata.end() ||
            std::string_view(it->second.data(), it->second.size()) != expected) {
            state.unauthenticated.fetch_add(1, std::memory_order_relaxed);
            state.receiver.refused(signal, "unauthorized");
            reactor->Finish(
                grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing or wrong bearer token"));
            return reactor;
        }
    }
    // gRPC itself refuses only far larger messages (see start()): this one is counted.
    if (request->Length() > state.max_message_bytes) {
        state.receiver.refused(signal, "too_large");
        reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                     "message of " + std::to_string(request->Length()) +
                                         " bytes is larger than " +
                                         std::to_string(state.max_message_bytes)));
        return reactor;
    }
    // The request buffer lives until Finish; parsing happens inside ingest() before it returns.
    auto* input = const_cast<grpc::ByteBuffer*>(request);
    OtlpParse parse = [input](google::protobuf::Message& message) -> Status {
        grpc::ProtoBufferReader reader(input);
        if (!reader.status().ok())
            return make_error("unreadable request: " + reader.status().error_message());
        if (!message.ParseFromZeroCopyStream(&reader)) {
            return make_error("malformed protobuf: not a valid " + message.GetTypeName());
        }
        return Ok{};
    };
    // Logs are read in place from one piece of memory: gRPC's slice when the message came
    // in one, else a copy of the slices (cheaper than parsing into protobuf objects).
    grpc::Slice whole;
    std::string_view protobuf;
    if (signal == OtlpSignal::logs &&
        (request->TrySingleSlice(&whole).ok() || request->DumpToSingleSlice(&whole).ok())) {
        protobuf = std::string_view(reinterpret_cast<const char*>(whole.begin()), whole.size());
    }
    state.receiver.ingest(
        signal, parse,
        [&state, reactor, response](const OtlpOutcome& outcome) {
            switch (outcome.code) {
                case OtlpOutcome::Code::invalid_argument:
                    state.invalid.fetch_add(1, std::memory_order_relaxed);
                    reactor->Finish(
                        grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, outcome.message));
                    return;
                case OtlpOutcome::Code::unavailable:
                    state.unavailable.fetch_add(1, std::memory_order_relaxed);
                    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, outcome.message));
                    return;
                case OtlpOutcome::Code::ok: {
                    const std::string bytes =
                        export_response_protobuf(outcome.rejected, outcome.message);
                    grpc::Slice slice(bytes);
                    *response = grpc::ByteBuffer(&slice, 1);
                    reactor->Finish(grpc::Status::OK);
                    return;
                }
            }
        },
        protobuf);
    return reactor;
}

// One service per signal: the generated base with Export marked raw-callback.
template <class Generated, OtlpSignal kSignal>
class ExportService final
    : public Generated::template WithRawCallbackMethod_Export<typename Generated::Service> {
public:
    explicit ExportService(SharedState& state) : state_(state) {}
    grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) override {
        return export_call(state_, kSignal, context, request, response);
    }

private:
    SharedState& state_;
};

using LogsService = ExportService<collector::logs::v1::LogsService, OtlpSignal::logs>;
using MetricsService = ExportService<collector::metrics::v1::MetricsService, OtlpSignal::metrics>;
using TraceService = ExportService<collector::trace::v1::TraceService, OtlpSignal::traces>;

std::string host_port(const std::string& host, uint16_t port) {
    const bool ipv6 = host.find(':') != std::string::npos;
    return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

class OtlpGrpcServerImpl final : public OtlpGrpcServer {
public:
    OtlpGrpcServerImpl(const OtlpGrpcOptions& options, OtlpReceiver& receiver)
        : options_(options),
          state_{receiver, options.auth_token, static_cast<size_t>(options.max_message_bytes)},
          logs_(state_),
          metrics_(state_),
          traces_(state_) {}

    Status start() {
        grpc::ServerBuilder builder;
        int bound_port = 0;
        builder.AddListeningPort(host_port(options_.host, options_.port),
                                 grpc::InsecureServerCredentials(), &bound_port);
        // Up to 4x the limit reaches export_call, which refuses and counts it; beyond that
        // gRPC refuses on its own (RESOURCE_EXHAUSTED as well, seen only by the client).
        builder.SetMaxReceiveMessageSize(static_cast<int>(
            std::min<int64_t>(int64_t{options_.max_message_bytes} * 4, INT32_MAX)));
        builder.SetMaxSendMessageSize(1 << 20);
        // No port sharing: a second server on the same port must fail, not split the traffic.
        builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
        builder.RegisterService(&logs_);
        builder.RegisterService(&metrics_);
        builder.RegisterService(&traces_);
        server_ = builder.BuildAndStart();
        if (!server_ || bound_port == 0) {
            server_.reset();
            return make_error("cannot listen for OTLP/gRPC on " +
                              host_port(options_.host, options_.port) + " (port in use?)");
        }
        port_ = static_cast<uint16_t>(bound_port);
        return Ok{};
    }

    ~OtlpGrpcServerImpl() override { stop(); }
    OtlpGrpcServerImpl(const OtlpGrpcServerImpl&) = delete;
    OtlpGrpcServerImpl& operator=(const OtlpGrpcServerImpl&) = delete;

    void stop() override {
        if (server_ && !stopped_.exchange(true)) {
            server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
            server_->Wait();
        }
    }

    [[nodiscard]] uint16_t port() const override { return port_; }
    [[nodiscard]] std::string address() const override { return host_port(options_.host, port_); }
    [[nodiscard]] OtlpGrpcStats stats() const override {
        return {state_.calls.load(), state_.invalid.load(), state_.unavailable.load(),
                state_.unauthenticated.load()};
    }

private:
    OtlpGrpcOptions options_;
    SharedState state_;
    LogsService logs_;
    MetricsService metrics_;
    TraceService traces_;
    std::unique_ptr<grpc::Server> server_;
    uint16_t port_ = 0;
    std::atomic<bool> stopped_{false};
};

}  // namespace

Result<std::unique_ptr<OtlpGrpcServer>> OtlpGrpcServer::start(const OtlpGrpcOptions& options,
                                                              OtlpReceiver& receiver) {
    auto server = std::make_unique<OtlpGrpcServerImpl>(options, receiver);
    if (auto s = server->start(); !s) return s.error();
    return std::unique_ptr<OtlpGrpcServer>(std::move(server));
}

}  // namespace agent_trace::server
