#pragma once
// The canonical event (v1): one flat record every source is decoded into.
// Everything downstream of a source's decoder sees only this type.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "core/token_counts.hpp"

namespace agent_trace {

enum class Source : uint8_t { hook, otel, transcript, git };

enum class EventKind : uint8_t {
    session_start,
    session_end,
    user_prompt,
    api_request,
    tool_start,
    tool_end,
    tool_error,
    permission,
    subagent_start,
    subagent_stop,
    compact,
    notification,
    metric,
    commit,
    turn_end,  // the agent finished answering (hook Stop / StopFailure)
    other,
    api_error,  // a model call that failed (OTEL api_error / api_retries_exhausted / api_refusal)
};

enum class CostSource : uint8_t { none, reported, computed };

std::string_view to_string(Source source);
std::string_view to_string(EventKind kind);
std::string_view to_string(CostSource source);
std::optional<Source> parse_source(std::string_view text);
std::optional<EventKind> parse_event_kind(std::string_view text);
std::optional<CostSource> parse_cost_source(std::string_view text);

struct Event {
    EventId event_id;
    Source source = Source::transcript;
    EventKind kind = EventKind::other;
    TimestampUs ts = 0;
    TimestampUs ingest_ts = 0;

    std::string session_id;
    std::string agent_id;  // set inside a subagent
    std::string prompt_id;
    std::string message_id;
    std::string request_id;
    std::string tool_use_id;
    std::string parent_uuid;

    std::string user;
    std::string host;
    std::string project;  // Claude Code's project key: the encoded cwd directory name
    std::string cwd;
    std::string git_branch;
    std::string app_version;

    std::string model;
    int64_t input_tokens = 0;
    int64_t output_tokens = 0;
    int64_t cache_write_5m_tokens = 0;
    int64_t cache_write_1h_tokens = 0;
    int64_t cache_read_tokens = 0;

    std::optional<double> cost_usd;
    CostSource cost_source = CostSource::none;

    std::string tool_name;
    std::optional<int64_t> duration_ms;
    std::optional<bool> success;
    std::string error;

    bool is_sidechain = false;
    uint8_t tier = 1;
    std::string attrs = "{}";  // JSON object, already reduced to the tier and redacted

    // The token fields stay flat above because they are the v1 schema's field names.
    [[nodiscard]] TokenCounts token_counts() const {
        return {input_tokens, output_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
                cache_read_tokens};
    }
    void set_token_counts(const TokenCounts& t) {
        input_tokens = t.input;
        output_tokens = t.output;
        cache_write_5m_tokens = t.cache_write_5m;
        cache_write_1h_tokens = t.cache_write_1h;
        cache_read_tokens = t.cache_read;
    }
};

// Rejects events no store should accept; the message names the field.
Status validate(const Event& event);

}  // namespace agent_trace
