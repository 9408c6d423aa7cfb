#include "query/session_fusion.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace agent_trace {
namespace {

// Time within which two layers' reports of a prompt without a prompt id are
// taken to be the same prompt.
constexpr TimestampUs kUnkeyedPromptWindowUs = 3'000'000;

uint8_t source_bit(Source source) {
    switch (source) {
        case Source::hook:
            return kSourceHook;
        case Source::otel:
            return kSourceOtel;
        case Source::transcript:
            return kSourceTranscript;
        case Source::git:
            return 0;
    }
    return 0;
}

int source_index(Source source) {
    switch (source) {
        case Source::hook:
            return 0;
        case Source::otel:
            return 1;
        case Source::transcript:
            return 2;
        case Source::git:
            return -1;
    }
    return -1;
}

// The few attrs fusion reads, parsed once per event that needs them.
class Attrs {
public:
    explicit Attrs(const std::string& json) {
        if (json.size() > 2) doc_.Parse(json.data(), json.size());
    }
    [[nodiscard]] std::string text(const char* key) const {
        if (!doc_.IsObject()) return {};
        auto it = doc_.FindMember(key);
        if (it == doc_.MemberEnd()) return {};
        if (it->value.IsString()) return {it->value.GetString(), it->value.GetStringLength()};
        if (it->value.IsInt64()) return std::to_string(it->value.GetInt64());
        if (it->value.IsBool()) return it->value.GetBool() ? "true" : "false";
        return {};
    }
    [[nodiscard]] int64_t integer(const char* key) const {
        if (!doc_.IsObject()) return 0;
        auto it = doc_.FindMember(key);
        if (it == doc_.MemberEnd()) return 0;
        if (it->value.IsInt64()) return it->value.GetInt64();
        if (it->value.IsString()) {
            int64_t v = 0;
            for (const char* p = it->value.GetString(); *p >= '0' && *p <= '9'; ++p) {
                v = v * 10 + (*p - '0');
            }
            return v;
        }
        return 0;
    }

private:
    rapidjson::Document doc_;
};

// A short string attr without a full parse (every OTEL call has large attrs): the
// value after `needle` ("key":") up to its closing quote; "" when escaped or absent.
std::string plain_string_attr(const std::string& attrs, std::string_view needle) {
    const size_t at = attrs.find(needle);
    if (at == std::string::npos) return {};
    const size_t begin = at + needle.size();
    const size_t end = attrs.find('"', begin);
    if (end == std::string::npos || attrs.find('\\', begin) < end) return {};
    return attrs.substr(begin, end - begin);
}

// The OTLP decoders write "signal" first in attrs.
bool from_spans(const Event& e) {
    return e.source == Source::otel && e.attrs.starts_with(R"({"signal":"traces")");
}

bool is_spawn_tool(std::string_view name) { return name == "Agent" || name == "Task"; }

bool is_denial(std::string_view decision) {
    return decision == "reject" || decision == "deny" || decision == "denied" ||
           decision == "rejected";
}

// Builds a SessionTimeline step by step; each step reads what earlier ones built.
class Fuser {
public:
    Fuser(std::span<const Event> events, const PricingTable& pricing) : pricing_(pricing) {
        order_.reserve(events.size());
        for (const Event& e : events) order_.push_back(&e);
        // Arrival order must not matter: time, then the id, decide.
        std::sort(order_.begin(), order_.end(), [](const Event* a, const Event* b) {
            if (a->ts != b->ts) return a->ts < b->ts;
            return a->event_id.bytes < b->event_id.bytes;
        });
        for (const Event* e : order_) {
            if (e->kind == EventKind::api_request && e->source == Source::otel && !from_spans(*e)) {
                otel_log_calls_ = true;
            }
            if (e->kind == EventKind::tool_end || e->kind == EventKind::tool_error) {
                if (e->source == Source::otel && !from_spans(*e)) otel_log_tools_ = true;
            }
        }
    }

    SessionTimeline run() {
        identity();
        model_calls();
        prompts();
        tool_calls();
        subagents();
        markers();
        link();
        totals();
        return std::move(t_);
    }

private:
    // Span-derived copies of what the log records already say would count twice.
    [[nodiscard]] bool skip_span_copy(const Event& e) const {
        if (!from_spans(e)) return false;
        if (e.kind == EventKind::api_request) return otel_log_calls_;
        return otel_log_tools_;
    }

