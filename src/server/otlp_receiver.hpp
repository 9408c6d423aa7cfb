#pragma once
// The OTLP ingest path shared by the gRPC and HTTP listeners: parse an export
// request, map it to canonical events (ingest/otlp), reduce to the tier, append to
// the durable queue, and answer once the queue has synced the records.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ingest/otlp/otlp_decoded.hpp"
#include "server/ingest_counters.hpp"
#include "server/otlp_wire.hpp"

namespace google::protobuf {
class Message;
}

namespace agent_trace {
class DurableQueue;
}

namespace agent_trace::server {

struct OtlpOutcome {
    enum class Code : uint8_t {
        ok,                // stored (maybe partially: see rejected)
        invalid_argument,  // the request could not be parsed: never retry it
        unavailable,       // the queue could not take it now: retry later
    };
    Code code = Code::ok;
    uint64_t accepted = 0;
    uint64_t rejected = 0;
    std::string message;  // why (the first rejection, or the error)
};

// Fills `request` (an Export*ServiceRequest of the signal) from the wire bytes.
using OtlpParse = std::function<Status(google::protobuf::Message& request)>;
// Called exactly once, possibly from the queue's sync thread.
using OtlpDone = std::function<void(OtlpOutcome)>;

class OtlpReceiver {
public:
    OtlpReceiver(DurableQueue& queue, uint8_t max_tier, std::string host);

    // `protobuf`: the request's protobuf bytes when the listener has them in one piece;
    // logs are then read in place (otlp::decode_logs_protobuf), `parse` being the fallback.
    void ingest(OtlpSignal signal, const OtlpParse& parse, OtlpDone done,
                std::string_view protobuf = {});

    // Records accepted/rejected per signal, by reason (decode errors count one per request).
    [[nodiscard]] IngestCounters::Snapshot counters(OtlpSignal signal) const;
    [[nodiscard]] uint64_t requests(OtlpSignal signal) const;
    [[nodiscard]] uint64_t dropped_attributes() const;
    [[nodiscard]] uint64_t redactions() const;

    // Called by the listeners for requests refused before they reach ingest()
    // (wrong content type, too large, bad compression, unauthorized).
    void refused(OtlpSignal signal, const std::string& reason);

private:
    IngestCounters& counters_of(OtlpSignal signal) {
        return counters_[static_cast<size_t>(signal)];
    }

    DurableQueue& queue_;
    uint8_t max_tier_;
    std::string host_;
    std::array<IngestCounters, 3> counters_;
    std::array<std::atomic<uint64_t>, 3> requests_{};
    std::atomic<uint64_t> dropped_attributes_{0};
    std::atomic<uint64_t> redactions_{0};
};

}  // namespace agent_trace::server
