#pragma once
// Fusion: one session's canonical events from any subset of the three layers,
// in any order, into one SessionTimeline. A pure function of the event set, so
// layers arriving late or in another order give the same answer.
//
// Joins: prompts on prompt_id; model calls on request_id (OTEL api_request =
// transcript requestId), else message_id; tool calls on tool_use_id; tool ->
// model call on the OTEL request_id of tool_result / tool_decision, else the
// transcript response that holds the tool_use block, else the last call of the
// same agent before the tool started; subagents on agent_id, their parent on
// the Agent/Task tool call that spawned them.
// Usage: OTEL's api_request wins (final counts and Claude Code's cost_usd); the
// transcript supplies the 5m/1h cache-write split and fills calls OTEL missed.
#include <optional>
#include <span>
#include <string_view>

#include "core/event.hpp"
#include "core/pricing.hpp"
#include "core/result.hpp"
#include "query/session_timeline.hpp"
#include "store/event_reader.hpp"
#include "store/fused_index.hpp"

namespace agent_trace {

// Bumped whenever fusion decides differently, so stored summaries are redone.
// 2: a tool call refused before it started is dated by its permission decision.
// 3: a PermissionDenied hook with a tool_use_id marks that tool call denied.
inline constexpr int kFusionVersion = 3;

SessionTimeline fuse_session(std::span<const Event> events, const PricingTable& pricing);

// The stored events of one session, fused; nullopt when the store holds none.
Result<std::optional<SessionTimeline>> fuse_stored_session(EventReader& reader,
                                                           std::string_view session_id,
                                                           const PricingTable& pricing);

// The fused index rows of a timeline.
FusedSession to_fused_rows(const SessionTimeline& timeline);

}  // namespace agent_trace
