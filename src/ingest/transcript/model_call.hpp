#pragma once
// One model call as the transcript shows it: several copies of a response
// (content-block lines, resumed-session copies, side-question replays) merged
// into one, then turned into a canonical api_request event.
#include <functional>
#include <string>
#include <string_view>

#include "core/event.hpp"
#include "ingest/transcript/assistant_record.hpp"
#include "ingest/transcript/discovery.hpp"

namespace agent_trace::transcript {

// The call's identity: message.id, else the request id, else the line uuid.
std::string identity_of(const AssistantRecord& record);

// Which copy decides attribution: the final streaming snapshot (largest
// output), then the main-thread copy over a sidechain replay, then the later
// line, then the smaller session id. Must agree with the store's upsert rule.
bool better_copy(const AssistantRecord& a, const AssistantRecord& b);

// Folds `candidate` into `kept`: every count keeps its largest value (copies can
// carry streaming placeholders); attribution follows the better copy. Copies
// from `candidate` rather than moving, so a reused scratch record keeps its buffers.
void merge_copy(AssistantRecord& kept, const AssistantRecord& candidate);

// The event for a merged call read from `file` (path hints fill in a missing
// session or agent id).
Event to_event(AssistantRecord&& record, const TranscriptFile& file, TimestampUs ingest_ts);

// Heterogeneous lookup by string_view in maps keyed by std::string.
struct TransparentHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace agent_trace::transcript
