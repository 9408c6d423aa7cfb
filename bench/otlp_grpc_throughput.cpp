// OTLP/gRPC log ingest throughput: Claude Code-shaped log records, 1,000 per
// ExportLogsServiceRequest, sent over loopback with a few unary calls in flight, into
//   noop    a LogsService in this process that answers OK at once (does not parse)
//   parse   the same, but it parses the request into an arena message first
//   decode  (optional) agent-trace's decoding and queue encoding in this process, no queue
//   serve   a real `agent-trace serve` child process (default --queue-sync every-commit:
//           the OK comes after the queue's fdatasync covering the records)
// The variants run round robin (noop, parse, serve, noop, ...) so machine noise hits them
// alike; each run is a warm-up and then a timed window in which OK answers are counted.
// Prints records/s per run and the medians, the ratio to the no-op servers and the
// target check. After every serve run, GET /healthz must report as many accepted log
// records as were acknowledged, else the exit status is 1 (timing never fails the run).
//
//   otlp_grpc_throughput [--agent-trace build/agent-trace] [--rounds 3] [--seconds 4]
//       [--warmup 1] [--channels 2] [--inflight 4] [--batch 1000] [--templates 50]
//       [--variants noop,parse,serve] [--target 200000] [--gzip] [--serve-arg ARG ...]
#include <fcntl.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <netinet/in.h>
#include <simdjson.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/time.hpp"
#include "ingest/otlp/otlp_logs.hpp"
#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "pipeline/event_codec.hpp"

namespace {

namespace collector = opentelemetry::proto::collector::logs::v1;
namespace logs_v1 = opentelemetry::proto::logs::v1;
namespace common = opentelemetry::proto::common::v1;
using Clock = std::chrono::steady_clock;

constexpr const char* kExportMethod = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

std::atomic<bool> g_interrupted{false};

struct Options {
    std::string agent_trace = "build/agent-trace";
    int rounds = 3;
    double seconds = 4;
    double warmup = 1;
    int channels = 2;
    int inflight = 4;
    int batch = 1000;
    int templates = 50;
    std::vector<std::string> variants{"noop", "parse", "serve"};
    double target = 200000;
    bool gzip = false;
    std::vector<std::string> serve_args;
};

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr, "otlp_grpc_throughput: %s\n", message.c_str());
    std::exit(2);
}

Options parse_options(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) usage_error(std::string(arg) + " needs a value");
            return argv[++i];
        };
        auto number = [&]() -> double {
            const std::string text = next();
            double value = 0;
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
            if (ec != std::errc() || end != text.data() + text.size()) {
                usage_error(std::string(arg) + ": not a number: " + text);
            }
            return value;
        };
        auto count = [&]() { return std::max(1, static_cast<int>(number())); };
        if (arg == "--agent-trace") {
            o.agent_trace = next();
        } else if (arg == "--rounds") {
            o.rounds = count();
        } else if (arg == "--seconds") {
            o.seconds = std::max(0.1, number());
        } else if (arg == "--warmup") {
            o.warmup = std::max(0.0, number());
        } else if (arg == "--channels") {
            o.channels = count();
        } else if (arg == "--inflight") {
            o.inflight = count();
        } else if (arg == "--batch") {
            o.batch = count();
        } else if (arg == "--templates") {
            o.templates = count();
        } else if (arg == "--target") {
            o.target = number();
        } else if (arg == "--gzip") {
            o.gzip = true;
        } else if (arg == "--serve-arg") {
            o.serve_args.push_back(next());
        } else if (arg == "--variants") {
            o.variants.clear();
            const std::string list = next();
            size_t start = 0;
            while (start <= list.size()) {
                const size_t comma = std::min(list.find(',', start), list.size());
                const std::string name = list.substr(start, comma - start);
                if (name != "noop" && name != "parse" && name != "decode" && name != "serve") {
                    usage_error("unknown variant '" + name + "' (noop, parse, decode, serve)");
                }
                o.variants.push_back(name);
                start = comma + 1;
            }
        } else {
            usage_error("unknown argument " + std::string(arg));
        }
    }
    o.inflight = std::max(o.inflight, o.channels);
    return o;
}

// ---------------------------------------------------------------------------------------
// Claude Code-shaped log records (tests/fixtures/captures/*/otlp/otlp-logs.jsonl, Claude
// Code 2.1.332): the standard attributes on every record, then the event's own.

constexpr uint64_t kBaseTimeNs = 1795636800000000000ULL;  // 2026-11-25T20:00:00Z
constexpr uint64_t kRecordGapNs = 7000000;                // 7 ms between a session's records
constexpr int kSessions = 8;

struct Session {
    std::string id;
    std::string user_id;
    std::string account_uuid;
    std::string organization_id;
    std::string email;
    int64_t sequence = 0;
    uint64_t clock_ns = 0;
};

