#pragma once
// OTLP/gRPC (LogsService, MetricsService, TraceService) on its own port, by
// default 127.0.0.1:4717. Unary Export calls are handled with gRPC's callback API on
// raw bytes, so agent-trace parses the message itself (arena allocation, and an
// INVALID_ARGUMENT status naming the problem instead of gRPC's generic INTERNAL),
// and the call completes when the durable queue has synced its records, without a
// thread waiting for the sync.
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.hpp"

namespace agent_trace::server {

class OtlpReceiver;

struct OtlpGrpcOptions {
    std::string host = "127.0.0.1";
    uint16_t port = 4717;              // 0: any free port
    std::string auth_token;            // when set, calls need "authorization: Bearer <token>"
    int max_message_bytes = 32 << 20;  // after decompression; larger: RESOURCE_EXHAUSTED
};

struct OtlpGrpcStats {
    uint64_t calls = 0;
    uint64_t invalid = 0;
    uint64_t unavailable = 0;
    uint64_t unauthenticated = 0;
};

class OtlpGrpcServer {
public:
    static Result<std::unique_ptr<OtlpGrpcServer>> start(const OtlpGrpcOptions& options,
                                                         OtlpReceiver& receiver);
    virtual ~OtlpGrpcServer() = default;
    virtual void stop() = 0;  // waits for calls in flight; idempotent
    [[nodiscard]] virtual uint16_t port() const = 0;
    [[nodiscard]] virtual std::string address() const = 0;
    [[nodiscard]] virtual OtlpGrpcStats stats() const = 0;
};

}  // namespace agent_trace::server
