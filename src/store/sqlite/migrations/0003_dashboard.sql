-- Failed tool calls, newest first (GET /api/v1/analytics/tools/failures): a partial
-- index holds only the failures, in time order, so a page is read from the index
-- without visiting the calls that succeeded. Queries must spell the condition the
-- same way for SQLite to use it.
CREATE INDEX fused_tools_failures ON fused_tools (ts) WHERE result IN ('error', 'denied');

-- Sessions only OTEL start-up records know (the list hides them unless asked):
-- counted from their own small index, so a count of the whole list need not read
-- every session row (GET /api/v1/sessions?include_total=true).
CREATE INDEX fused_sessions_startup_only ON fused_sessions (session_id)
    WHERE sources = 2 AND prompts = 0 AND model_calls = 0 AND tool_calls = 0;