class RecordFactory {
public:
    RecordFactory() : rng_(20261125) {
        for (int s = 0; s < kSessions; ++s) {
            Session session;
            session.id = uuid();
            session.user_id = hex(64);
            session.account_uuid = uuid();
            session.organization_id = uuid();
            session.email = "dev" + std::to_string(s) + "@example.com";
            session.clock_ns = kBaseTimeNs + static_cast<uint64_t>(s) * 1000000000ULL;
            sessions_.push_back(std::move(session));
        }
    }

    // One export request of `n` records of one session, as Claude Code's batch exporter
    // sends them: one resource, one scope.
    collector::ExportLogsServiceRequest batch(int index, int n) {
        Session& session = sessions_[static_cast<size_t>(index % kSessions)];
        collector::ExportLogsServiceRequest request;
        auto* resource_logs = request.add_resource_logs();
        auto* resource = resource_logs->mutable_resource();
        add(*resource->add_attributes(), "host.arch", "amd64");
        add(*resource->add_attributes(), "os.type", "linux");
        add(*resource->add_attributes(), "os.version", "6.18.44-fc-v669");
        add(*resource->add_attributes(), "service.name", "claude-code");
        add(*resource->add_attributes(), "service.version", "2.1.332");
        auto* scope_logs = resource_logs->add_scope_logs();
        scope_logs->mutable_scope()->set_name("com.anthropic.claude_code.events");
        scope_logs->mutable_scope()->set_version("2.1.332");
        for (int i = 0; i < n; ++i) add_record(session, *scope_logs->add_log_records());
        return request;
    }

private:
    // A turn: the prompt, the model's requests and the tool calls with their hooks.
    static constexpr std::array<std::string_view, 12> kTurn{
        "user_prompt",
        "hook_execution_start",
        "hook_execution_complete",
        "api_request",
        "tool_decision",
        "hook_execution_start",
        "hook_execution_complete",
        "tool_result",
        "api_request",
        "tool_decision",
        "tool_result",
        "api_request",
    };
    static constexpr std::array<std::string_view, 5> kTools{"Bash", "Read", "Edit", "Grep",
                                                            "Write"};

    void add_record(Session& session, logs_v1::LogRecord& record) {
        const size_t step = static_cast<size_t>(session.sequence) % kTurn.size();
        if (step == 0) prompt_id_ = uuid();
        if (kTurn[step] == "api_request") request_id_ = "req_011C" + hex(20);
        if (kTurn[step] == "tool_decision") {
            tool_use_id_ = "toolu_01" + hex(22);
            tool_ = std::string(kTools[rng_() % kTools.size()]);
        }
        const std::string_view name = kTurn[step];
        session.clock_ns += kRecordGapNs + rng_() % 1000000;
        record.set_time_unix_nano(session.clock_ns);
        record.set_observed_time_unix_nano(session.clock_ns);
        record.mutable_body()->set_string_value("claude_code." + std::string(name));
        auto attr = [&record](std::string_view key, const auto& value) {
            add(*record.add_attributes(), key, value);
        };
        attr("user.id", session.user_id);
        attr("session.id", session.id);
        attr("organization.id", session.organization_id);
        attr("user.email", session.email);
        attr("user.account_uuid", session.account_uuid);
        attr("terminal.type", "vscode");
        attr("anthropic.provider", "firstParty");
        attr("event.name", name);
        attr("event.timestamp", iso8601(session.clock_ns));
        attr("event.sequence", session.sequence++);
        attr("prompt.id", prompt_id_);
        if (name == "user_prompt") {
            attr("prompt_length", "74");
            attr("prompt",
                 "List the files in this repository using Bash, then tell me what you found.");
            attr("message.uuid", uuid());
        } else if (name == "api_request") {
            const int64_t input = 800 + static_cast<int64_t>(rng_() % 4000);
            const int64_t output = 20 + static_cast<int64_t>(rng_() % 900);
            const auto cache_read = static_cast<int64_t>(rng_() % 60000);
            const auto cache_write = static_cast<int64_t>(rng_() % 9000);
            const int64_t micros =
                (input * 3 + output * 15) + cache_read * 3 / 10 + cache_write * 375 / 100;
            attr("model", "claude-sonnet-4-5-20250929");
            attr("input_tokens", input);
            attr("output_tokens", output);
            attr("cache_read_tokens", cache_read);
            attr("cache_creation_tokens", cache_write);
            attr("cache_creation_5m_tokens", cache_write);
            attr("cache_creation_1h_tokens", int64_t{0});
            attr("cost_usd", static_cast<double>(micros) / 1e6);
            attr("cost_usd_micros", micros);
            attr("duration_ms", static_cast<int64_t>(900 + rng_() % 9000));
            attr("ttft_ms", static_cast<int64_t>(300 + rng_() % 2000));
            attr("request_id", request_id_);
            attr("speed", "normal");
            attr("query_source", "repl_main_thread");
        } else if (name == "tool_decision") {
            attr("decision", "accept");
            attr("source", "config");
            attr("tool_name", tool_);
            attr("tool_use_id", tool_use_id_);
            attr("tool_source", "builtin");
            attr("tool_parameters",
                 R"({"bash_command":"ls","full_command":"ls -la","description":"List files"})");
            attr("permission_mode", "default");
            attr("request_id", request_id_);
        } else if (name == "tool_result") {
            attr("tool_name", tool_);
            attr("tool_use_id", tool_use_id_);
            attr("success", rng_() % 20 == 0 ? "false" : "true");
            attr("duration_ms", std::to_string(5 + rng_() % 400));
            attr("decision_type", "accept");
            attr("decision_source", "config");
            attr("tool_parameters",
                 R"({"bash_command":"ls","full_command":"ls -la","description":"List files"})");
            attr("tool_input_size_bytes", std::to_string(40 + rng_() % 400));
            attr("tool_result_size_bytes", std::to_string(100 + rng_() % 20000));
            attr("request_id", request_id_);
        } else {  // hook_execution_start / _complete
            const bool tool_hook = step > 4;
            const std::string event = tool_hook ? "PreToolUse" : "UserPromptSubmit";
            attr("hook_event", event);
            attr("hook_name", tool_hook ? event + ":" + tool_ : event);
            attr("num_hooks", "1");
            if (name == "hook_execution_complete") {
                attr("num_success", "1");
                attr("num_blocking", "0");
                attr("num_non_blocking_error", "0");
                attr("num_cancelled", "0");
                attr("total_duration_ms", std::to_string(2 + rng_() % 120));
                attr("stdout_chars", "0");
                attr("additional_context_chars", "0");
            }
            attr("managed_only", "false");
            attr("hook_source", "merged");
            attr("safe_mode", "false");
        }
    }