    void identity() {
        auto pick = [&](std::string& out, auto field, std::initializer_list<Source> preference) {
            for (Source s : preference) {
                for (const Event* e : order_) {
                    if (e->source == s && !(e->*field).empty()) {
                        out = e->*field;
                        return;
                    }
                }
            }
        };
        const auto all = {Source::transcript, Source::hook, Source::otel};
        pick(t_.session_id, &Event::session_id, all);
        pick(t_.project, &Event::project, all);
        pick(t_.cwd, &Event::cwd, {Source::hook, Source::transcript, Source::otel});
        pick(t_.user, &Event::user, {Source::otel, Source::hook, Source::transcript});
        pick(t_.host, &Event::host, {Source::hook, Source::otel, Source::transcript});
        pick(t_.git_branch, &Event::git_branch, all);
        pick(t_.app_version, &Event::app_version, all);
        for (const Event* e : order_) {
            if (t_.first_ts == 0 || e->ts < t_.first_ts) t_.first_ts = e->ts;
            t_.last_ts = std::max(t_.last_ts, e->ts);
            t_.sources |= source_bit(e->source);
            t_.linking.events++;
            if (const int i = source_index(e->source); i >= 0) t_.linking.events_by_source[i]++;
        }
    }

    // --- model calls -------------------------------------------------------
    void model_calls() {
        struct Reports {
            const Event* otel = nullptr;
            const Event* transcript = nullptr;
            int otel_copies = 0;
            int transcript_copies = 0;
        };
        std::map<std::string, Reports> by_key;  // ordered: deterministic
        std::unordered_map<std::string, std::string> key_of_message;
        // Transcript first, so an OTEL report finds the transcript's key by request id.
        for (const Event* e : order_) {
            if (e->kind != EventKind::api_request || e->source != Source::transcript) continue;
            std::string key = !e->request_id.empty() ? e->request_id : "msg:" + e->message_id;
            Reports& r = by_key[key];
            if (r.transcript == nullptr) r.transcript = e;
            r.transcript_copies++;
            if (!e->message_id.empty()) key_of_message.emplace(e->message_id, key);
        }
        for (const Event* e : order_) {
            if (e->kind != EventKind::api_request || e->source != Source::otel) continue;
            if (skip_span_copy(*e)) continue;
            std::string key = !e->request_id.empty() ? e->request_id : "otel:" + e->event_id.hex();
            Reports& r = by_key[key];
            if (r.otel == nullptr) r.otel = e;
            r.otel_copies++;
        }
        for (auto& [key, r] : by_key) {
            ModelCall c;
            c.key = key;
            const Event* o = r.otel;
            const Event* tr = r.transcript;
            // One layer reporting a call twice (never two layers reporting it once each).
            t_.linking.duplicate_call_reports +=
                std::max(r.otel_copies - 1, 0) + std::max(r.transcript_copies - 1, 0);
            if (o != nullptr) {
                c.sources |= kSourceOtel;
                c.ts = o->ts;
                c.request_id = o->request_id;
                c.prompt_id = o->prompt_id;
                c.agent_id = o->agent_id;
                c.model = o->model;
                c.tokens = o->token_counts();
                c.tokens_from_otel = true;
                c.duration_ms = o->duration_ms;
                if (o->cost_usd && o->cost_source == CostSource::reported) {
                    c.reported_cost_usd = o->cost_usd;
                }
                c.query_source = plain_string_attr(o->attrs, R"("query_source":")");
            }
            bool us_geo = false;
            int64_t web_search = 0;
            if (tr != nullptr) {
                c.sources |= kSourceTranscript;
                c.message_id = tr->message_id;
                if (c.request_id.empty()) c.request_id = tr->request_id;
                // The transcript file says which subagent a call belongs to.
                if (!tr->agent_id.empty()) c.agent_id = tr->agent_id;
                if (o == nullptr) {
                    c.ts = tr->ts;
                    c.model = tr->model;
                    c.tokens = tr->token_counts();
                } else {
                    split_cache_writes(c.tokens, tr->token_counts());
                }
                if (tr->attrs.size() > 2) {
                    const Attrs a(tr->attrs);
                    us_geo = a.text("inference_geo") == "us";
                    web_search = a.integer("web_search_requests");
                }
            }
            CallUsage usage{c.tokens, web_search, us_geo};
            if (auto units = pricing_.cost_units(c.model, usage)) {
                c.computed_cost_usd = cost_units_to_usd(*units);
            }
            t_.model_calls.push_back(std::move(c));
        }
        std::stable_sort(t_.model_calls.begin(), t_.model_calls.end(),
                         [](const ModelCall& a, const ModelCall& b) { return a.ts < b.ts; });
        for (size_t i = 0; i < t_.model_calls.size(); ++i) {
            const ModelCall& c = t_.model_calls[i];
            if (!c.request_id.empty()) call_by_request_.emplace(c.request_id, i);
            if (!c.message_id.empty()) call_by_message_.emplace(c.message_id, i);
            call_by_request_.emplace(c.key, i);
        }
    }

