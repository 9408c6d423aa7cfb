-- Canonical events (v1). event_id is the 16-byte id; a second copy is merged or ignored.
-- Rows live in insertion order (rowid) so bulk imports append instead of
-- splitting pages at random; the random event_id goes into a small unique index.
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    event_id BLOB NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    ts INTEGER NOT NULL,
    ingest_ts INTEGER NOT NULL,
    session_id TEXT,
    agent_id TEXT,
    prompt_id TEXT,
    message_id TEXT,
    request_id TEXT,
    tool_use_id TEXT,
    parent_uuid TEXT,
    user TEXT,
    host TEXT,
    project TEXT,
    cwd TEXT,
    git_branch TEXT,
    app_version TEXT,
    model TEXT,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_write_5m_tokens INTEGER NOT NULL DEFAULT 0,
    cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL,
    cost_source TEXT,
    tool_name TEXT,
    duration_ms INTEGER,
    success INTEGER,
    error TEXT,
    is_sidechain INTEGER NOT NULL DEFAULT 0,
    tier INTEGER NOT NULL DEFAULT 1,
    attrs TEXT NOT NULL DEFAULT '{}'
);

CREATE UNIQUE INDEX events_event_id ON events (event_id);
CREATE INDEX events_kind_ts ON events (kind, ts);

-- Transcript import checkpoints: one row per file, replaced in the same
-- transaction as the events read up to `offset`.
CREATE TABLE import_files (
    path TEXT PRIMARY KEY NOT NULL,
    device INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    byte_offset INTEGER NOT NULL,
    head_hash INTEGER NOT NULL,
    head_length INTEGER NOT NULL,
    lines INTEGER NOT NULL,
    malformed_lines INTEGER NOT NULL,
    oversized_lines INTEGER NOT NULL,
    incomplete_lines INTEGER NOT NULL,
    decoder_version INTEGER NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    updated_at INTEGER NOT NULL
);