    static void add(common::KeyValue& kv, std::string_view key, std::string_view value) {
        kv.set_key(std::string(key));
        kv.mutable_value()->set_string_value(std::string(value));
    }
    static void add(common::KeyValue& kv, std::string_view key, const std::string& value) {
        add(kv, key, std::string_view(value));
    }
    static void add(common::KeyValue& kv, std::string_view key, const char* value) {
        add(kv, key, std::string_view(value));
    }
    static void add(common::KeyValue& kv, std::string_view key, int64_t value) {
        kv.set_key(std::string(key));
        kv.mutable_value()->set_int_value(value);
    }
    static void add(common::KeyValue& kv, std::string_view key, double value) {
        kv.set_key(std::string(key));
        kv.mutable_value()->set_double_value(value);
    }

    static std::string iso8601(uint64_t ns) {
        const auto seconds = static_cast<time_t>(ns / 1000000000ULL);
        std::tm tm{};
        ::gmtime_r(&seconds, &tm);
        char buffer[40];
        const size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &tm);
        std::snprintf(buffer + n, sizeof buffer - n, ".%03uZ",
                      static_cast<unsigned>(ns / 1000000ULL % 1000ULL));
        return buffer;
    }

    std::string hex(int digits) {
        static constexpr char kDigits[] = "0123456789abcdef";
        std::string out;
        for (int i = 0; i < digits; ++i) out.push_back(kDigits[rng_() % 16]);
        return out;
    }

    std::string uuid() {
        return hex(8) + "-" + hex(4) + "-4" + hex(3) + "-a" + hex(3) + "-" + hex(12);
    }

    std::mt19937_64 rng_;
    std::vector<Session> sessions_;
    std::string prompt_id_;
    std::string request_id_;
    std::string tool_use_id_;
    std::string tool_ = "Bash";
};

// The serialized batches, and where each record's time_unix_nano sits in them: the n-th
// request sent is template n % T with every record's time moved by (n / T) hours, so
// every record the server sees is distinct (its event id hashes the time) at the cost
// of one copy per request.
class Payloads {
public:
    Payloads(int templates, int batch) {
        RecordFactory factory;
        for (int t = 0; t < templates; ++t) {
            const collector::ExportLogsServiceRequest request = factory.batch(t, batch);
            std::string bytes = request.SerializeAsString();
            std::vector<uint32_t> offsets;
            size_t from = 0;
            for (const auto& rl : request.resource_logs()) {
                for (const auto& sl : rl.scope_logs()) {
                    for (const auto& record : sl.log_records()) {
                        offsets.push_back(find_time(bytes, from, record.time_unix_nano()));
                        from = offsets.back() + 8;
                    }
                }
            }
            templates_.push_back(std::move(bytes));
            time_offsets_.push_back(std::move(offsets));
        }
        check_patching();
    }

    [[nodiscard]] size_t bytes_per_request() const {
        size_t total = 0;
        for (const auto& t : templates_) total += t.size();
        return total / templates_.size();
    }