    // OTEL has no 5m/1h split of cache writes (before it sends one); the transcript
    // has it. Keep OTEL's total and take the 1-hour share from the transcript.
    static void split_cache_writes(TokenCounts& final_counts, const TokenCounts& transcript) {
        const int64_t total = final_counts.cache_write_5m + final_counts.cache_write_1h;
        if (final_counts.cache_write_1h != 0 || transcript.cache_write_1h == 0) return;
        final_counts.cache_write_1h = std::min(transcript.cache_write_1h, total);
        final_counts.cache_write_5m = total - final_counts.cache_write_1h;
    }

    // --- prompts -----------------------------------------------------------
    void prompts() {
        std::unordered_map<std::string, size_t> by_id;
        auto prompt_for = [&](const std::string& id, TimestampUs ts) -> size_t {
            auto [it, inserted] = by_id.emplace(id, t_.prompts.size());
            if (inserted) {
                Prompt p;
                p.prompt_id = id;
                p.ts = ts;
                t_.prompts.push_back(std::move(p));
            }
            Prompt& p = t_.prompts[it->second];
            p.ts = std::min(p.ts, ts);
            return it->second;
        };
        std::vector<const Event*> unkeyed;
        for (const Event* e : order_) {
            if (e->kind != EventKind::user_prompt) continue;
            if (e->prompt_id.empty()) {
                unkeyed.push_back(e);
                continue;
            }
            const size_t i = prompt_for(e->prompt_id, e->ts);
            Prompt& p = t_.prompts[i];
            p.sources |= source_bit(e->source);
            if (p.text.empty() && e->tier >= 2) p.text = prompt_text(*e);
        }
        // Every prompt id any layer mentions is a prompt, even if its own event is missing.
        for (const Event* e : order_) {
            if (!e->prompt_id.empty()) prompt_for(e->prompt_id, e->ts);
        }
        // Without ids (older builds): one prompt per report, merged with another
        // layer's report close in time.
        for (const Event* e : unkeyed) {
            size_t match = kNone;
            for (size_t i = 0; i < t_.prompts.size(); ++i) {
                const Prompt& p = t_.prompts[i];
                const TimestampUs gap = p.ts > e->ts ? p.ts - e->ts : e->ts - p.ts;
                if ((p.sources & source_bit(e->source)) == 0 && gap <= kUnkeyedPromptWindowUs) {
                    match = i;
                    break;
                }
            }
            if (match == kNone) {
                Prompt p;
                p.ts = e->ts;
                t_.prompts.push_back(std::move(p));
                match = t_.prompts.size() - 1;
            }
            Prompt& p = t_.prompts[match];
            p.sources |= source_bit(e->source);
            p.ts = std::min(p.ts, e->ts);
            if (p.text.empty() && e->tier >= 2) p.text = prompt_text(*e);
        }
        std::vector<size_t> order(t_.prompts.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(),
                         [&](size_t a, size_t b) { return t_.prompts[a].ts < t_.prompts[b].ts; });
        std::vector<Prompt> sorted;
        sorted.reserve(order.size());
        for (size_t i : order) sorted.push_back(std::move(t_.prompts[i]));
        t_.prompts = std::move(sorted);
        for (size_t i = 0; i < t_.prompts.size(); ++i) {
            if (!t_.prompts[i].prompt_id.empty()) prompt_by_id_[t_.prompts[i].prompt_id] = i;
        }
    }

    static std::string prompt_text(const Event& e) {
        const Attrs a(e.attrs);
        for (const char* key : {"prompt", "prompt_text", "text"}) {
            if (std::string v = a.text(key); !v.empty()) return v;
        }
        return {};
    }

