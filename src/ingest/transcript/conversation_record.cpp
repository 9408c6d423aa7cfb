#include "ingest/transcript/conversation_record.hpp"

#include <array>
#include <string_view>

#include "ingest/transcript/json_skim.hpp"
#include "pipeline/privacy/hook_reduction.hpp"
#include "pipeline/privacy/utf8.hpp"

namespace agent_trace::transcript {
namespace {

// Error text longer than this is not looked at further: the class is in its head.
constexpr size_t kErrorHead = 4096;
// A status kept as text only when it is a short token ("529", "overloaded").
constexpr size_t kMaxStatusText = 32;

// Text Claude Code writes into user lines itself: never a prompt, even with a promptId.
constexpr std::array<std::string_view, 5> kClaudeMarkers = {
    "[Request interrupted by user", "<local-command-stdout>", "<local-command-stderr>",
    "<bash-stdout>", "<bash-stderr>"};

bool starts_with_marker(std::string_view raw_text) {
    for (const std::string_view marker : kClaudeMarkers) {
        if (raw_text.starts_with(marker)) return true;
    }
    return false;
}

// JsonSkim plus the reading rules of this decoder: a member of an unexpected
// type counts as absent (as the assistant decoder does), strings are decoded and
// must be UTF-8.
class MemberReader {
public:
    explicit MemberReader(JsonSkim& json) : json_(json) {}

    bool string(std::string& out) {
        if (json_.peek() != JsonKind::string) {
            out.clear();
            return json_.skip();
        }
        std::string_view raw;
        if (!json_.string_raw(raw)) return false;
        if (raw.find('\\') == std::string_view::npos) {
            out.assign(raw);
        } else if (!decode_json_string(raw, out)) {
            return problem("invalid escape in a string");
        }
        return privacy::is_valid_utf8(out) || problem("a string is not UTF-8");
    }

    // The raw text of a string member, or empty for another type.
    bool raw_string(std::string_view& out) {
        out = {};
        if (json_.peek() != JsonKind::string) return json_.skip();
        return json_.string_raw(out);
    }

    bool flag(bool& out) {
        if (json_.peek() != JsonKind::boolean) {
            out = false;
            return json_.skip();
        }
        return json_.boolean(out);
    }

    bool number(std::optional<int64_t>& out) {
        if (json_.peek() != JsonKind::number) {
            out.reset();
            return json_.skip();
        }
        int64_t v = 0;
        if (!json_.integer(v)) return false;
        out = v;
        return true;
    }

    bool problem(const char* why) {
        if (problem_ == nullptr) problem_ = why;
        return false;
    }

