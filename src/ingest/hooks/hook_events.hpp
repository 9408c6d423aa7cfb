#pragma once
// The hook events Claude Code fires, and the canonical kind each one becomes.
// Lean: used by the hook-handler fast path, so it depends on nothing heavy.
#include <optional>
#include <span>
#include <string_view>

namespace agent_trace::hooks {

struct HookEventInfo {
    std::string_view name;    // hook_event_name, e.g. "PreToolUse"
    std::string_view kind;    // canonical EventKind name, e.g. "tool_start"
    bool registered_by_init;  // false where a hook changes behaviour (WorktreeCreate)
};

// Every event Claude Code 2.1.x accepts in settings (2.1.332's schema plus the
// documented ones), in the order `init` writes them.
std::span<const HookEventInfo> known_hook_events();

std::optional<HookEventInfo> find_hook_event(std::string_view name);

}  // namespace agent_trace::hooks