    // --- tool calls --------------------------------------------------------
    void tool_calls() {
        std::unordered_map<std::string, size_t> by_id;
        std::vector<std::string> call_request;  // per tool: the request id a layer named
        std::vector<std::string> call_message;
        for (const Event* e : order_) {
            const bool tool_event = e->kind == EventKind::tool_start ||
                                    e->kind == EventKind::tool_end ||
                                    e->kind == EventKind::tool_error ||
                                    (e->kind == EventKind::permission && !e->tool_use_id.empty());
            if (!tool_event || skip_span_copy(*e)) continue;
            const std::string key =
                e->tool_use_id.empty() ? "event:" + e->event_id.hex() : e->tool_use_id;
            auto [it, inserted] = by_id.emplace(key, t_.tool_calls.size());
            if (inserted) {
                ToolCall tc;
                tc.tool_use_id = e->tool_use_id;
                t_.tool_calls.push_back(std::move(tc));
                call_request.emplace_back();
                call_message.emplace_back();
            }
            const size_t i = it->second;
            ToolCall& tc = t_.tool_calls[i];
            tc.sources |= source_bit(e->source);
            if (tc.tool_name.empty()) tc.tool_name = e->tool_name;
            if (tc.agent_id.empty()) tc.agent_id = e->agent_id;
            if (tc.prompt_id.empty()) tc.prompt_id = e->prompt_id;
            if (call_request[i].empty() && !e->request_id.empty()) {
                // OTEL names the request that asked for the tool; a transcript
                // tool_use line names its own response.
                call_request[i] = e->request_id;
            }
            if (call_message[i].empty() && !e->message_id.empty()) call_message[i] = e->message_id;
            switch (e->kind) {
                case EventKind::tool_start:
                    if (tc.start_ts == 0 || e->ts < tc.start_ts) tc.start_ts = e->ts;
                    break;
                case EventKind::tool_end:
                case EventKind::tool_error: {
                    if (tc.end_ts == 0 || e->ts < tc.end_ts) tc.end_ts = e->ts;
                    const bool failed = e->kind == EventKind::tool_error ||
                                        (e->success.has_value() && !*e->success);
                    if (failed) {
                        tc.result = ToolResult::error;
                        if (tc.error.empty()) tc.error = e->error;
                    } else if (tc.result == ToolResult::pending ||
                               tc.result == ToolResult::denied) {
                        tc.result = ToolResult::ok;
                    }
                    // Claude Code's own measure beats a difference of arrival times.
                    if (e->duration_ms && (!tc.duration_ms || e->source == Source::otel)) {
                        tc.duration_ms = e->duration_ms;
                    }
                    if (e->source == Source::transcript && e->attrs.size() > 2) {
                        if (std::string spawned = Attrs(e->attrs).text("spawned_agent_id");
                            !spawned.empty()) {
                            tc.spawned_agent_id = std::move(spawned);
                        }
                    }
                    break;
                }
                case EventKind::permission: {
                    const Attrs a(e->attrs);
                    // A PermissionDenied hook names the tool call it refused.
                    std::string decision = permission_decision(*e, a);
                    if (!decision.empty()) {
                        tc.permission = std::move(decision);
                        tc.permission_source = a.text("source");
                        tc.decided_ts = std::max(tc.decided_ts, e->ts);
                    }
                    break;
                }
                default:
                    break;
            }
        }
        for (size_t i = 0; i < t_.tool_calls.size(); ++i) {
            ToolCall& tc = t_.tool_calls[i];
            if (tc.result == ToolResult::pending && is_denial(tc.permission)) {
                tc.result = ToolResult::denied;
            }
            if (!tc.duration_ms && tc.start_ts != 0 && tc.end_ts >= tc.start_ts) {
                tc.duration_ms = (tc.end_ts - tc.start_ts) / 1000;
            }
            tc.model_call = find_call(call_request[i], call_message[i]);
        }
        std::vector<size_t> order(t_.tool_calls.size());
        for (size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
            return tool_time(t_.tool_calls[a]) < tool_time(t_.tool_calls[b]);
        });
        std::vector<ToolCall> sorted;
        sorted.reserve(order.size());
        for (size_t i : order) sorted.push_back(std::move(t_.tool_calls[i]));
        t_.tool_calls = std::move(sorted);
        for (size_t i = 0; i < t_.tool_calls.size(); ++i) {
            if (!t_.tool_calls[i].tool_use_id.empty()) {
                tool_by_id_[t_.tool_calls[i].tool_use_id] = i;
            }
        }
    }

    static TimestampUs tool_time(const ToolCall& tc) {
        return tc.start_ts != 0 ? tc.start_ts : tc.end_ts;
    }

    size_t find_call(const std::string& request_id, const std::string& message_id) const {
        if (!request_id.empty()) {
            if (auto it = call_by_request_.find(request_id); it != call_by_request_.end()) {
                return it->second;
            }
        }
        if (!message_id.empty()) {
            if (auto it = call_by_message_.find(message_id); it != call_by_message_.end()) {
                return it->second;
            }
        }
        return kNone;
    }