    // The bytes of the n-th request.
    [[nodiscard]] grpc::ByteBuffer request(uint64_t n) const {
        const size_t t = n % templates_.size();
        const uint64_t shift = (n / templates_.size()) * 3600ULL * 1000000000ULL;
        const std::string& bytes = templates_[t];
        grpc_slice slice = grpc_slice_malloc(bytes.size());
        auto* out = reinterpret_cast<char*>(GRPC_SLICE_START_PTR(slice));
        std::copy(bytes.begin(), bytes.end(), out);
        for (const uint32_t at : time_offsets_[t])
            put_fixed64(out + at, get_fixed64(out + at) + shift);
        grpc::Slice owned(slice, grpc::Slice::STEAL_REF);
        return {&owned, 1};
    }

private:
    static uint64_t get_fixed64(const char* p) {
        uint64_t v = 0;
        for (int i = 7; i >= 0; --i) v = (v << 8U) | static_cast<uint8_t>(p[i]);
        return v;
    }
    static void put_fixed64(char* p, uint64_t v) {
        for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8U * static_cast<unsigned>(i)));
    }

    // LogRecord.time_unix_nano is field 1, fixed64: tag byte 0x09 and 8 little-endian bytes.
    // Records are serialized in order, so each is searched for after the previous one.
    static uint32_t find_time(const std::string& bytes, size_t from, uint64_t value) {
        std::string needle(9, '\0');
        needle[0] = '\x09';
        put_fixed64(needle.data() + 1, value);
        const size_t at = bytes.find(needle, from);
        if (at == std::string::npos) {
            std::fprintf(stderr, "otlp_grpc_throughput: cannot locate a record time\n");
            std::exit(2);
        }
        return static_cast<uint32_t>(at + 1);
    }

    // The shifted request must parse, with every time moved and nothing else changed.
    void check_patching() const {
        const grpc::ByteBuffer shifted = request(templates_.size());
        std::vector<grpc::Slice> slices;
        (void)shifted.Dump(&slices);
        std::string bytes;
        for (const auto& s : slices)
            bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
        collector::ExportLogsServiceRequest a;
        collector::ExportLogsServiceRequest b;
        if (!a.ParseFromString(templates_[0]) || !b.ParseFromString(bytes)) {
            std::fprintf(stderr, "otlp_grpc_throughput: shifted request does not parse\n");
            std::exit(2);
        }
        auto* records = b.mutable_resource_logs(0)->mutable_scope_logs(0)->mutable_log_records();
        for (int i = 0; i < records->size(); ++i) {
            auto* r = records->Mutable(i);
            const auto& original = a.resource_logs(0).scope_logs(0).log_records(i);
            if (r->time_unix_nano() != original.time_unix_nano() + 3600ULL * 1000000000ULL) {
                std::fprintf(stderr, "otlp_grpc_throughput: time shift check failed\n");
                std::exit(2);
            }
            r->set_time_unix_nano(original.time_unix_nano());
        }
        if (b.SerializeAsString() != templates_[0]) {
            std::fprintf(stderr, "otlp_grpc_throughput: time shift changed other bytes\n");
            std::exit(2);
        }
    }

    std::vector<std::string> templates_;
    std::vector<std::vector<uint32_t>> time_offsets_;
};

// ---------------------------------------------------------------------------------------
// In-process baselines.

enum class Work { none, parse, decode };

class BaselineLogs final
    : public collector::LogsService::WithRawCallbackMethod_Export<collector::LogsService::Service> {
public:
    explicit BaselineLogs(Work work) : work_(work) {
        char host[256] = {};
        ::gethostname(host, sizeof host - 1);
        host_ = host;
    }

    grpc::ServerUnaryReactor* Export(grpc::CallbackServerContext* context,
                                     const grpc::ByteBuffer* request,
                                     grpc::ByteBuffer* response) override {
        grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
        grpc::Status status = grpc::Status::OK;
        if (work_ != Work::none) status = handle(*request);
        // An empty ExportLogsServiceResponse is zero bytes, but it must be a message.
        grpc::Slice empty;
        *response = grpc::ByteBuffer(&empty, 1);
        reactor->Finish(status);
        return reactor;
    }

private:
    grpc::Status handle(const grpc::ByteBuffer& request) {
        if (work_ == Work::decode) return decode(request);
        google::protobuf::Arena arena;
        auto* message =
            google::protobuf::Arena::CreateMessage<collector::ExportLogsServiceRequest>(&arena);
        grpc::ProtoBufferReader reader(const_cast<grpc::ByteBuffer*>(&request));
        if (!message->ParseFromZeroCopyStream(&reader)) {
            return {grpc::StatusCode::INVALID_ARGUMENT, "malformed"};
        }
        return grpc::Status::OK;
    }

    // What agent-trace's receiver does before the queue: the bytes in one piece, read in
    // place and mapped to events, which are encoded for the queue.
    grpc::Status decode(const grpc::ByteBuffer& request) {
        grpc::Slice whole;
        if (!request.TrySingleSlice(&whole).ok() && !request.DumpToSingleSlice(&whole).ok()) {
            return {grpc::StatusCode::INVALID_ARGUMENT, "unreadable"};
        }
        agent_trace::otlp::OtlpDecodeOptions options;
        options.max_tier = 1;
        options.host = host_;
        options.now = agent_trace::now_us();
        const std::optional<agent_trace::otlp::OtlpDecoded> decoded =
            agent_trace::otlp::decode_logs_protobuf(
                std::string_view(reinterpret_cast<const char*>(whole.begin()), whole.size()),
                options);
        if (!decoded || decoded->rejected != 0) {
            return {grpc::StatusCode::INVALID_ARGUMENT, "not read in place"};
        }
        std::string encoded;
        for (const agent_trace::Event& e : decoded->events) agent_trace::encode_event(e, encoded);
        return grpc::Status::OK;
    }

    Work work_;
    std::string host_;
};

