#include "ingest/hooks/hook_events.hpp"

#include <array>

namespace agent_trace::hooks {
namespace {

// WorktreeCreate/WorktreeRemove are not registered: a command hook there takes
// over worktree creation instead of observing it.
constexpr std::array<HookEventInfo, 34> kEvents{{
    {"SessionStart", "session_start", true},
    {"SessionEnd", "session_end", true},
    {"Setup", "other", true},
    {"InstructionsLoaded", "other", true},
    {"UserPromptSubmit", "user_prompt", true},
    {"UserPromptExpansion", "user_prompt", true},
    {"MessageDisplay", "other", true},
    {"PreToolUse", "tool_start", true},
    {"PostToolUse", "tool_end", true},
    {"PostToolUseFailure", "tool_error", true},
    {"PostToolBatch", "other", true},
    {"PermissionRequest", "permission", true},
    {"PermissionDenied", "permission", true},
    {"Notification", "notification", true},
    {"SubagentStart", "subagent_start", true},
    {"SubagentStop", "subagent_stop", true},
    {"TaskCreated", "other", true},
    {"TaskCompleted", "other", true},
    {"Stop", "turn_end", true},
    {"StopFailure", "turn_end", true},
    {"TeammateIdle", "other", true},
    {"ConfigChange", "other", true},
    {"CwdChanged", "other", true},
    {"DirectoryAdded", "other", true},
    {"FileChanged", "other", true},
    {"PreCompact", "compact", true},
    {"PostCompact", "compact", true},
    {"Elicitation", "other", true},
    {"ElicitationResult", "other", true},
    {"PreModelSwitch", "other", true},
    {"PostModelSwitch", "other", true},
    {"PreSkillShellCommand", "other", true},
    {"WorktreeCreate", "other", false},
    {"WorktreeRemove", "other", false},
}};

}  // namespace

std::span<const HookEventInfo> known_hook_events() { return kEvents; }

std::optional<HookEventInfo> find_hook_event(std::string_view name) {
    for (const HookEventInfo& e : kEvents) {
        if (e.name == name) return e;
    }
    return std::nullopt;
}

}  // namespace agent_trace::hooks