    // --- subagents ---------------------------------------------------------
    void subagents() {
        std::map<std::string, Subagent> agents;  // ordered: deterministic
        for (const Event* e : order_) {
            if (e->agent_id.empty()) continue;
            Subagent& a = agents[e->agent_id];
            a.agent_id = e->agent_id;
            a.sources |= source_bit(e->source);
            if (e->kind == EventKind::subagent_start) {
                if (a.start_ts == 0 || e->ts < a.start_ts) a.start_ts = e->ts;
                if (a.spawned_by_tool_use_id.empty()) a.spawned_by_tool_use_id = e->tool_use_id;
            } else if (e->kind == EventKind::subagent_stop) {
                a.end_ts = std::max(a.end_ts, e->ts);
                if (e->duration_ms && e->source == Source::otel) a.duration_ms = e->duration_ms;
            }
            if (a.agent_type.empty() &&
                (e->kind == EventKind::subagent_start || e->kind == EventKind::subagent_stop)) {
                a.agent_type = Attrs(e->attrs).text("agent_type");
            }
        }
        // First and last sight of each agent, when start/stop events are missing.
        for (const Event* e : order_) {
            if (e->agent_id.empty()) continue;
            Subagent& a = agents[e->agent_id];
            if (a.start_ts == 0) a.start_ts = e->ts;
            if (e->ts < a.start_ts && e->kind != EventKind::subagent_stop) a.start_ts = e->ts;
            a.end_ts = std::max(a.end_ts, e->ts);
        }
        for (auto& [id, a] : agents) {
            if (!a.duration_ms && a.end_ts >= a.start_ts) {
                a.duration_ms = (a.end_ts - a.start_ts) / 1000;
            }
            t_.subagents.push_back(std::move(a));
        }
        std::stable_sort(
            t_.subagents.begin(), t_.subagents.end(),
            [](const Subagent& a, const Subagent& b) { return a.start_ts < b.start_ts; });
        std::unordered_map<std::string, size_t> by_id;
        for (size_t i = 0; i < t_.subagents.size(); ++i) by_id[t_.subagents[i].agent_id] = i;

        // The spawning tool call: named by the transcript (meta.json toolUseId or the
        // Agent tool's result), else the closest unclaimed Agent/Task call before it.
        std::vector<bool> claimed(t_.tool_calls.size(), false);
        for (size_t ti = 0; ti < t_.tool_calls.size(); ++ti) {
            const ToolCall& tc = t_.tool_calls[ti];
            if (tc.spawned_agent_id.empty()) continue;
            if (auto it = by_id.find(tc.spawned_agent_id); it != by_id.end()) {
                Subagent& a = t_.subagents[it->second];
                if (a.spawning_tool_call == kNone) {
                    a.spawning_tool_call = ti;
                    claimed[ti] = true;
                }
            }
        }
        for (Subagent& a : t_.subagents) {
            if (a.spawning_tool_call != kNone || a.spawned_by_tool_use_id.empty()) continue;
            if (auto it = tool_by_id_.find(a.spawned_by_tool_use_id); it != tool_by_id_.end()) {
                a.spawning_tool_call = it->second;
                claimed[it->second] = true;
            }
        }
        for (Subagent& a : t_.subagents) {
            if (a.spawning_tool_call != kNone) continue;
            size_t best = kNone;
            for (size_t ti = 0; ti < t_.tool_calls.size(); ++ti) {
                const ToolCall& tc = t_.tool_calls[ti];
                if (claimed[ti] || !is_spawn_tool(tc.tool_name) || tc.agent_id == a.agent_id) {
                    continue;
                }
                const TimestampUs at = tool_time(tc);
                if (at != 0 && at <= a.start_ts) best = ti;  // sorted: the last one wins
            }
            if (best != kNone) {
                a.spawning_tool_call = best;
                claimed[best] = true;
            }
        }
        for (Subagent& a : t_.subagents) {
            if (a.spawning_tool_call == kNone) continue;
            ToolCall& tc = t_.tool_calls[a.spawning_tool_call];
            a.spawned_by_tool_use_id = tc.tool_use_id;
            if (tc.spawned_agent_id.empty()) tc.spawned_agent_id = a.agent_id;
            a.parent_agent_id = tc.agent_id;
            if (!a.parent_agent_id.empty() && a.parent_agent_id != a.agent_id) {
                if (auto it = by_id.find(a.parent_agent_id); it != by_id.end())
                    a.parent = it->second;
            }
        }
        // A cycle (bad data) must not make the tree infinite: cut it at the first repeat.
        for (size_t i = 0; i < t_.subagents.size(); ++i) {
            std::unordered_set<size_t> seen{i};
            for (size_t p = t_.subagents[i].parent; p != kNone; p = t_.subagents[p].parent) {
                if (!seen.insert(p).second) {
                    t_.subagents[i].parent = kNone;
                    t_.subagents[i].parent_agent_id.clear();
                    break;
                }
            }
        }
        for (size_t i = 0; i < t_.subagents.size(); ++i) {
            if (t_.subagents[i].parent != kNone) {
                t_.subagents[t_.subagents[i].parent].children.push_back(i);
            }
        }
        agent_index_ = std::move(by_id);
    }

