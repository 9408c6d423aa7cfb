// GET /metrics: the Prometheus text writer's escaping, and the real ServeApp's
// exposition read back by a strict parser of text format 0.0.4 (every family
// has HELP and TYPE before its samples, names and labels well formed, no
// duplicate series, counters end in _total), with the counters it reports
// checked against what the test sent.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../support/sse_client.hpp"
#include "../support/test_support.hpp"
#include "cli/hook_handler/loopback_http.hpp"
#include "server/prometheus_text.hpp"
#include "server/serve_app.hpp"

namespace agent_trace::server {
namespace {

using namespace std::chrono_literals;

// ---- a strict reader of the exposition format ----

struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

struct Family {
    std::string type;
    std::string help;
    std::vector<Sample> samples;
};

struct Exposition {
    std::map<std::string, Family> families;
    std::vector<std::string> errors;

    // The value of the series `name{labels}`; nullopt when absent.
    [[nodiscard]] std::optional<double> value(
        const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
        const auto f = families.find(name);
        if (f == families.end()) return std::nullopt;
        for (const Sample& s : f->second.samples) {
            if (s.labels == labels) return s.value;
        }
        return std::nullopt;
    }
};

// Unescapes a HELP text or label value; false on an escape the format does not have.
bool unescape(std::string_view text, bool quoted, std::string& out) {
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '"' && quoted) return false;  // must have been escaped
        if (text[i] != '\\') {
            out += text[i];
            continue;
        }
        if (++i == text.size()) return false;
        if (text[i] == '\\') {
            out += '\\';
        } else if (text[i] == 'n') {
            out += '\n';
        } else if (text[i] == '"' && quoted) {
            out += '"';
        } else {
            return false;
        }
    }
    return true;
}

std::optional<double> parse_value(const std::string& text) {
    if (text == "NaN") return std::nan("");
    if (text == "+Inf") return INFINITY;
    if (text == "-Inf") return -INFINITY;
    static const std::regex number(R"(-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?)");
    if (!std::regex_match(text, number)) return std::nullopt;
    return std::stod(text);
}

