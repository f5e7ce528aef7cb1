-- Each distinct definition a channel (gateway route) has had: its id, sink URI, predicates,
-- filters and metadata, with credentials redacted. The id is derived from the content hash,
-- so every replica that starts with the same routes names the same row and none needs to
-- read it back: inserts are ON CONFLICT DO NOTHING, safe when several start at once.
CREATE TABLE channel_snapshots (
    id          uuid        PRIMARY KEY,
    channel_id  text        NOT NULL,
    config_hash char(64)    NOT NULL UNIQUE,
    definition  jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- "The definitions of a channel", newest first.
CREATE INDEX channel_snapshots_channel_created_idx ON channel_snapshots (channel_id, created_at DESC);

-- The definition in force when the request arrived. Null for rows recorded before snapshots.
ALTER TABLE channel_requests ADD COLUMN channel_snapshot_id uuid REFERENCES channel_snapshots (id);

-- Keyset pagination over all channels, newest first, and retention's "oldest first".
CREATE INDEX channel_requests_started_idx ON channel_requests (started_at DESC, id DESC);

-- The state filter pages on (started_at, id) too.
DROP INDEX channel_requests_state_started_idx;
CREATE INDEX channel_requests_state_started_idx ON channel_requests (state, started_at DESC, id DESC);

-- Set when retention wiped the event's previews and header values (state, status, sizes,
-- hashes and timings stay). The partial index holds only the events not wiped yet, so the
-- wipe finds its next batch without reading the ones it already did.
ALTER TABLE channel_events ADD COLUMN wiped_at timestamptz;
CREATE INDEX channel_events_unwiped_idx ON channel_events (inserted_at) WHERE wiped_at IS NULL;