    // --- markers -----------------------------------------------------------
    void markers() {
        // A kind several layers report (compactions, API errors) is counted from the
        // layer that saw the most of them, never summed across layers.
        std::map<MarkerKind, std::array<std::vector<Marker>, 3>> shared;
        for (const Event* e : order_) {
            if (skip_span_copy(*e)) continue;
            std::optional<MarkerKind> kind;
            switch (e->kind) {
                case EventKind::session_start:
                    if (e->source != Source::transcript) kind = MarkerKind::session_start;
                    break;
                case EventKind::session_end:
                    kind = MarkerKind::session_end;
                    break;
                case EventKind::compact:
                    kind = MarkerKind::compaction;
                    break;
                case EventKind::permission:
                    if (e->tool_use_id.empty()) kind = MarkerKind::permission;
                    break;
                case EventKind::notification:
                    kind = MarkerKind::notification;
                    break;
                case EventKind::api_error:
                    kind = MarkerKind::api_error;
                    break;
                case EventKind::turn_end:
                    kind = MarkerKind::turn_end;
                    break;
                default:
                    break;
            }
            if (!kind) continue;
            // PreCompact and PostCompact are one compaction.
            if (*kind == MarkerKind::compaction && e->source == Source::hook &&
                e->attrs.find("PostCompact") != std::string::npos) {
                continue;
            }
            Marker m;
            m.kind = *kind;
            m.ts = e->ts;
            m.agent_id = e->agent_id;
            m.prompt_id = e->prompt_id;
            m.duration_ms = e->duration_ms;
            m.source = source_bit(e->source);
            if (*kind == MarkerKind::permission) {
                const std::string decision = permission_decision(*e, Attrs(e->attrs));
                m.detail = decision.empty() ? e->tool_name : decision + " " + e->tool_name;
                m.denial = is_denial(decision);
            } else {
                m.detail = marker_detail(*e, *kind);
            }
            const int si = source_index(e->source);
            if (si >= 0) shared[*kind][static_cast<size_t>(si)].push_back(std::move(m));
        }
        for (auto& [kind, per_source] : shared) {
            // Most reports wins; ties prefer OTEL, then hooks, then the transcript.
            size_t best = 1;
            for (size_t s : {size_t{0}, size_t{2}}) {
                if (per_source[s].size() > per_source[best].size()) best = s;
            }
            for (Marker& m : per_source[best]) t_.markers.push_back(std::move(m));
        }
        for (const Marker& m : t_.markers) {
            if (m.kind == MarkerKind::compaction) t_.compactions++;
            if (m.kind == MarkerKind::api_error) t_.api_errors++;
            if (m.denial) t_.permission_denials++;
        }
        for (const Subagent& a : t_.subagents) {
            Marker start;
            start.kind = MarkerKind::subagent_start;
            start.ts = a.start_ts;
            start.agent_id = a.agent_id;
            start.detail = a.agent_type;
            start.source = a.sources;
            t_.markers.push_back(start);
        }
        std::stable_sort(t_.markers.begin(), t_.markers.end(),
                         [](const Marker& a, const Marker& b) { return a.ts < b.ts; });
    }

    // OTEL tool_decision says it; a PermissionDenied hook (which carries no decision
    // field) is a refusal by its name.
    static std::string permission_decision(const Event& e, const Attrs& a) {
        std::string decision = a.text("decision");
        if (decision.empty() && e.source == Source::hook &&
            a.text("hook_event_name") == "PermissionDenied") {
            decision = "denied";
        }
        return decision;
    }

    static std::string marker_detail(const Event& e, MarkerKind kind) {
        const Attrs a(e.attrs);
        switch (kind) {
            case MarkerKind::compaction: {
                std::string trigger = a.text("trigger");
                return trigger.empty() ? a.text("compaction_trigger") : trigger;
            }
            case MarkerKind::api_error:
                return !e.error.empty() ? e.error : a.text("status");
            case MarkerKind::session_start:
            case MarkerKind::session_end:
                return a.text(kind == MarkerKind::session_start ? "source" : "reason");
            case MarkerKind::notification:
                return a.text("notification_type");
            default:
                return {};
        }
    }