    [[nodiscard]] std::string_view why() const {
        return problem_ != nullptr ? std::string_view(problem_) : json_.error();
    }

private:
    JsonSkim& json_;
    const char* problem_ = nullptr;
};

void reset(ConversationRecord& r) {
    r.type = LineType::other;
    for (std::string* s :
         {&r.session_id, &r.agent_id, &r.uuid, &r.parent_uuid, &r.logical_parent_uuid, &r.prompt_id,
          &r.cwd, &r.git_branch, &r.version, &r.timestamp, &r.spawned_agent_id, &r.subtype,
          &r.compact_trigger, &r.status_text, &r.error_request_id}) {
        s->clear();
    }
    r.ts = 0;
    r.is_sidechain = r.is_meta = r.is_compact_summary = false;
    r.text_parts = 0;
    r.text_length = 0;
    r.made_by_claude = false;
    r.result_count = 0;
    r.duration_ms.reset();
    r.pre_tokens.reset();
    r.status_code.reset();
    r.retry_attempt.reset();
    r.max_retries.reset();
}

void add_text(ConversationRecord& r, std::string_view raw) {
    if (r.text_parts == 0) r.made_by_claude = starts_with_marker(raw);
    ++r.text_parts;
    r.text_length += decoded_length(raw);
}

// A tool result's content: a string, or blocks whose first text is the one
// looked at for an error's class.
bool read_result_content(JsonSkim& json, MemberReader& read, std::string_view& text) {
    if (json.peek() != JsonKind::array) return read.raw_string(text);
    if (!json.enter_array()) return false;
    while (json.next_element()) {
        if (json.peek() != JsonKind::object || !text.empty()) {
            if (!json.skip()) return false;
            continue;
        }
        if (!json.enter_object()) return false;
        std::string_view key;
        std::string_view type;
        std::string_view block_text;
        while (json.next_member(key)) {
            if (key == "type") {
                if (!read.raw_string(type)) return false;
            } else if (key == "text") {
                if (!read.raw_string(block_text)) return false;
            } else if (!json.skip()) {
                return false;
            }
        }
        if (!json.ok()) return false;
        if (type == "text") text = block_text;
    }
    return json.ok();
}

bool read_content_block(JsonSkim& json, MemberReader& read, ConversationRecord& r) {
    if (json.peek() != JsonKind::object) return json.skip();
    if (!json.enter_object()) return false;
    if (r.result_count == r.results.size()) r.results.emplace_back();
    ToolResultBlock& result = r.results[r.result_count];
    result.tool_use_id.clear();
    result.error_class.clear();
    result.is_error = false;
    std::string_view key;
    std::string_view type;
    std::string_view text;
    std::string_view result_text;
    while (json.next_member(key)) {
        bool read_ok = true;
        if (key == "type") {
            read_ok = read.raw_string(type);
        } else if (key == "tool_use_id") {
            read_ok = read.string(result.tool_use_id);
        } else if (key == "is_error") {
            read_ok = read.flag(result.is_error);
        } else if (key == "text") {
            read_ok = read.raw_string(text);
        } else if (key == "content") {
            read_ok = read_result_content(json, read, result_text);
        } else {
            read_ok = json.skip();
        }
        if (!read_ok) return false;
    }
    if (!json.ok()) return false;
    if (type == "tool_result") {
        if (result.is_error) {
            result.error_class =
                privacy::tool_error_class(result_text.substr(0, kErrorHead), false);
        }
        ++r.result_count;
    } else if (type == "text") {
        add_text(r, text);
    }
    return true;
}

bool read_message(JsonSkim& json, MemberReader& read, ConversationRecord& r) {
    if (json.peek() != JsonKind::object) return json.skip();
    if (!json.enter_object()) return false;
    std::string_view key;
    while (json.next_member(key)) {
        if (key != "content") {
            if (!json.skip()) return false;
            continue;
        }
        const JsonKind kind = json.peek();
        if (kind == JsonKind::string) {
            std::string_view raw;
            if (!json.string_raw(raw)) return false;
            add_text(r, raw);
        } else if (kind == JsonKind::array) {
            if (!json.enter_array()) return false;
            while (json.next_element()) {
                if (!read_content_block(json, read, r)) return false;
            }
            if (!json.ok()) return false;
        } else if (!json.skip()) {
            return false;
        }
    }
    return json.ok();
}

bool read_tool_use_result(JsonSkim& json, MemberReader& read, ConversationRecord& r) {
    if (json.peek() != JsonKind::object) return json.skip();
    if (!json.enter_object()) return false;
    std::string_view key;
    std::optional<int64_t> total;
    std::optional<int64_t> plain;
    while (json.next_member(key)) {
        bool read_ok = true;
        if (key == "agentId") {
            read_ok = read.string(r.spawned_agent_id);
        } else if (key == "totalDurationMs") {
            read_ok = read.number(total);
        } else if (key == "durationMs") {
            read_ok = read.number(plain);
        } else {
            read_ok = json.skip();
        }
        if (!read_ok) return false;
    }
    r.duration_ms = total ? total : plain;
    if (r.duration_ms && *r.duration_ms < 0) r.duration_ms.reset();
    return json.ok();
}

bool read_compact_metadata(JsonSkim& json, MemberReader& read, ConversationRecord& r) {
    if (json.peek() != JsonKind::object) return json.skip();
    if (!json.enter_object()) return false;
    std::string_view key;
    while (json.next_member(key)) {
        bool read_ok = true;
        if (key == "trigger") {
            read_ok = read.string(r.compact_trigger);
        } else if (key == "preTokens") {
            read_ok = read.number(r.pre_tokens);
        } else {
            read_ok = json.skip();
        }
        if (!read_ok) return false;
    }
    return json.ok();
}

bool read_api_error(JsonSkim& json, MemberReader& read, ConversationRecord& r) {
    if (json.peek() != JsonKind::object) return json.skip();
    if (!json.enter_object()) return false;
    std::string_view key;
    while (json.next_member(key)) {
        bool read_ok = true;
        if (key == "status") {
            if (json.peek() == JsonKind::string) {
                read_ok = read.string(r.status_text);
                if (r.status_text.size() > kMaxStatusText) r.status_text.clear();
            } else {
                read_ok = read.number(r.status_code);
            }
        } else if (key == "requestId") {
            read_ok = read.string(r.error_request_id);
        } else {
            read_ok = json.skip();
        }
        if (!read_ok) return false;
    }
    return json.ok();
}

LineType line_type(std::string_view raw) {
    if (raw == "user") return LineType::user;
    if (raw == "system") return LineType::system;
    if (raw == "assistant") return LineType::assistant;
    return LineType::other;
}

bool read_member(std::string_view key, JsonSkim& json, MemberReader& read, ConversationRecord& r) {
    // The most frequent keys of user and system lines first.
    if (key == "type") {
        std::string_view type;
        if (!read.raw_string(type)) return false;
        r.type = line_type(type);
        return true;
    }
    if (key == "message") return read_message(json, read, r);
    if (key == "toolUseResult") return read_tool_use_result(json, read, r);
    if (key == "uuid") return read.string(r.uuid);
    if (key == "parentUuid") return read.string(r.parent_uuid);
    if (key == "sessionId") return read.string(r.session_id);
    if (key == "timestamp") return read.string(r.timestamp);
    if (key == "promptId") return read.string(r.prompt_id);
    if (key == "isSidechain") return read.flag(r.is_sidechain);
    if (key == "agentId") return read.string(r.agent_id);
    if (key == "cwd") return read.string(r.cwd);
    if (key == "gitBranch") return read.string(r.git_branch);
    if (key == "version") return read.string(r.version);
    if (key == "isMeta") return read.flag(r.is_meta);
    if (key == "isCompactSummary") return read.flag(r.is_compact_summary);
    if (key == "subtype") return read.string(r.subtype);
    if (key == "logicalParentUuid") return read.string(r.logical_parent_uuid);
    if (key == "compactMetadata") return read_compact_metadata(json, read, r);
    if (key == "error") return read_api_error(json, read, r);
    if (key == "retryAttempt") return read.number(r.retry_attempt);
    if (key == "maxRetries") return read.number(r.max_retries);
    return json.skip();
}

ConversationResult malformed(std::string_view why) {
    return {ConversationOutcome::malformed, "invalid JSON: " + std::string(why)};
}

}  // namespace

ConversationResult decode_conversation_line(const char* line, size_t length,
                                            ConversationRecord& record) {
    reset(record);
    JsonSkim json(line, length);
    MemberReader read(json);
    if (!json.enter_object()) return malformed(read.why());
    std::string_view key;
    while (json.next_member(key)) {
        if (!read_member(key, json, read, record)) return malformed(read.why());
    }
    if (!json.ok() || !json.finish()) return malformed(read.why());
    switch (record.type) {
        case LineType::user:
        case LineType::system:
            break;
        case LineType::assistant:
            return {ConversationOutcome::assistant, {}};
        case LineType::other:
            return {ConversationOutcome::other, {}};
    }
    if (auto ts = parse_iso8601(record.timestamp)) record.ts = *ts;
    return {record.type == LineType::user ? ConversationOutcome::user : ConversationOutcome::system,
            {}};
}

bool is_user_prompt(const ConversationRecord& r) {
    return r.type == LineType::user && !r.is_sidechain && r.agent_id.empty() && !r.is_meta &&
           !r.is_compact_summary && r.result_count == 0 && r.text_parts > 0 && !r.made_by_claude;
}

}  // namespace agent_trace::transcript