class BaselineServer {
public:
    explicit BaselineServer(Work work) : service_(work) {
        grpc::ServerBuilder builder;
        builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
        builder.SetMaxReceiveMessageSize(64 << 20);
        builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
        builder.RegisterService(&service_);
        server_ = builder.BuildAndStart();
        if (!server_ || port_ == 0) {
            std::fprintf(stderr, "otlp_grpc_throughput: cannot start the baseline server\n");
            std::exit(1);
        }
    }
    ~BaselineServer() {
        server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
        server_->Wait();
    }
    BaselineServer(const BaselineServer&) = delete;
    BaselineServer& operator=(const BaselineServer&) = delete;

    [[nodiscard]] int port() const { return port_; }

private:
    BaselineLogs service_;
    int port_ = 0;
    std::unique_ptr<grpc::Server> server_;
};

// ---------------------------------------------------------------------------------------
// The real server: `agent-trace --data-dir TMP serve ...` as a child process.

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// GET http://127.0.0.1:port/path, the body (empty on failure).
std::string http_get(int port, const std::string& path) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return {};
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string response;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        const std::string request =
            "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
        if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size())) {
            char buffer[8192];
            for (;;) {
                const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
                if (n <= 0) break;
                response.append(buffer, static_cast<size_t>(n));
            }
        }
    }
    ::close(fd);
    const size_t body = response.find("\r\n\r\n");
    return body == std::string::npos ? std::string{} : response.substr(body + 4);
}

double cpu_seconds(pid_t pid) {
    const std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
    const size_t paren = stat.rfind(')');
    if (paren == std::string::npos) return 0;
    // Fields after the command: state(3) ... utime(14) stime(15).
    std::vector<std::string> fields;
    size_t at = paren + 2;
    while (at < stat.size() && fields.size() < 13) {
        const size_t space = std::min(stat.find(' ', at), stat.size());
        fields.push_back(stat.substr(at, space - at));
        at = space + 1;
    }
    if (fields.size() < 13) return 0;
    const auto ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
    return (std::stod(fields[11]) + std::stod(fields[12])) / ticks;
}

