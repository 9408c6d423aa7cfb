#include "ingest/transcript/assistant_record.hpp"

#include <simdjson.h>

#include <climits>
#include <cstdint>

namespace agent_trace::transcript {
namespace {

// simdjson's DOM parser is used rather than on-demand: it is compiled into the
// shared library with runtime CPU dispatch (AVX2 where available), whereas the
// header-only on-demand API would be built for the baseline x86-64 target.
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// A non-negative token count; absent, null or non-numeric counts as 0.
int64_t count_of(element v) {
    switch (v.type()) {
        case element_type::INT64: {
            const int64_t n = v.get_int64().value_unsafe();
            return n < 0 ? 0 : n;
        }
        case element_type::UINT64: {
            const uint64_t n = v.get_uint64().value_unsafe();
            return n > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(n);
        }
        case element_type::DOUBLE: {
            const double d = v.get_double().value_unsafe();
            if (!(d > 0)) return 0;  // negative or NaN
            return d >= 9.2e18 ? INT64_MAX : static_cast<int64_t>(d);
        }
        default:
            return 0;
    }
}

void string_of(element v, std::string& out) {
    std::string_view s;
    if (v.get_string().get(s) == simdjson::SUCCESS) {
        out.assign(s);
    } else {
        out.clear();
    }
}

// The counts as the API writes them: tokens.cache_write_5m/1h hold the
// "cache_creation" breakdown as read, which decode_assistant_line reconciles
// with the total (cache_creation_input_tokens) once the whole line is read.
struct UsageFields {
    TokenCounts tokens;
    int64_t cache_creation = 0;
    bool has_breakdown = false;
    int64_t web_search = 0;
};

void read_usage(object usage, UsageFields& u, AssistantRecord& record) {
    for (auto [key, v] : usage) {
        if (key == "input_tokens") {
            u.tokens.input = count_of(v);
        } else if (key == "output_tokens") {
            u.tokens.output = count_of(v);
        } else if (key == "cache_creation_input_tokens") {
            u.cache_creation = count_of(v);
        } else if (key == "cache_read_input_tokens") {
            u.tokens.cache_read = count_of(v);
        } else if (key == "cache_creation") {
            object breakdown;
            if (v.get_object().get(breakdown) != simdjson::SUCCESS) continue;
            for (auto [part, pv] : breakdown) {
                if (part == "ephemeral_5m_input_tokens") {
                    u.tokens.cache_write_5m = count_of(pv);
                    u.has_breakdown = true;
                } else if (part == "ephemeral_1h_input_tokens") {
                    u.tokens.cache_write_1h = count_of(pv);
                    u.has_breakdown = true;
                }
            }
        } else if (key == "server_tool_use") {
            object tools;
            if (v.get_object().get(tools) != simdjson::SUCCESS) continue;
            element searches;
            if (tools["web_search_requests"].get(searches) == simdjson::SUCCESS) {
                u.web_search = count_of(searches);
            }
        } else if (key == "inference_geo") {
            string_of(v, record.inference_geo);
        } else if (key == "speed") {
            string_of(v, record.speed);
        }
    }
}

// The tool_use blocks of message.content; other blocks (text, thinking) are not looked into.
void read_tool_uses(element content, std::vector<ToolUseBlock>& tool_uses) {
    simdjson::dom::array blocks;
    if (content.get_array().get(blocks) != simdjson::SUCCESS) return;
    for (element block : blocks) {
        object fields;
        if (block.get_object().get(fields) != simdjson::SUCCESS) continue;
        std::string_view type;
        ToolUseBlock use;
        for (auto [key, v] : fields) {
            if (key == "type") {
                if (v.get_string().get(type) != simdjson::SUCCESS) type = {};
            } else if (key == "id") {
                if (v.get_string().get(use.id) != simdjson::SUCCESS) use.id = {};
            } else if (key == "name") {
                if (v.get_string().get(use.name) != simdjson::SUCCESS) use.name = {};
            }
        }
        if (type == "tool_use" && !use.id.empty()) tool_uses.push_back(use);
    }
}

void read_message(object message, AssistantRecord& record, UsageFields& usage,
                  std::vector<ToolUseBlock>* tool_uses) {
    for (auto [key, v] : message) {
        if (key == "content") {
            if (tool_uses != nullptr) read_tool_uses(v, *tool_uses);
        } else if (key == "id") {
            string_of(v, record.message_id);
        } else if (key == "model") {
            string_of(v, record.model);
        } else if (key == "usage") {
            object u;
            if (v.get_object().get(u) != simdjson::SUCCESS) continue;  // null usage
            record.has_usage = true;
            read_usage(u, usage, record);
        }
    }
}

void reset(AssistantRecord& r) {
    r.message_id.clear();
    r.request_id.clear();
    r.uuid.clear();
    r.parent_uuid.clear();
    r.session_id.clear();
    r.agent_id.clear();
    r.model.clear();
    r.cwd.clear();
    r.git_branch.clear();
    r.version.clear();
    r.inference_geo.clear();
    r.speed.clear();
    r.ts = 0;
    r.tokens = {};
    r.web_search_requests = 0;
    r.is_sidechain = false;
    r.has_usage = false;
}

LineResult malformed(std::string detail) { return {LineOutcome::malformed, std::move(detail)}; }

LineResult decode_line(simdjson::dom::parser& parser, const char* line, size_t length,
                       AssistantRecord& record, std::vector<ToolUseBlock>* tool_uses) {
    element root;
    if (auto error = parser.parse(line, length, false).get(root); error != simdjson::SUCCESS) {
        return malformed(std::string("invalid JSON: ") + simdjson::error_message(error));
    }
    object top;
    if (root.get_object().get(top) != simdjson::SUCCESS) return malformed("not a JSON object");
    std::string_view type;
    std::string timestamp;
    UsageFields usage;
    bool has_message = false;
    for (auto [key, v] : top) {
        if (key == "type") {
            if (v.get_string().get(type) != simdjson::SUCCESS) type = {};
        } else if (key == "message") {
            object message;
            if (v.get_object().get(message) == simdjson::SUCCESS) {
                has_message = true;
                read_message(message, record, usage, tool_uses);
            }
        } else if (key == "requestId") {
            string_of(v, record.request_id);
        } else if (key == "sessionId") {
            string_of(v, record.session_id);
        } else if (key == "timestamp") {
            string_of(v, timestamp);
        } else if (key == "uuid") {
            string_of(v, record.uuid);
        } else if (key == "parentUuid") {
            string_of(v, record.parent_uuid);
        } else if (key == "agentId") {
            string_of(v, record.agent_id);
        } else if (key == "cwd") {
            string_of(v, record.cwd);
        } else if (key == "gitBranch") {
            string_of(v, record.git_branch);
        } else if (key == "version") {
            string_of(v, record.version);
        } else if (key == "isSidechain") {
            bool sidechain = false;
            if (v.get_bool().get(sidechain) == simdjson::SUCCESS) record.is_sidechain = sidechain;
        }
    }
    if (type != "assistant") {
        return {LineOutcome::not_assistant, {}, type == "user" || type == "system"};
    }
    if (record.model == "<synthetic>") return {LineOutcome::synthetic, {}};
    if (!has_message || !record.has_usage) return {LineOutcome::not_assistant, {}};
    const auto ts = parse_iso8601(timestamp);
    if (!ts) return malformed("assistant line without a valid timestamp");
    record.ts = *ts;
    if (record.message_id.empty() && record.request_id.empty() && record.uuid.empty()) {
        return malformed("assistant line without message.id, requestId or uuid");
    }
    record.tokens = usage.tokens;
    record.web_search_requests = usage.web_search;
    // The breakdown splits cache_creation_input_tokens; without one (1.0.x) every
    // write is a 5-minute write.
    const int64_t one_hour = usage.has_breakdown ? usage.tokens.cache_write_1h : 0;
    const int64_t total_writes =
        usage.cache_creation > 0 ? usage.cache_creation : usage.tokens.cache_write_5m + one_hour;
    record.tokens.cache_write_1h = one_hour < total_writes ? one_hour : total_writes;
    record.tokens.cache_write_5m = total_writes - record.tokens.cache_write_1h;
    return {LineOutcome::assistant, {}};
}

}  // namespace

LineResult decode_assistant_line(simdjson::dom::parser& parser, const char* line, size_t length,
                                 size_t capacity, AssistantRecord& record,
                                 std::vector<ToolUseBlock>* tool_uses) {
    (void)capacity;  // the caller guarantees SIMDJSON_PADDING readable bytes after the line
    reset(record);
    if (tool_uses != nullptr) tool_uses->clear();
    LineResult result = decode_line(parser, line, length, record, tool_uses);
    if (tool_uses != nullptr && result.outcome != LineOutcome::assistant) tool_uses->clear();
    return result;
}

bool is_valid_json_object(simdjson::dom::parser& parser, const char* line, size_t length,
                          size_t capacity) {
    (void)capacity;
    element root;
    if (parser.parse(line, length, false).get(root) != simdjson::SUCCESS) return false;
    return root.is_object();
}

}  // namespace agent_trace::transcript