Exposition parse_exposition(const std::string& text) {
    static const std::regex metric_name("[a-zA-Z_:][a-zA-Z0-9_:]*");
    static const std::regex label_name("[a-zA-Z_][a-zA-Z0-9_]*");
    Exposition out;
    auto fail = [&](size_t line_no, const std::string& why, const std::string& line) {
        out.errors.push_back("line " + std::to_string(line_no) + ": " + why + ": " + line);
    };
    if (text.empty() || text.back() != '\n') out.errors.emplace_back("does not end in a newline");
    std::string current;  // the family whose samples may follow
    std::set<std::string> closed;
    std::set<std::string> series;
    size_t line_no = 0;
    size_t at = 0;
    while (at < text.size()) {
        const size_t nl = text.find('\n', at);
        const std::string line = text.substr(at, nl - at);
        at = nl == std::string::npos ? text.size() : nl + 1;
        ++line_no;
        if (line.empty()) {
            fail(line_no, "empty line", line);
            continue;
        }
        if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
            const bool is_help = line[2] == 'H';
            const std::string rest = line.substr(7);
            const size_t space = rest.find(' ');
            const std::string name = rest.substr(0, space);
            const std::string body = space == std::string::npos ? "" : rest.substr(space + 1);
            if (!std::regex_match(name, metric_name)) fail(line_no, "bad metric name", line);
            if (name != current) {
                if (closed.contains(name)) fail(line_no, "family declared twice", line);
                if (!current.empty()) closed.insert(current);
                current = name;
            }
            Family& family = out.families[name];
            if (!family.samples.empty()) fail(line_no, "HELP/TYPE after samples", line);
            if (is_help) {
                if (!family.help.empty()) fail(line_no, "second HELP", line);
                if (!family.type.empty()) fail(line_no, "HELP after TYPE", line);
                if (!unescape(body, false, family.help)) fail(line_no, "bad escape in HELP", line);
            } else {
                if (!family.type.empty()) fail(line_no, "second TYPE", line);
                static const std::set<std::string> types = {"counter", "gauge", "histogram",
                                                            "summary", "untyped"};
                if (!types.contains(body)) fail(line_no, "unknown type", line);
                family.type = body;
            }
            continue;
        }
        if (line.starts_with("#")) {
            fail(line_no, "comment that is neither HELP nor TYPE", line);
            continue;
        }
        // name{label="value",...} value
        Sample sample;
        size_t i = 0;
        while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
        sample.name = line.substr(0, i);
        if (!std::regex_match(sample.name, metric_name)) fail(line_no, "bad sample name", line);
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (i < line.size() && line[i] != '}') {
                const size_t eq = line.find('=', i);
                if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
                    fail(line_no, "bad label", line);
                    break;
                }
                const std::string label = line.substr(i, eq - i);
                if (!std::regex_match(label, label_name) || label.starts_with("__")) {
                    fail(line_no, "bad label name", line);
                }
                size_t end = eq + 2;
                while (end < line.size() && line[end] != '"') end += line[end] == '\\' ? 2 : 1;
                if (end >= line.size()) {
                    fail(line_no, "unterminated label value", line);
                    break;
                }
                std::string value;
                if (!unescape(std::string_view(line).substr(eq + 2, end - eq - 2), true, value)) {
                    fail(line_no, "bad escape in label value", line);
                }
                if (sample.labels.contains(label)) fail(line_no, "label repeated", line);
                sample.labels[label] = value;
                i = end + 1;
                if (i < line.size() && line[i] == ',') ++i;
            }
            if (i >= line.size() || line[i] != '}') {
                fail(line_no, "labels not closed", line);
                continue;
            }
            ++i;
        }
        if (i >= line.size() || line[i] != ' ') {
            fail(line_no, "no value", line);
            continue;
        }
        const auto value = parse_value(line.substr(i + 1));
        if (!value) {
            fail(line_no, "bad value (or a timestamp, which we never send)", line);
            continue;
        }
        sample.value = *value;
        if (sample.name != current) fail(line_no, "sample outside its family's block", line);
        Family& family = out.families[sample.name];
        if (family.type.empty() || family.help.empty()) {
            fail(line_no, "sample before its HELP and TYPE", line);
        }
        std::string key = sample.name;
        for (const auto& [k, v] : sample.labels) {
            key += "|";
            key += k;
            key += "=";
            key += v;
        }
        if (!series.insert(key).second) fail(line_no, "duplicate series", line);
        family.samples.push_back(std::move(sample));
    }
    for (const auto& [name, family] : out.families) {
        if (!name.starts_with("agent_trace_")) out.errors.push_back(name + ": not agent_trace_*");
        if (family.type == "counter" && !name.ends_with("_total")) {
            out.errors.push_back(name + ": a counter must end in _total");
        }
        if (family.type != "counter" && name.ends_with("_total")) {
            out.errors.push_back(name + ": only counters end in _total");
        }
        for (const Sample& s : family.samples) {
            if (family.type == "counter" && !(s.value >= 0)) {
                out.errors.push_back(name + ": negative counter");
            }
        }
    }
    return out;
}

// ---- the writer ----