class ServeProcess {
public:
    explicit ServeProcess(const Options& options) {
        std::string tmpl =
            (std::filesystem::temp_directory_path() / "at-otlp-bench.XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) {
            std::perror("mkdtemp");
            std::exit(1);
        }
        dir_ = tmpl;
        std::filesystem::create_directories(dir_ / "home");
        const std::string port_file = (dir_ / "port.json").string();
        std::vector<std::string> args{
            options.agent_trace, "--data-dir",  (dir_ / "data").string(), "serve",
            "--hooks-listen",    "127.0.0.1:0", "--otlp-grpc-listen",     "127.0.0.1:0",
            "--api-listen",      "127.0.0.1:0", "--no-dashboard",         "--port-file",
            port_file,           "--no-import"};
        for (const auto& a : options.serve_args) args.push_back(a);
        std::vector<std::string> env;
        for (char** e = environ; *e != nullptr; ++e) {
            if (std::string_view(*e).starts_with("HOME=")) continue;
            env.emplace_back(*e);
        }
        env.push_back("HOME=" + (dir_ / "home").string());
        std::vector<char*> argv;
        argv.reserve(args.size() + 1);
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        std::vector<char*> envp;
        envp.reserve(env.size() + 1);
        for (auto& e : env) envp.push_back(e.data());
        envp.push_back(nullptr);
        const std::string log = (dir_ / "serve.log").string();
        const pid_t parent = ::getpid();
        pid_ = ::fork();
        if (pid_ < 0) {
            std::perror("fork");
            std::exit(1);
        }
        if (pid_ == 0) {
            // Only async-signal-safe calls here. The server goes when the bench goes.
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (::getppid() != parent) ::_exit(127);
            const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd >= 0) {
                ::dup2(fd, STDOUT_FILENO);
                ::dup2(fd, STDERR_FILENO);
            }
            ::execve(argv[0], argv.data(), envp.data());
            ::_exit(127);
        }
        const auto deadline = Clock::now() + std::chrono::seconds(20);
        while (Clock::now() < deadline) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                fail("agent-trace serve exited at start:\n" + read_file(log));
            }
            simdjson::dom::parser parser;
            const std::string text = read_file(port_file);
            simdjson::dom::element doc;
            int64_t grpc = 0;
            int64_t hooks = 0;
            if (!text.empty() && parser.parse(text).get(doc) == simdjson::SUCCESS &&
                doc["otlp_grpc"].get(grpc) == simdjson::SUCCESS &&
                doc["hooks"].get(hooks) == simdjson::SUCCESS) {
                grpc_port_ = static_cast<int>(grpc);
                hooks_port_ = static_cast<int>(hooks);
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        fail("agent-trace serve did not write its port file in 20 s:\n" + read_file(log));
    }

    ~ServeProcess() { stop(); }
    ServeProcess(const ServeProcess&) = delete;
    ServeProcess& operator=(const ServeProcess&) = delete;

    [[nodiscard]] int grpc_port() const { return grpc_port_; }
    [[nodiscard]] int hooks_port() const { return hooks_port_; }
    [[nodiscard]] pid_t pid() const { return pid_; }
    [[nodiscard]] std::string healthz() const { return http_get(hooks_port_, "/healthz"); }

    // SIGTERM, wait (SIGKILL after 60 s), remove the data directory.
    void stop() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            const auto deadline = Clock::now() + std::chrono::seconds(60);
            int status = 0;
            while (::waitpid(pid_, &status, WNOHANG) == 0) {
                if (Clock::now() > deadline) {
                    ::kill(pid_, SIGKILL);
                    ::waitpid(pid_, &status, 0);
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            pid_ = -1;
        }
        if (!dir_.empty()) {
            std::error_code ec;
            std::filesystem::remove_all(dir_, ec);
            dir_.clear();
        }
    }

private:
    [[noreturn]] void fail(const std::string& message) {
        std::fprintf(stderr, "otlp_grpc_throughput: %s\n", message.c_str());
        stop();
        std::exit(1);
    }

    std::filesystem::path dir_;
    pid_t pid_ = -1;
    int grpc_port_ = 0;
    int hooks_port_ = 0;
};

// ---------------------------------------------------------------------------------------
// The client: one thread and one completion queue per channel (its own TCP connection),
// each keeping its share of the calls in flight and starting the next on every answer.

struct RunResult {
    uint64_t acknowledged = 0;  // OK answers over the whole run (warm-up included)
    uint64_t in_window = 0;     // OK answers inside the timed window
    uint64_t errors = 0;
    std::string first_error;
    double window_s = 0;
    double process_cores = 0;  // this process (client, plus the baseline server)
    double serve_cores = 0;    // the serve child
};

