"""Every hook event Claude Code documents, with the fields the reference lists, is
accepted by a real `serve`, stored once with its canonical kind, and at tier 1 none of
its content (prompts, tool input and output, messages, summaries) reaches the store.
Content fields carry a marker; the marker must not appear anywhere in the stored rows."""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from common import check, finish  # noqa: E402
from serve_support import db_query, serving  # noqa: E402

M = "ZZCONTENTZZ"  # marks content that tier 1 must drop
BASE = {"session_id": "all-events", "transcript_path": "/x/-p/all-events.jsonl", "cwd": "/p"}
EVENTS = {
    "SessionStart": ("session_start", {"source": "startup", "model": "claude-sonnet-4-5"}),
    "SessionEnd": ("session_end", {"reason": "prompt_input_exit"}),
    "Setup": ("other", {"trigger": "init"}),
    "InstructionsLoaded": ("other", {"file_path": "/p/CLAUDE.md", "memory_type": "project",
                                     "load_reason": "startup"}),
    "UserPromptSubmit": ("user_prompt", {"prompt": M, "prompt_id": "p1",
                                         "permission_mode": "default"}),
    "UserPromptExpansion": ("user_prompt", {"expansion_type": "slash_command",
                                            "command_name": "review", "command_args": M,
                                            "command_source": "user", "prompt": M}),
    "MessageDisplay": ("other", {"turn_id": "t", "message_id": "m", "index": 0, "final": True,
                                 "delta": M}),
    "PreToolUse": ("tool_start", {"tool_name": "Bash", "tool_input": {"command": M},
                                  "tool_use_id": "tu1", "effort": {"level": "high"}}),
    "PostToolUse": ("tool_end", {"tool_name": "Bash", "tool_input": {"command": M},
                                 "tool_response": {"stdout": M}, "tool_use_id": "tu1",
                                 "duration_ms": 5}),
    "PostToolUseFailure": ("tool_error", {"tool_name": "Bash", "tool_input": {"command": M},
                                          "tool_use_id": "tu2", "error": "Exit code 1 " + M,
                                          "is_interrupt": False}),
    "PostToolBatch": ("other", {"tool_calls": [{"tool_name": "Bash", "tool_input": {"c": M},
                                                "tool_use_id": "tu1", "tool_response": M}]}),
    "PermissionRequest": ("permission", {"tool_name": "Bash", "tool_input": {"command": M},
                                         "permission_suggestions": [{"rule": M}]}),
    "PermissionDenied": ("permission", {"tool_name": "Bash", "tool_input": {"command": M},
                                        "tool_use_id": "tu3", "reason": "auto"}),
    "Notification": ("notification", {"message": M, "title": M,
                                      "notification_type": "permission_prompt"}),
    "SubagentStart": ("subagent_start", {"agent_id": "a1", "agent_type": "Explore"}),
    "SubagentStop": ("subagent_stop", {"agent_id": "a1", "agent_type": "Explore",
                                       "stop_hook_active": False,
                                       "agent_transcript_path": "/x/agent-a1.jsonl",
                                       "last_assistant_message": M, "background_tasks": [],
                                       "session_crons": []}),
    "TaskCreated": ("other", {"task_id": "k1", "task_subject": M, "task_description": M}),
    "TaskCompleted": ("other", {"task_id": "k1", "task_subject": M}),
    "Stop": ("turn_end", {"stop_hook_active": False, "last_assistant_message": M,
                          "background_tasks": [], "session_crons": []}),
    "StopFailure": ("turn_end", {"error": "rate_limit", "error_details": M,
                                 "last_assistant_message": M}),
    "TeammateIdle": ("other", {"teammate_name": "a", "team_name": "b"}),
    "ConfigChange": ("other", {"source": "user_settings", "file_path": "/h/settings.json"}),
    "CwdChanged": ("other", {"old_cwd": "/p", "new_cwd": "/q"}),
    "DirectoryAdded": ("other", {"directory": "/q", "source": "slash_command"}),
    "FileChanged": ("other", {"file_path": "/p/a.txt", "event": "change"}),
    "PreCompact": ("compact", {"trigger": "auto", "custom_instructions": M}),
    "PostCompact": ("compact", {"trigger": "auto", "compact_summary": M}),
    "Elicitation": ("other", {"mcp_server_name": "srv", "message": M, "mode": "form",
                              "elicitation_id": "e1", "requested_schema": {"title": M}}),
    "ElicitationResult": ("other", {"mcp_server_name": "srv", "action": "accept",
                                    "content": {"a": M}, "elicitation_id": "e1"}),
    "PreModelSwitch": ("other", {"model": "claude-opus-4-5"}),
    "PostModelSwitch": ("other", {"model": "claude-opus-4-5"}),
    "PreSkillShellCommand": ("other", {"command": M}),
    "WorktreeCreate": ("other", {"name": "wt"}),
    "WorktreeRemove": ("other", {"worktree_path": "/w"}),
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    args = parser.parse_args()
    with serving(args.bin, "agent-trace-allhooks-", "--no-import") as (server, data):
        for name, (_, fields) in EVENTS.items():
            status, reply = server.post(dict(BASE, hook_event_name=name, **fields))
            check(status == 200 and reply.get("accepted") == 1, f"{name}: {status} {reply}")
        count = "SELECT count(*) FROM events WHERE source = 'hook'"
        server.wait_for(lambda: db_query(data, count)[0][0] == len(EVENTS), 10)
        rows = db_query(data, "SELECT json_extract(attrs, '$.hook_event_name'), kind, * "
                              "FROM events WHERE source = 'hook'")
        kinds = {r[0]: r[1] for r in rows}
        check(len(rows) == len(EVENTS), f"{len(rows)} stored, expected {len(EVENTS)}")
        for name, (kind, _) in EVENTS.items():
            check(kinds.get(name) == kind, f"{name}: kind {kinds.get(name)}, expected {kind}")
        leaked = sorted({r[0] for r in rows if any(M in str(v) for v in r)})
        check(not leaked, f"tier-1 content stored for {leaked}")
        print(f"all hook events: {len(rows)} accepted and stored with their kinds, no content")
    finish("hooks_all_events")


if __name__ == "__main__":
    main()