TEST(PrometheusText, EscapesHelpAndLabelValuesAsTheFormatSays) {
    PrometheusText p;
    p.family("agent_trace_things_total", "counter", "Things\\seen\non two lines");
    p.sample(uint64_t{7}, {{"reason", R"(say "hi" \ bye)"}, {"where", "a\nb"}});
    p.sample(uint64_t{0});
    p.gauge("agent_trace_ratio", "A ratio", 0.25);
    p.gauge("agent_trace_big", "Large", 1e21);
    const std::string text = p.take();
    EXPECT_EQ(text,
              "# HELP agent_trace_things_total Things\\\\seen\\non two lines\n"
              "# TYPE agent_trace_things_total counter\n"
              "agent_trace_things_total{reason=\"say \\\"hi\\\" \\\\ bye\",where=\"a\\nb\"} 7\n"
              "agent_trace_things_total 0\n"
              "# HELP agent_trace_ratio A ratio\n"
              "# TYPE agent_trace_ratio gauge\n"
              "agent_trace_ratio 0.25\n"
              "# HELP agent_trace_big Large\n"
              "# TYPE agent_trace_big gauge\n"
              "agent_trace_big 1e+21\n");
    const Exposition parsed = parse_exposition(text);
    EXPECT_TRUE(parsed.errors.empty()) << parsed.errors.front();
    EXPECT_EQ(parsed.value("agent_trace_things_total",
                           {{"reason", R"(say "hi" \ bye)"}, {"where", "a\nb"}}),
              7.0);
    EXPECT_EQ(parsed.families.at("agent_trace_things_total").help, "Things\\seen\non two lines");
}

TEST(PrometheusText, TheStrictReaderRefusesWhatTheFormatDoesNotAllow) {
    for (const std::string& bad : {
             std::string("agent_trace_x_total 1\n"),  // no HELP/TYPE
             std::string("# HELP agent_trace_x_total h\n# TYPE agent_trace_x_total counter\n"
                         "agent_trace_x_total{a=\"1\"} 1\nagent_trace_x_total{a=\"1\"} 2\n"),
             std::string("# HELP agent_trace_x h\n# TYPE agent_trace_x counter\nagent_trace_x 1\n"),
             std::string("# HELP agent_trace_x h\n# TYPE agent_trace_x gauge\nagent_trace_x one\n"),
             std::string(
                 "# HELP agent_trace_x h\n# TYPE agent_trace_x gauge\nagent_trace_x{a=\"\"\"} 1\n"),
             std::string("# HELP agent_trace_x h\n# TYPE agent_trace_x gauge\nagent_trace_x 1"),
         }) {
        EXPECT_FALSE(parse_exposition(bad).errors.empty()) << bad;
    }
}

// ---- serve ----

class Served {
public:
    Served() {
        ServeOptions options;
        options.data_dir = dir_.path().string();
        options.hooks_port = 0;
        options.otlp_grpc_port = 0;
        options.api_port = 0;
        options.import_history = false;
        options.queue_sync = QueueSync::none;
        auto app = ServeApp::start(options);
        EXPECT_TRUE(app.ok()) << (app.ok() ? "" : app.error().message);
        if (app.ok()) app_ = std::move(*app);
    }
    [[nodiscard]] bool up() const { return app_ != nullptr; }
    [[nodiscard]] const ServeApp& app() const { return *app_; }

    static cli::HttpResponse request(uint16_t port, const char* method, const std::string& path,
                                     const std::string& body = "") {
        auto url = cli::parse_loopback_url("http://127.0.0.1:" + std::to_string(port));
        EXPECT_TRUE(url.ok());
        auto response = cli::http_request(*url, method, path, body, "application/json", 20'000ms);
        EXPECT_TRUE(response.ok()) << (response.ok() ? "" : response.error().message);
        return response.ok() ? *response : cli::HttpResponse{};
    }

    [[nodiscard]] Exposition metrics(uint16_t port) const {
        const auto response = request(port, "GET", "/metrics");
        EXPECT_EQ(response.status, 200);
        Exposition parsed = parse_exposition(response.body);
        for (const std::string& error : parsed.errors) ADD_FAILURE() << error;
        return parsed;
    }

private:
    testing_support::TempDir dir_;
    std::unique_ptr<ServeApp> app_;
};

std::string hook(const std::string& name, const std::string& tool_use_id) {
    return R"({"session_id":"m1","hook_event_name":")" + name +
           R"(","tool_name":"Bash","tool_use_id":")" + tool_use_id +
           R"(","cwd":"/work/m1","transcript_path":"/nonexistent/m1.jsonl"})";
}

