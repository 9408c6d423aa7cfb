-- The fused index (store/fused_index.hpp): derived from events by fusion, redone
-- for any session marked stale. Plus the session index fusion reads through and
-- the full-text index of content stored at tier 2 or 3.
CREATE INDEX events_session_ts ON events (session_id, ts);

-- Sessions whose events changed since they were last fused. Every write that
-- touches a session bumps its generation; fusing clears the row only when the
-- generation it read is still current.
CREATE TABLE fused_stale (
    session_id TEXT PRIMARY KEY NOT NULL,
    generation INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO fused_stale (session_id, generation)
    SELECT DISTINCT session_id, 1 FROM events WHERE session_id IS NOT NULL;

CREATE TABLE fused_meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE fused_sessions (
    session_id TEXT PRIMARY KEY NOT NULL,
    project TEXT NOT NULL DEFAULT '',
    cwd TEXT NOT NULL DEFAULT '',
    user TEXT NOT NULL DEFAULT '',
    host TEXT NOT NULL DEFAULT '',
    git_branch TEXT NOT NULL DEFAULT '',
    app_version TEXT NOT NULL DEFAULT '',
    primary_model TEXT NOT NULL DEFAULT '',
    models TEXT NOT NULL DEFAULT '[]',
    title TEXT NOT NULL DEFAULT '',
    first_ts INTEGER NOT NULL,
    last_ts INTEGER NOT NULL,
    duration_us INTEGER NOT NULL,
    events INTEGER NOT NULL,
    prompts INTEGER NOT NULL,
    model_calls INTEGER NOT NULL,
    tool_calls INTEGER NOT NULL,
    tool_errors INTEGER NOT NULL,
    api_errors INTEGER NOT NULL,
    has_errors INTEGER NOT NULL,
    subagents INTEGER NOT NULL,
    compactions INTEGER NOT NULL,
    permission_denials INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_write_5m_tokens INTEGER NOT NULL,
    cache_write_1h_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    total_tokens INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    reported_cost_usd REAL NOT NULL,
    computed_cost_usd REAL NOT NULL,
    reported_calls INTEGER NOT NULL,
    computed_calls INTEGER NOT NULL,
    unpriced_calls INTEGER NOT NULL,
    sources INTEGER NOT NULL,
    tools_linked_to_prompt INTEGER NOT NULL,
    tools_linked_to_call INTEGER NOT NULL
) WITHOUT ROWID;

-- One index per sort order, with the session id as the keyset tie-breaker.
CREATE INDEX fused_sessions_last ON fused_sessions (last_ts, session_id);
CREATE INDEX fused_sessions_first ON fused_sessions (first_ts, session_id);
CREATE INDEX fused_sessions_cost ON fused_sessions (cost_usd, session_id);
CREATE INDEX fused_sessions_tokens ON fused_sessions (total_tokens, session_id);
CREATE INDEX fused_sessions_calls ON fused_sessions (model_calls, session_id);
CREATE INDEX fused_sessions_duration ON fused_sessions (duration_us, session_id);

CREATE TABLE fused_usage (
    session_id TEXT NOT NULL,
    bucket_ts INTEGER NOT NULL,
    model TEXT NOT NULL,
    project TEXT NOT NULL,
    user TEXT NOT NULL,
    calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_write_5m_tokens INTEGER NOT NULL,
    cache_write_1h_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    reported_cost_usd REAL NOT NULL,
    computed_cost_usd REAL NOT NULL,
    unpriced_calls INTEGER NOT NULL,
    PRIMARY KEY (session_id, bucket_ts, model)
) WITHOUT ROWID;
CREATE INDEX fused_usage_bucket ON fused_usage (bucket_ts);

CREATE TABLE fused_calls (
    session_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    model TEXT NOT NULL,
    project TEXT NOT NULL,
    user TEXT NOT NULL,
    duration_ms INTEGER,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cache_write_5m_tokens INTEGER NOT NULL,
    cache_write_1h_tokens INTEGER NOT NULL,
    cache_read_tokens INTEGER NOT NULL,
    cost_usd REAL NOT NULL,
    priced INTEGER NOT NULL
);
CREATE INDEX fused_calls_session ON fused_calls (session_id);
CREATE INDEX fused_calls_ts ON fused_calls (ts);

CREATE TABLE fused_tools (
    session_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    tool_use_id TEXT NOT NULL,
    tool_name TEXT NOT NULL,
    project TEXT NOT NULL,
    user TEXT NOT NULL,
    ts INTEGER NOT NULL,
    duration_ms INTEGER,
    result TEXT NOT NULL,
    cost_usd REAL NOT NULL
);
CREATE INDEX fused_tools_session ON fused_tools (session_id);
CREATE INDEX fused_tools_ts ON fused_tools (ts);

-- Text of events stored at tier 2 or 3 (string values of attrs, error), for
-- session search. Tier-1 events hold no content and are not indexed.
CREATE VIRTUAL TABLE event_text USING fts5 (body, session_id UNINDEXED, tokenize = 'unicode61');
INSERT INTO event_text (rowid, body, session_id)
    SELECT seq, (SELECT group_concat(value, ' ') FROM json_tree(events.attrs) WHERE type = 'text')
               || ' ' || coalesce(error, ''),
           session_id
    FROM events WHERE tier >= 2 AND session_id IS NOT NULL;