RunResult drive(int port, const Options& options, const Payloads& payloads, pid_t serve_pid) {
    const std::string target = "127.0.0.1:" + std::to_string(port);
    std::atomic<uint64_t> next_request{0};
    std::atomic<uint64_t> acknowledged{0};
    std::atomic<uint64_t> in_window{0};
    std::atomic<uint64_t> errors{0};
    std::string first_error;
    std::mutex error_mu;

    // Connect every channel before the clock starts.
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    for (int c = 0; c < options.channels; ++c) {
        grpc::ChannelArguments args;
        args.SetMaxSendMessageSize(-1);
        args.SetMaxReceiveMessageSize(-1);
        // One connection per channel, not one shared subchannel.
        args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
        args.SetInt("agent_trace.bench_channel", c);
        if (options.gzip) args.SetCompressionAlgorithm(GRPC_COMPRESS_GZIP);
        auto channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
        if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                       std::chrono::seconds(10))) {
            std::fprintf(stderr, "otlp_grpc_throughput: cannot connect to %s\n", target.c_str());
            std::exit(1);
        }
        channels.push_back(std::move(channel));
    }

    const auto start = Clock::now();
    const auto window_start = start + std::chrono::duration_cast<Clock::duration>(
                                          std::chrono::duration<double>(options.warmup));
    const auto window_end = window_start + std::chrono::duration_cast<Clock::duration>(
                                               std::chrono::duration<double>(options.seconds));

    struct Call {
        size_t slot = 0;
        grpc::ClientContext context;
        grpc::ByteBuffer response;
        grpc::Status status;
        std::unique_ptr<grpc::GenericClientAsyncResponseReader> reader;
    };

    std::vector<std::thread> threads;
    for (int c = 0; c < options.channels; ++c) {
        const int depth =
            options.inflight / options.channels + (c < options.inflight % options.channels ? 1 : 0);
        threads.emplace_back([&, c, depth] {
            grpc::GenericStub stub(channels[static_cast<size_t>(c)]);
            grpc::CompletionQueue cq;
            std::vector<std::unique_ptr<Call>> calls(static_cast<size_t>(depth));
            auto launch = [&](size_t slot) {
                auto call = std::make_unique<Call>();
                call->slot = slot;
                call->context.set_deadline(std::chrono::system_clock::now() +
                                           std::chrono::seconds(60));
                const grpc::ByteBuffer request = payloads.request(next_request.fetch_add(1));
                call->reader = stub.PrepareUnaryCall(&call->context, kExportMethod, request, &cq);
                call->reader->StartCall();
                call->reader->Finish(&call->response, &call->status, call.get());
                calls[slot] = std::move(call);
            };
            for (size_t slot = 0; slot < calls.size(); ++slot) launch(slot);
            size_t outstanding = calls.size();
            while (outstanding > 0) {
                void* tag = nullptr;
                bool ok = false;
                if (!cq.Next(&tag, &ok)) break;
                const size_t slot = static_cast<Call*>(tag)->slot;
                const auto now = Clock::now();
                const grpc::Status& status = calls[slot]->status;
                if (ok && status.ok()) {
                    acknowledged.fetch_add(1, std::memory_order_relaxed);
                    if (now >= window_start && now < window_end) {
                        in_window.fetch_add(1, std::memory_order_relaxed);
                    }
                } else {
                    const std::lock_guard lock(error_mu);
                    if (errors.fetch_add(1) == 0) {
                        first_error =
                            std::to_string(status.error_code()) + " " + status.error_message();
                    }
                }
                if (now < window_end && errors.load() < 100 && !g_interrupted.load()) {
                    launch(slot);
                } else {
                    calls[slot].reset();
                    --outstanding;
                }
            }
            cq.Shutdown();
            void* tag = nullptr;
            bool ok = false;
            while (cq.Next(&tag, &ok)) {
            }
        });
    }

    // Ctrl-C ends the run early (the calls stop, the server is still stopped and cleaned up).
    const auto wait_until = [](Clock::time_point when) {
        while (Clock::now() < when && !g_interrupted.load()) {
            std::this_thread::sleep_for(
                std::min<Clock::duration>(when - Clock::now(), std::chrono::milliseconds(50)));
        }
    };
    wait_until(window_start);
    const double process_cpu0 = cpu_seconds(::getpid());
    const double serve_cpu0 = serve_pid > 0 ? cpu_seconds(serve_pid) : 0;
    wait_until(window_end);
    const double process_cpu1 = cpu_seconds(::getpid());
    const double serve_cpu1 = serve_pid > 0 ? cpu_seconds(serve_pid) : 0;
    for (auto& t : threads) t.join();

    RunResult result;
    result.acknowledged = acknowledged.load();
    result.in_window = in_window.load();
    result.errors = errors.load();
    result.first_error = first_error;
    result.window_s = options.seconds;
    result.process_cores = (process_cpu1 - process_cpu0) / options.seconds;
    result.serve_cores = (serve_cpu1 - serve_cpu0) / options.seconds;
    return result;
}

double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const size_t n = values.size();
    return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string thousands(double value) {
    std::string digits = std::to_string(static_cast<int64_t>(std::llround(value)));
    std::string out;
    const size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
    out = digits.substr(0, lead);
    for (size_t i = lead; i < digits.size(); i += 3) out += "," + digits.substr(i, 3);
    return out;
}

