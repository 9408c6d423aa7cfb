#include "ingest/transcript/model_call.hpp"

#include <algorithm>

#include "core/json_writer.hpp"

namespace agent_trace::transcript {

std::string identity_of(const AssistantRecord& r) {
    if (!r.message_id.empty()) return r.message_id;
    if (!r.request_id.empty()) return "request:" + r.request_id;
    return "line:" + r.uuid;
}

bool better_copy(const AssistantRecord& a, const AssistantRecord& b) {
    if (a.tokens.output != b.tokens.output) return a.tokens.output > b.tokens.output;
    if (a.is_sidechain != b.is_sidechain) return !a.is_sidechain;
    if (a.ts != b.ts) return a.ts > b.ts;
    return a.session_id < b.session_id;
}

void merge_copy(AssistantRecord& kept, const AssistantRecord& candidate) {
    TokenCounts tokens = kept.tokens;
    tokens.keep_max(candidate.tokens);
    const int64_t search = std::max(kept.web_search_requests, candidate.web_search_requests);
    if (better_copy(candidate, kept)) kept = candidate;
    kept.tokens = tokens;
    kept.web_search_requests = search;
}

Event to_event(AssistantRecord&& r, const TranscriptFile& file, TimestampUs ingest_ts) {
    Event e;
    e.event_id = hash_event_id({"transcript", "api_request", identity_of(r)});
    e.source = Source::transcript;
    e.kind = EventKind::api_request;
    e.ts = r.ts;
    e.ingest_ts = ingest_ts;
    e.session_id = r.session_id.empty() ? file.session_hint : r.session_id;
    e.agent_id = r.agent_id.empty() ? file.agent_hint : r.agent_id;
    e.message_id = std::move(r.message_id);
    e.request_id = std::move(r.request_id);
    e.parent_uuid = std::move(r.parent_uuid);
    e.project = file.project;
    e.cwd = std::move(r.cwd);
    e.git_branch = std::move(r.git_branch);
    e.app_version = std::move(r.version);
    e.model = std::move(r.model);
    e.set_token_counts(r.tokens);
    e.is_sidechain = r.is_sidechain || !e.agent_id.empty();
    e.tier = 1;
    // attrs stays "{}" for nearly every call: only unusual billing inputs go there.
    const bool fast = !r.speed.empty() && r.speed != "standard";
    if (r.web_search_requests > 0 || !r.inference_geo.empty() || fast) {
        JsonWriter w;
        w.begin_object();
        if (r.web_search_requests > 0) w.key("web_search_requests").value(r.web_search_requests);
        if (!r.inference_geo.empty()) w.key("inference_geo").value(r.inference_geo);
        if (fast) w.key("speed").value(r.speed);
        w.end_object();
        e.attrs = w.take();
    }
    return e;
}

}  // namespace agent_trace::transcript
