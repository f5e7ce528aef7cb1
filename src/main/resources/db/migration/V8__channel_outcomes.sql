-- The history's charts and summaries: a channel's closed requests by time, counted by state,
-- with latency percentiles, over up to a day of a busy channel (a million rows). V7 had them
-- read the channel's index on channel_requests, which covers state and latency. But every row
-- of channel_requests is inserted pending and then updated with its outcome: two index
-- entries per request, and a page the visibility map marks all-visible only after a VACUUM
-- that also cleans the indexes, which autovacuum does rarely on a large table. Until then an
-- index-only scan reads the heap for each row: a day of a million requests took 0.3-0.4 s
-- instead of 0.2 s (docs/design.md, "Charts").
--
-- So each closed request also gets one narrow row here, written by the statement that closes
-- it (the outcome's, the error fallback's and the sweeper's) and never updated: an index
-- that holds one compact entry per request, and pages that autovacuum marks all-visible
-- after inserts alone, without cleaning any index. Pending requests are not here; the
-- history counts them from channel_requests, where they are few.
CREATE TABLE channel_outcomes (
    channel_id  text        NOT NULL,
    started_at  timestamptz NOT NULL,
    -- The request's final state; channel_requests.state without 'pending'.
    state       text        NOT NULL CHECK (state IN ('success', 'failed', 'timeout', 'error')),
    -- Null when the request has none (an error before any answer).
    latency_ms  integer,
    -- The request (channel_requests.id), for retention, which deletes a request's outcome in
    -- the statement that deletes the request. No index and no foreign key: nothing looks an
    -- outcome up by request, and each would cost every write an index entry or a check.
    request_id  uuid        NOT NULL
);

-- The requests closed before, in the order they started; the index is built after them.
INSERT INTO channel_outcomes (channel_id, started_at, state, latency_ms, request_id)
SELECT channel_id, started_at, state, latency_ms, id
FROM channel_requests
WHERE state <> 'pending'
ORDER BY started_at;

-- The charts' ranges of a channel: an index-only scan of the window's entries.
CREATE INDEX channel_outcomes_channel_started_idx ON channel_outcomes (channel_id, started_at)
    INCLUDE (state, latency_ms);

-- By default an insert-only table is vacuumed after its rows grew by a fifth: on a table that
-- keeps a month, days. Vacuumed after every 10,000 new rows instead, at most the latest 10,000
-- outcomes (a quarter of an hour at a million a day) wait for their all-visible mark. With
-- nothing updated, and nothing deleted but by retention, such a vacuum reads only the new
-- pages and no index (PostgreSQL 14 and later).
ALTER TABLE channel_outcomes SET (autovacuum_vacuum_insert_threshold = 10000,
                                  autovacuum_vacuum_insert_scale_factor = 0);
