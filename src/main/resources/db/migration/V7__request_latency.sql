-- The history's charts: a channel's requests per time bucket, counted by state, with latency
-- percentiles, over up to a day of a busy channel (a million rows). Reading latency_ms from
-- channel_events costs one probe of the events' index per request (about 4 s for a million);
-- a copy of it on the request row, written with the final state, lets the channel's index
-- answer alone (an index-only scan, about 0.2 s). See docs/design.md, "Charts".
ALTER TABLE channel_requests ADD COLUMN latency_ms integer;

-- The requests recorded before: the event's latency (null for an error event without one).
UPDATE channel_requests r SET latency_ms = e.latency_ms
FROM channel_events e
WHERE e.channel_request_id = r.id AND e.latency_ms IS NOT NULL;

-- The same index (the list's "latest of a channel", keyset paged on started_at, id), now
-- covering state and latency. The final update of a row changes state, which another index
-- holds already, so it was never a HOT update: covering them costs a few bytes an entry.
DROP INDEX channel_requests_channel_started_idx;
CREATE INDEX channel_requests_channel_started_idx ON channel_requests (channel_id, started_at DESC, id DESC)
    INCLUDE (state, latency_ms);