    // --- links -------------------------------------------------------------
    // The prompt a subagent works for: its spawning tool's, up the tree.
    size_t prompt_of_agent(const std::string& agent_id, TimestampUs ts, int depth = 0) {
        if (agent_id.empty() || depth > 64) return last_prompt_before(ts);
        auto it = agent_index_.find(agent_id);
        if (it == agent_index_.end()) return last_prompt_before(ts);
        const Subagent& a = t_.subagents[it->second];
        if (a.spawning_tool_call != kNone) {
            const ToolCall& tc = t_.tool_calls[a.spawning_tool_call];
            if (tc.prompt != kNone) return tc.prompt;
            if (auto p = prompt_by_id_.find(tc.prompt_id); p != prompt_by_id_.end()) {
                return p->second;
            }
            return prompt_of_agent(tc.agent_id, tool_time(tc), depth + 1);
        }
        return last_prompt_before(a.start_ts);
    }

    size_t last_prompt_before(TimestampUs ts) const {
        size_t best = kNone;
        for (size_t i = 0; i < t_.prompts.size() && t_.prompts[i].ts <= ts; ++i) best = i;
        return best;
    }

    // The last call of the same agent that completed before `ts`.
    size_t last_call_before(const std::string& agent_id, TimestampUs ts) const {
        size_t best = kNone;
        for (size_t i = 0; i < t_.model_calls.size(); ++i) {
            const ModelCall& c = t_.model_calls[i];
            if (c.ts > ts) break;
            if (c.agent_id == agent_id) best = i;
        }
        return best;
    }

    void link() {
        for (ModelCall& c : t_.model_calls) {
            if (auto p = prompt_by_id_.find(c.prompt_id);
                !c.prompt_id.empty() && p != prompt_by_id_.end()) {
                c.prompt = p->second;
            }
        }
        for (ToolCall& tc : t_.tool_calls) {
            if (tc.model_call == kNone)
                tc.model_call = last_call_before(tc.agent_id, tool_time(tc));
            if (auto p = prompt_by_id_.find(tc.prompt_id);
                !tc.prompt_id.empty() && p != prompt_by_id_.end()) {
                tc.prompt = p->second;
            } else if (tc.model_call != kNone && t_.model_calls[tc.model_call].prompt != kNone) {
                tc.prompt = t_.model_calls[tc.model_call].prompt;
            }
        }
        // Calls and tools no layer tied to a prompt: by agent and time.
        for (ModelCall& c : t_.model_calls) {
            if (c.prompt == kNone) c.prompt = prompt_of_agent(c.agent_id, c.ts);
        }
        for (ToolCall& tc : t_.tool_calls) {
            if (tc.prompt == kNone) tc.prompt = prompt_of_agent(tc.agent_id, tool_time(tc));
        }
        for (size_t i = 0; i < t_.model_calls.size(); ++i) {
            const ModelCall& c = t_.model_calls[i];
            if (c.prompt != kNone) t_.prompts[c.prompt].model_calls.push_back(i);
        }
        for (size_t i = 0; i < t_.tool_calls.size(); ++i) {
            const ToolCall& tc = t_.tool_calls[i];
            if (tc.model_call != kNone) t_.model_calls[tc.model_call].tool_calls.push_back(i);
            if (tc.prompt != kNone) t_.prompts[tc.prompt].tool_calls.push_back(i);
        }
    }

    // --- totals ------------------------------------------------------------
    static CostTotals call_totals(const ModelCall& c) {
        CostTotals t;
        t.calls = 1;
        t.tokens = c.tokens;
        if (c.reported_cost_usd) {
            t.reported_cost_usd = *c.reported_cost_usd;
            t.reported_calls = 1;
        }
        if (c.computed_cost_usd) {
            t.computed_cost_usd = *c.computed_cost_usd;
            t.computed_calls = 1;
        }
        if (c.reported_cost_usd && c.computed_cost_usd) {
            t.compared_reported_usd = *c.reported_cost_usd;
            t.compared_computed_usd = *c.computed_cost_usd;
        }
        if (auto cost = c.cost_usd()) {
            t.cost_usd = *cost;
        } else {
            t.unpriced_calls = 1;
        }
        return t;
    }

