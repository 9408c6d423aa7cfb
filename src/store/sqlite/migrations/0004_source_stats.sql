-- Events per source for `agent-trace status` and GET /api/v1/status, kept by the
-- writer in the transaction that stores the events (new rows only, never a second
-- copy), so that the report reads a few rows instead of scanning every event.
CREATE TABLE source_stats (
    source TEXT PRIMARY KEY NOT NULL,
    events_total INTEGER NOT NULL,
    last_event_ts INTEGER NOT NULL,   -- the latest ts among the stored events
    last_ingest_ts INTEGER NOT NULL
) WITHOUT ROWID;

-- Events stored per source and minute of ingest_ts (ingest_ts / 60 s), for "events
-- in the last hour"; minutes older than two hours are pruned by the writer.
CREATE TABLE source_ingest_minutes (
    source TEXT NOT NULL,
    minute INTEGER NOT NULL,
    events INTEGER NOT NULL,
    PRIMARY KEY (source, minute)
) WITHOUT ROWID;

-- Backfilled once from what the store holds.
INSERT INTO source_stats (source, events_total, last_event_ts, last_ingest_ts)
    SELECT source, count(*), max(ts), max(ingest_ts) FROM events GROUP BY source;

INSERT INTO source_ingest_minutes (source, minute, events)
    SELECT source, ingest_ts / 60000000, count(*) FROM events
    WHERE ingest_ts >= (CAST(strftime('%s', 'now') AS INTEGER) - 7200) * 1000000
    GROUP BY source, ingest_ts / 60000000;