const char* describe(const std::string& variant) {
    if (variant == "noop") return "no-op gRPC server (answers OK, no parse)";
    if (variant == "parse") return "no-op gRPC server (parses the request)";
    if (variant == "decode") return "in-process decode + encode, no queue";
    return "agent-trace serve (durable queue)";
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse_options(argc, argv);
    const bool wants_serve = std::find(options.variants.begin(), options.variants.end(), "serve") !=
                             options.variants.end();
    if (wants_serve && ::access(options.agent_trace.c_str(), X_OK) != 0) {
        usage_error(options.agent_trace + " is not an executable (build it, or --agent-trace)");
    }
    struct sigaction action {};
    action.sa_handler = [](int) { g_interrupted.store(true); };
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
    ::signal(SIGPIPE, SIG_IGN);

    const auto build_start = Clock::now();
    const Payloads payloads(options.templates, options.batch);
    std::printf(
        "machine: %u cores; %d records/request, %zu bytes/request (%zu per record), %d distinct "
        "templates (times shifted per cycle)\n",
        std::thread::hardware_concurrency(), options.batch, payloads.bytes_per_request(),
        payloads.bytes_per_request() / static_cast<size_t>(options.batch), options.templates);
    std::printf(
        "client: %d unary calls in flight over %d channel(s); %d round(s) of %.1f s after a %.1f s "
        "warm-up per run; requests built in %.1f s\n",
        options.inflight, options.channels, options.rounds, options.seconds, options.warmup,
        std::chrono::duration<double>(Clock::now() - build_start).count());
    std::fflush(stdout);

    std::map<std::string, std::vector<double>> rates;
    bool failed = false;
    bool healthz_failed = false;
    uint64_t serve_records = 0;
    for (int round = 1; round <= options.rounds && !g_interrupted.load(); ++round) {
        for (const std::string& variant : options.variants) {
            if (g_interrupted.load()) break;
            RunResult result;
            std::string extra;
            if (variant == "serve") {
                ServeProcess serve(options);
                result = drive(serve.grpc_port(), options, payloads, serve.pid());
                // Every acknowledged record must have been counted as accepted.
                const std::string health = serve.healthz();
                simdjson::dom::parser parser;
                simdjson::dom::element doc;
                uint64_t accepted = 0;
                uint64_t rejected = 0;
                uint64_t depth = 0;
                if (parser.parse(health).get(doc) != simdjson::SUCCESS ||
                    doc["ingest"]["otlp"]["logs"]["accepted"].get(accepted) != simdjson::SUCCESS ||
                    doc["ingest"]["otlp"]["logs"]["rejected"].get(rejected) != simdjson::SUCCESS) {
                    std::fprintf(stderr, "otlp_grpc_throughput: unreadable /healthz: %s\n",
                                 health.c_str());
                    failed = healthz_failed = true;
                } else {
                    if (doc["queue"]["depth_records"].get(depth) != simdjson::SUCCESS) depth = 0;
                    const uint64_t acked =
                        result.acknowledged * static_cast<uint64_t>(options.batch);
                    if (accepted != acked || rejected != 0) {
                        std::fprintf(stderr,
                                     "otlp_grpc_throughput: /healthz accepted %" PRIu64
                                     " rejected %" PRIu64 " but %" PRIu64 " were acknowledged\n",
                                     accepted, rejected, acked);
                        failed = healthz_failed = true;
                    }
                    serve_records += acked;
                    char buffer[160];
                    std::snprintf(buffer, sizeof buffer,
                                  "; serve %.2f cores, client %.2f cores; healthz accepted %s, "
                                  "queue depth %s",
                                  result.serve_cores, result.process_cores,
                                  thousands(static_cast<double>(accepted)).c_str(),
                                  thousands(static_cast<double>(depth)).c_str());
                    extra = buffer;
                }
                serve.stop();
            } else {
                const Work work = variant == "noop"    ? Work::none
                                  : variant == "parse" ? Work::parse
                                                       : Work::decode;
                BaselineServer server(work);
                result = drive(server.port(), options, payloads, -1);
                char buffer[80];
                std::snprintf(buffer, sizeof buffer, "; client+server %.2f cores",
                              result.process_cores);
                extra = buffer;
            }
            if (result.errors != 0) {
                std::fprintf(stderr, "otlp_grpc_throughput: %s: %" PRIu64 " failed calls (%s)\n",
                             variant.c_str(), result.errors, result.first_error.c_str());
                failed = true;
            }
            const double rate = static_cast<double>(result.in_window) *
                                static_cast<double>(options.batch) / result.window_s;
            rates[variant].push_back(rate);
            std::printf("round %d %-6s %11s records/s (%" PRIu64 " requests in %.1f s)%s\n", round,
                        variant.c_str(), thousands(rate).c_str(), result.in_window, result.window_s,
                        extra.c_str());
            std::fflush(stdout);
        }
    }
    if (g_interrupted.load()) {
        std::fprintf(stderr, "otlp_grpc_throughput: interrupted\n");
        return 1;
    }

    std::printf("medians of %d round(s):\n", options.rounds);
    for (const std::string& variant : options.variants) {
        std::string label = describe(variant);
        if (variant == "serve" && !options.serve_args.empty()) {
            label = "agent-trace serve";
            for (const std::string& arg : options.serve_args) label += " " + arg;
        }
        std::printf(">> %-46s %11s records/s\n", label.c_str(),
                    thousands(median(rates[variant])).c_str());
    }
    if (wants_serve) {
        const double serve = median(rates["serve"]);
        std::string ratios;
        for (const char* baseline : {"noop", "parse"}) {
            if (rates.count(baseline) == 0 || median(rates[baseline]) <= 0) continue;
            char buffer[64];
            std::snprintf(buffer, sizeof buffer, "%s%.2fx of %s", ratios.empty() ? "" : ", ",
                          serve / median(rates[baseline]), baseline);
            ratios += buffer;
        }
        if (!ratios.empty()) std::printf(">> agent-trace serve / no-op: %s\n", ratios.c_str());
        std::printf(">> target >= %s records/s: %s (%.2fx)\n", thousands(options.target).c_str(),
                    serve >= options.target ? "OK" : "MISSED", serve / options.target);
        std::printf(">> healthz: accepted == acknowledged in every serve run (%s records)%s\n",
                    thousands(static_cast<double>(serve_records)).c_str(),
                    healthz_failed ? ": NO, see above" : "");
    }
    return failed ? 1 : 0;
}
