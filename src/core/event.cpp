#include "core/event.hpp"

#include <array>
#include <utility>

namespace agent_trace {
namespace {

constexpr std::array<std::pair<Source, std::string_view>, 4> kSources{{
    {Source::hook, "hook"},
    {Source::otel, "otel"},
    {Source::transcript, "transcript"},
    {Source::git, "git"},
}};

constexpr std::array<std::pair<EventKind, std::string_view>, 17> kKinds{{
    {EventKind::session_start, "session_start"},
    {EventKind::session_end, "session_end"},
    {EventKind::user_prompt, "user_prompt"},
    {EventKind::api_request, "api_request"},
    {EventKind::tool_start, "tool_start"},
    {EventKind::tool_end, "tool_end"},
    {EventKind::tool_error, "tool_error"},
    {EventKind::permission, "permission"},
    {EventKind::subagent_start, "subagent_start"},
    {EventKind::subagent_stop, "subagent_stop"},
    {EventKind::compact, "compact"},
    {EventKind::notification, "notification"},
    {EventKind::metric, "metric"},
    {EventKind::commit, "commit"},
    {EventKind::turn_end, "turn_end"},
    {EventKind::other, "other"},
    {EventKind::api_error, "api_error"},
}};

constexpr std::array<std::pair<CostSource, std::string_view>, 3> kCostSources{{
    {CostSource::none, "none"},
    {CostSource::reported, "reported"},
    {CostSource::computed, "computed"},
}};

template <class Enum, size_t N>
std::string_view name_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                         Enum value) {
    for (const auto& [v, name] : table) {
        if (v == value) return name;
    }
    return "unknown";
}

template <class Enum, size_t N>
std::optional<Enum> value_of(const std::array<std::pair<Enum, std::string_view>, N>& table,
                             std::string_view text) {
    for (const auto& [v, name] : table) {
        if (name == text) return v;
    }
    return std::nullopt;
}

// 2000-01-01 .. 2200-01-01: anything outside is a decoding bug or garbage input.
constexpr TimestampUs kEarliest = 946'684'800'000'000;
constexpr TimestampUs kLatest = 7'258'118'400'000'000;

}  // namespace

std::string_view to_string(Source source) { return name_of(kSources, source); }
std::string_view to_string(EventKind kind) { return name_of(kKinds, kind); }
std::string_view to_string(CostSource source) { return name_of(kCostSources, source); }
std::optional<Source> parse_source(std::string_view text) { return value_of(kSources, text); }
std::optional<EventKind> parse_event_kind(std::string_view text) { return value_of(kKinds, text); }
std::optional<CostSource> parse_cost_source(std::string_view text) {
    return value_of(kCostSources, text);
}

Status validate(const Event& event) {
    if (event.event_id == EventId{}) return make_error("event_id is empty");
    if (event.ts < kEarliest || event.ts > kLatest) {
        return make_error("ts is outside 2000..2200");
    }
    if (event.session_id.empty() && event.kind != EventKind::metric &&
        event.kind != EventKind::commit) {
        return make_error("session_id is empty");
    }
    for (const int64_t tokens :
         {event.input_tokens, event.output_tokens, event.cache_write_5m_tokens,
          event.cache_write_1h_tokens, event.cache_read_tokens}) {
        if (tokens < 0) return make_error("token counts must not be negative");
    }
    if (event.kind == EventKind::api_request && event.model.empty()) {
        return make_error("api_request without model");
    }
    if (event.cost_usd.has_value() &&
        (*event.cost_usd < 0 || event.cost_source == CostSource::none)) {
        return make_error("cost_usd needs a cost_source and must not be negative");
    }
    if (event.tier < 1 || event.tier > 3) return make_error("tier must be 1, 2 or 3");
    if (event.attrs.empty() || event.attrs.front() != '{' || event.attrs.back() != '}') {
        return make_error("attrs must be a JSON object");
    }
    return Ok{};
}

}  // namespace agent_trace