TEST(ServeMetrics, BothPortsExposeTheCollectorsCountersInTheTextFormat) {
    Served served;
    ASSERT_TRUE(served.up());
    const uint16_t hooks = served.app().hooks_port();
    const uint16_t api = served.app().api_port();
    // Two good events and one the decoder refuses (counted by reason).
    ASSERT_EQ(Served::request(hooks, "POST", "/v1/hooks",
                              "[" + hook("PreToolUse", "a") + "," + hook("PostToolUse", "a") + "," +
                                  hook("NoSuchHookEvent", "b") + "]")
                  .status,
              200);
    testing_support::SseClient stream(api, "/api/v1/stream");
    ASSERT_EQ(stream.status(), 200);
    ASSERT_EQ(Served::request(api, "GET", "/api/v1/nothing-here").status, 404);

    std::optional<Exposition> m;
    for (int i = 0; i < 500; ++i) {
        m = served.metrics(api);
        if (m->value("agent_trace_store_events_stored_total") == 2.0 &&
            m->value("agent_trace_sse_clients") == 1.0) {
            break;
        }
        std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(m.has_value());
    EXPECT_EQ(m->value("agent_trace_ingest_received_total", {{"source", "hooks"}}), 3.0);
    EXPECT_EQ(m->value("agent_trace_ingest_accepted_total", {{"source", "hooks"}}), 2.0);
    EXPECT_EQ(m->value("agent_trace_ingest_rejected_total",
                       {{"source", "hooks"}, {"reason", "unknown_hook_event"}}),
              1.0);
    EXPECT_EQ(m->value("agent_trace_ingest_accepted_total", {{"source", "otlp_logs"}}), 0.0);
    EXPECT_EQ(m->value("agent_trace_store_events_stored_total"), 2.0);
    EXPECT_EQ(m->value("agent_trace_queue_depth_records"), 0.0);
    EXPECT_TRUE(m->value("agent_trace_queue_depth_bytes").has_value());
    EXPECT_EQ(m->value("agent_trace_store_write_retries_total"), 0.0);
    EXPECT_EQ(m->value("agent_trace_dlq_entries"), 0.0);
    EXPECT_EQ(m->value("agent_trace_store_available"), 1.0);
    EXPECT_TRUE(m->value("agent_trace_store_lag_seconds").has_value());
    EXPECT_EQ(m->value("agent_trace_sse_clients"), 1.0);
    EXPECT_EQ(m->value("agent_trace_sse_clients_connected_total"), 1.0);
    EXPECT_EQ(m->value("agent_trace_sse_clients_dropped_slow_total"), 0.0);
    EXPECT_TRUE(m->value("agent_trace_sse_events_sent_total").has_value());
    EXPECT_GE(m->value("agent_trace_api_requests_total", {{"class", "4xx"}}).value_or(0), 1.0);
    EXPECT_GE(m->value("agent_trace_api_requests_total", {{"class", "2xx"}}).value_or(0), 1.0);
    EXPECT_TRUE(m->value("agent_trace_index_stale_sessions").has_value());
    EXPECT_EQ(m->value("agent_trace_http_requests_total", {{"listener", "hooks"}}), 1.0);
    EXPECT_TRUE(m->value("agent_trace_otlp_grpc_calls_total").has_value());
    EXPECT_EQ(m->families.at("agent_trace_uptime_seconds").type, "gauge");

    // The hooks port serves the same families.
    const Exposition on_hooks = served.metrics(hooks);
    for (const auto& [name, family] : m->families) {
        EXPECT_TRUE(on_hooks.families.contains(name)) << name;
    }
    // The format's content type.
    testing_support::SseClient raw(api, "/metrics");
    EXPECT_NE(raw.head().find("Content-Type: text/plain; version=0.0.4"), std::string::npos)
        << raw.head();
    EXPECT_EQ(Served::request(api, "POST", "/metrics").status, 405);
}

}  // namespace
}  // namespace agent_trace::server