    void totals() {
        std::map<std::string, CostTotals> by_model;
        for (const ModelCall& c : t_.model_calls) {
            const CostTotals ct = call_totals(c);
            t_.totals.add(ct);
            by_model[c.model].add(ct);
            if (c.prompt != kNone) t_.prompts[c.prompt].totals.add(ct);
            auto agent = agent_index_.find(c.agent_id);
            if (c.agent_id.empty() || agent == agent_index_.end()) {
                t_.main_thread.add(ct);
            } else {
                t_.subagents[agent->second].own.add(ct);
            }
        }
        for (const auto& [model, ct] : by_model) t_.by_model.emplace_back(model, ct);
        std::stable_sort(t_.by_model.begin(), t_.by_model.end(), [](const auto& a, const auto& b) {
            if (a.second.cost_usd != b.second.cost_usd)
                return a.second.cost_usd > b.second.cost_usd;
            return a.second.calls > b.second.calls;
        });
        for (size_t i = 0; i < t_.subagents.size(); ++i) rollup(i, 0);
        for (const ToolCall& tc : t_.tool_calls) {
            if (tc.result == ToolResult::error) t_.tool_errors++;
            if (tc.result == ToolResult::denied) t_.permission_denials++;
            if (auto agent = agent_index_.find(tc.agent_id);
                !tc.agent_id.empty() && agent != agent_index_.end()) {
                Subagent& a = t_.subagents[agent->second];
                a.tool_calls++;
                if (tc.result == ToolResult::error) a.tool_errors++;
            }
        }
        for (Prompt& p : t_.prompts) {
            p.end_ts = p.ts;
            for (size_t i : p.model_calls) p.end_ts = std::max(p.end_ts, t_.model_calls[i].ts);
            for (size_t i : p.tool_calls) {
                p.end_ts = std::max(p.end_ts,
                                    std::max(t_.tool_calls[i].end_ts, t_.tool_calls[i].start_ts));
            }
        }
        LinkingStats& l = t_.linking;
        l.tool_calls = static_cast<int64_t>(t_.tool_calls.size());
        for (const ToolCall& tc : t_.tool_calls) {
            if (tc.prompt != kNone) l.tools_linked_to_prompt++;
            if (tc.model_call != kNone) l.tools_linked_to_call++;
        }
        l.model_calls = static_cast<int64_t>(t_.model_calls.size());
        for (const ModelCall& c : t_.model_calls) {
            if ((c.sources & kSourceOtel) != 0) l.calls_seen_by_otel++;
            if ((c.sources & kSourceTranscript) != 0) l.calls_seen_by_transcript++;
            if ((c.sources & (kSourceOtel | kSourceTranscript)) ==
                (kSourceOtel | kSourceTranscript)) {
                l.calls_seen_by_both++;
            }
            if (c.prompt != kNone) l.calls_linked_to_prompt++;
        }
        l.subagents = static_cast<int64_t>(t_.subagents.size());
        for (const Subagent& a : t_.subagents) {
            if (a.spawning_tool_call != kNone) l.subagents_linked_to_tool++;
        }
        l.cost_difference_usd = t_.totals.compared_computed_usd - t_.totals.compared_reported_usd;
        l.cost_difference_ratio = t_.totals.compared_reported_usd > 0
                                      ? l.cost_difference_usd / t_.totals.compared_reported_usd
                                      : 0;
    }

    // own + children, computed once per subagent (memoised in rolled_).
    const CostTotals& rollup(size_t i, int depth) {
        Subagent& a = t_.subagents[i];
        if (rolled_.count(i) != 0 || depth > 64) return a.with_children;
        rolled_.insert(i);
        CostTotals sum = a.own;
        for (size_t child : a.children) sum.add(rollup(child, depth + 1));
        t_.subagents[i].with_children = sum;
        return t_.subagents[i].with_children;
    }

    const PricingTable& pricing_;
    std::vector<const Event*> order_;
    bool otel_log_calls_ = false;
    bool otel_log_tools_ = false;
    SessionTimeline t_;
    std::unordered_map<std::string, size_t> call_by_request_;
    std::unordered_map<std::string, size_t> call_by_message_;
    std::unordered_map<std::string, size_t> prompt_by_id_;
    std::unordered_map<std::string, size_t> tool_by_id_;
    std::unordered_map<std::string, size_t> agent_index_;
    std::unordered_set<size_t> rolled_;
};

}  // namespace

void CostTotals::add(const CostTotals& o) {
    calls += o.calls;
    tokens.add(o.tokens);
    cost_usd += o.cost_usd;
    reported_cost_usd += o.reported_cost_usd;
    computed_cost_usd += o.computed_cost_usd;
    reported_calls += o.reported_calls;
    computed_calls += o.computed_calls;
    unpriced_calls += o.unpriced_calls;
    compared_reported_usd += o.compared_reported_usd;
    compared_computed_usd += o.compared_computed_usd;
}

SessionTimeline fuse_session(std::span<const Event> events, const PricingTable& pricing) {
    return Fuser(events, pricing).run();
}

Result<std::optional<SessionTimeline>> fuse_stored_session(EventReader& reader,
                                                           std::string_view session_id,
                                                           const PricingTable& pricing) {
    std::vector<Event> events;
    if (auto read = reader.scan_session_events(session_id,
                                               [&](Event&& e) { events.push_back(std::move(e)); });
        !read) {
        return read.error();
    }
    if (events.empty()) return std::optional<SessionTimeline>();
    return std::optional<SessionTimeline>(fuse_session(events, pricing));
}

}  // namespace agent_trace
